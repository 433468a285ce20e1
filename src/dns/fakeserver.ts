/**
 * A fake authoritative DNS server on dns-packet, for tests and the demo. UDP and TCP on one port,
 * several zones at once (root, TLD, child), a minimal RFC 1034 §4.3.2 lookup (referral with
 * in-domain and sibling glue below a cut; AA answer; NODATA / NXDOMAIN with SOA), data mutable at
 * runtime, and knobs for the faults real networks and servers produce.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, RecordType } from 'dns-packet';
import { isInZone, normName } from './names.js';

export interface FakeRecord {
  name: string;
  type: 'A' | 'AAAA' | 'NS' | 'SOA' | 'CNAME' | 'TXT' | 'DS' | 'DNSKEY';
  ttl?: number;
  data: unknown; // string for A/AAAA/NS/CNAME; SoaData for SOA; string for TXT; DsData / DnskeyData
}

export interface FakeZone {
  origin: string; // '' or '.' for the root
  records: FakeRecord[];
}

export interface FakeKnobs {
  dropUdp?: number; // drop this many UDP queries (then answer)
  dropTcp?: number; // drop this many TCP queries (close the connection)
  silent?: boolean; // never answer (an unreachable server)
  truncateUdp?: boolean; // answer every UDP query with TC=1 and empty sections
  omitGlueOverUdp?: boolean; // the NSD/BIND partial-glue bug: drop A/AAAA additionals over UDP, TC=0
  spoofFirst?: number; // before this many answers, first send a reply with a wrong id
  extraAdditionals?: FakeRecord[]; // appended to every answer (e.g. out-of-bailiwick records)
  notAuthoritative?: boolean; // clear AA on every answer (a cache answering for the zone)
  recursionAvailable?: boolean; // set RA on every answer (a resolver answering an RD=0 query)
  interceptNxdomain?: boolean; // answer everything NXDOMAIN, AA=0, RA=1, empty sections (port-53 interceptor)
  rcode?: 'REFUSED' | 'SERVFAIL'; // answer every query with this rcode and empty sections
  formerrOnEdns?: boolean; // answer FORMERR to any query carrying EDNS (a server that predates it)
  delayMs?: number; // answer this much later (a slow server)
}

export interface FakeQueryLog {
  transport: 'udp' | 'tcp';
  name: string;
  type: string;
  edns?: boolean; // the query carried an OPT record
}

export interface FakeServerOptions {
  host?: string; // default 127.0.0.1 (127.0.0.2… also work on Linux loopback)
  port?: number; // default 0 (ephemeral; TCP then binds the same number)
  zones: FakeZone[];
  knobs?: FakeKnobs;
}

export class FakeDnsServer {
  readonly host: string;
  port = 0;
  knobs: FakeKnobs;
  readonly log: FakeQueryLog[] = [];
  private zones = new Map<string, FakeRecord[]>();
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private sockets = new Set<net.Socket>();

  private constructor(opts: FakeServerOptions) {
    this.host = opts.host ?? '127.0.0.1';
    this.knobs = { ...opts.knobs };
    this.setZones(opts.zones);
  }

  /** Start a server; retries on EADDRINUSE when the port was ephemeral. */
  static async start(opts: FakeServerOptions): Promise<FakeDnsServer> {
    for (let attempt = 0; ; attempt++) {
      const server = new FakeDnsServer(opts);
      try {
        await server.listen(opts.port ?? 0);
        return server;
      } catch (err) {
        await server.close();
        const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!inUse || (opts.port ?? 0) !== 0 || attempt >= 10) throw err;
      }
    }
  }

  /** 'IP:port' for parent_servers / root_servers options. */
  get address(): string {
    return net.isIPv6(this.host) ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  setZones(zones: FakeZone[]): void {
    this.zones = new Map(zones.map((z) => [normName(z.origin), z.records.map(normRecord)]));
  }

  /** Replace the records of one zone (the zone is created when new). */
  setRecords(origin: string, records: FakeRecord[]): void {
    this.zones.set(normName(origin), records.map(normRecord));
  }

  addRecords(origin: string, records: FakeRecord[]): void {
    const list = this.zones.get(normName(origin)) ?? [];
    this.zones.set(normName(origin), [...list, ...records.map(normRecord)]);
  }

  /** Remove records by owner name, and type / data when given. */
  removeRecords(origin: string, match: { name: string; type?: FakeRecord['type']; data?: unknown }): void {
    const list = this.zones.get(normName(origin)) ?? [];
    const n = normName(match.name);
    this.zones.set(
      normName(origin),
      list.filter(
        (r) =>
          !(
            r.name === n &&
            (match.type === undefined || r.type === match.type) &&
            (match.data === undefined || r.data === match.data)
          ),
      ),
    );
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp?.listening ? this.tcp.close(() => r()) : r())),
    ]);
    this.udp = undefined;
    this.tcp = undefined;
  }

  private async listen(port: number): Promise<void> {
    const udp = dgram.createSocket(net.isIPv6(this.host) ? 'udp6' : 'udp4');
    this.udp = udp;
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, this.host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    this.port = udp.address().port;
    udp.on('message', (msg, rinfo) => this.onUdp(msg, rinfo));
    udp.on('error', () => undefined);
    const tcp = net.createServer((socket) => this.onTcp(socket));
    this.tcp = tcp;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(this.port, this.host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
  }

  private onUdp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const q = decodeQuery(msg);
    if (!q) return;
    this.log.push({ transport: 'udp', name: q.name, type: q.type, edns: hasEdns(q.packet) });
    if (this.knobs.silent) return;
    if ((this.knobs.dropUdp ?? 0) > 0) {
      this.knobs.dropUdp = this.knobs.dropUdp! - 1;
      return;
    }
    const send = (packet: DecodedPacket | Parameters<typeof dnsPacket.encode>[0]): void => {
      this.udp?.send(dnsPacket.encode(packet), rinfo.port, rinfo.address);
    };
    const answer = this.answer(q.packet, 'udp');
    const reply = (): void => {
      if ((this.knobs.spoofFirst ?? 0) > 0) {
        this.knobs.spoofFirst = this.knobs.spoofFirst! - 1;
        send({
          ...answer,
          id: ((q.packet.id ?? 0) + 1) % 65536,
          answers: [{ type: 'A', name: q.name, data: '192.0.2.66' }],
        });
      }
      send(answer);
    };
    if (this.knobs.delayMs) setTimeout(reply, this.knobs.delayMs);
    else reply();
  }

  private onTcp(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const msg = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + msg.length);
        const q = decodeQuery(msg);
        if (!q) continue;
        this.log.push({ transport: 'tcp', name: q.name, type: q.type, edns: hasEdns(q.packet) });
        if (this.knobs.silent) continue;
        if ((this.knobs.dropTcp ?? 0) > 0) {
          this.knobs.dropTcp = this.knobs.dropTcp! - 1;
          socket.destroy();
          return;
        }
        const out = dnsPacket.encode(this.answer(q.packet, 'tcp'));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(out.length);
        // two writes: clients must buffer chunks until the whole message is there
        socket.write(Buffer.concat([len, out.subarray(0, 3)]));
        socket.write(out.subarray(3));
      }
    });
  }

  /** RFC 1034 §4.3.2, minimal: closest zone, cut below it → referral, else answer / NODATA / NXDOMAIN. */
  private answer(query: DecodedPacket, transport: 'udp' | 'tcp'): Parameters<typeof dnsPacket.encode>[0] {
    const q = query.questions![0]!;
    const qname = normName(q.name);
    const qtype = q.type;
    const base = { type: 'response' as const, id: query.id, questions: [q] };
    const edns = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    const opt = edns
      ? [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: 1232,
            extendedRcode: 0,
            ednsVersion: 0,
            flags: 0,
            flag_do: false,
            options: [],
          } as unknown as Answer,
        ]
      : [];
    if (edns && this.knobs.formerrOnEdns) return { ...base, flags: 1 }; // FORMERR, no OPT: EDNS unknown here
    if (this.knobs.rcode) return { ...base, flags: this.knobs.rcode === 'REFUSED' ? 5 : 2, additionals: opt };
    if (transport === 'udp' && this.knobs.truncateUdp) {
      return { ...base, flags: dnsPacket.TRUNCATED_RESPONSE, additionals: opt };
    }
    if (this.knobs.interceptNxdomain) return { ...base, flags: dnsPacket.RECURSION_AVAILABLE | 3, additionals: opt };
    const origin = this.closestZone(qname);
    if (origin === undefined) return { ...base, flags: 5, additionals: opt }; // REFUSED
    const records = this.zones.get(origin)!;
    const extra = (this.knobs.extraAdditionals ?? []).map(normRecord).map(toAnswer);
    let result: { flags: number; answers: Answer[]; authorities: Answer[]; additionals: Answer[] };
    const cut = findCut(records, origin, qname, qtype);
    if (cut !== undefined) {
      const ns = records.filter((r) => r.name === cut && r.type === 'NS');
      const targets = new Set(ns.map((r) => r.data as string));
      let glue = records.filter((r) => (r.type === 'A' || r.type === 'AAAA') && targets.has(r.name));
      if (transport === 'udp' && this.knobs.omitGlueOverUdp) glue = [];
      result = { flags: 0, answers: [], authorities: ns.map(toAnswer), additionals: glue.map(toAnswer) };
    } else {
      const own = records.filter((r) => r.name === qname);
      const hits = own.filter((r) => r.type === qtype || (r.type === 'CNAME' && qtype !== 'CNAME'));
      const soa = soaOf(records, origin);
      if (hits.length > 0) {
        result = {
          flags: dnsPacket.AUTHORITATIVE_ANSWER,
          answers: hits.map(toAnswer),
          authorities: [],
          additionals: [],
        };
      } else if (own.length > 0 || records.some((r) => r.name.endsWith(`.${qname}`)) || qname === origin) {
        result = { flags: dnsPacket.AUTHORITATIVE_ANSWER, answers: [], authorities: [toAnswer(soa)], additionals: [] };
      } else {
        result = {
          flags: dnsPacket.AUTHORITATIVE_ANSWER | 3,
          answers: [],
          authorities: [toAnswer(soa)],
          additionals: [],
        };
      }
    }
    if (this.knobs.notAuthoritative) result.flags &= ~dnsPacket.AUTHORITATIVE_ANSWER;
    if (this.knobs.recursionAvailable) result.flags |= dnsPacket.RECURSION_AVAILABLE;
    const packet = { ...base, ...result, additionals: [...result.additionals, ...extra, ...opt] };
    const limit = transport === 'udp' ? Math.max(512, edns?.udpPayloadSize ?? 512) : 65535;
    if (dnsPacket.encodingLength(packet) > limit) {
      return {
        ...base,
        flags: result.flags | dnsPacket.TRUNCATED_RESPONSE,
        answers: [],
        authorities: [],
        additionals: opt,
      };
    }
    return packet;
  }

  private closestZone(qname: string): string | undefined {
    let best: string | undefined;
    for (const origin of this.zones.keys()) {
      if (isInZone(qname, origin) && (best === undefined || origin.length > best.length)) best = origin;
    }
    return best;
  }
}

/** Start several fake servers on the same port at different loopback IPs (root → TLD → child). */
export async function startFakeServers(specs: Omit<FakeServerOptions, 'port'>[], port = 0): Promise<FakeDnsServer[]> {
  for (let attempt = 0; ; attempt++) {
    const started: FakeDnsServer[] = [];
    try {
      let p = port;
      for (const spec of specs) {
        const s = await FakeDnsServer.start({ ...spec, port: p });
        started.push(s);
        p = s.port;
      }
      return started;
    } catch (err) {
      await Promise.all(started.map((s) => s.close()));
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port !== 0 || attempt >= 10) throw err;
    }
  }
}

/** A default SOA record for a fake zone. */
export function fakeSoa(origin: string): FakeRecord {
  const o = normName(origin);
  return {
    name: o,
    type: 'SOA',
    ttl: 3600,
    data: {
      mname: o ? `ns.${o}` : 'a.root-servers.net',
      rname: o ? `hostmaster.${o}` : 'nstld.example',
      serial: 1,
      refresh: 1800,
      retry: 900,
      expire: 604800,
      minimum: 86400,
    },
  };
}

function normRecord(r: FakeRecord): FakeRecord {
  const data = r.type === 'NS' || r.type === 'CNAME' ? normName(r.data as string) : r.data;
  return { ...r, name: normName(r.name), data };
}

function toAnswer(r: FakeRecord): Answer {
  return { name: r.name || '.', type: r.type, ttl: r.ttl ?? 3600, class: 'IN', data: r.data } as Answer;
}

function soaOf(records: FakeRecord[], origin: string): FakeRecord {
  return records.find((r) => r.type === 'SOA' && r.name === origin) ?? fakeSoa(origin);
}

/**
 * The highest owner strictly below `origin` on the path to qname that has NS records. DS lives on
 * the parent side of a cut (RFC 4035 §3.1.4.1): a DS query for the cut itself is answered here.
 */
function findCut(records: FakeRecord[], origin: string, qname: string, qtype?: string): string | undefined {
  const labels = qname === '' ? [] : qname.split('.');
  const originDepth = origin === '' ? 0 : origin.split('.').length;
  for (let depth = originDepth + 1; depth <= labels.length; depth++) {
    const candidate = labels.slice(labels.length - depth).join('.');
    if (qtype === 'DS' && candidate === qname) continue;
    if (records.some((r) => r.name === candidate && r.type === 'NS')) return candidate;
  }
  return undefined;
}

function hasEdns(packet: DecodedPacket): boolean {
  return (packet.additionals ?? []).some((a) => a.type === 'OPT');
}

function decodeQuery(msg: Buffer): { packet: DecodedPacket; name: string; type: RecordType } | undefined {
  try {
    const packet = dnsPacket.decode(msg);
    const q = packet.questions?.[0];
    if (!q || packet.flag_qr) return undefined;
    return { packet, name: normName(q.name), type: q.type };
  } catch {
    return undefined;
  }
}
