/**
 * A small non-recursive DNS client on dns-packet over node:dgram / node:net. node:dns cannot do
 * this job: it always sets RD=1 and hides the AUTHORITY and ADDITIONAL sections of referrals.
 *
 * Every query: RD=0, EDNS0 with a 1232-byte buffer, a random id, a new UDP socket (so the OS picks
 * a random source port), and only answers whose source, id and question match are accepted —
 * anything else is ignored while we keep waiting. TC=1 over UDP re-asks over TCP. A server that
 * answers FORMERR to EDNS (old middleboxes and servers) is asked again without it. With a budget,
 * every message sent counts against the check's query cap.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, RecordType } from 'dns-packet';
import { AcnsError } from '../errors.js';
import type { QueryBudget } from './budget.js';
import { canonIp, normName } from './names.js';

export interface ServerAddress {
  host: string; // an IP address (never a host name)
  port: number;
}

export interface QueryOptions {
  timeoutMs?: number; // per attempt; default 2000
  retries?: number; // extra attempts after the first; default 1
  tcp?: boolean; // ask over TCP only (used to confirm anything that is not ok)
  udpPayloadSize?: number; // EDNS0 buffer; default 1232
  signal?: AbortSignal;
  /** The check's bounds: each message sent takes one query from it; none left → DnsQueryError. */
  budget?: QueryBudget;
}

export interface DnsResponse {
  server: string; // formatted 'IP:port' / '[IPv6]:port'
  packet: DecodedPacket;
  rcode: string; // 'NOERROR', 'NXDOMAIN', …
  aa: boolean;
  ra: boolean; // RA=1 on our RD=0 query: a resolver (or something intercepting port 53) answered
  transport: 'udp' | 'tcp';
  truncatedOverUdp: boolean; // a UDP answer came with TC=1 and we re-asked over TCP
  ednsFallback?: boolean; // the server answered FORMERR to EDNS; this answer is to a query without it
}

/** A query that got no usable answer (timeouts, network errors, malformed replies). */
export class DnsQueryError extends AcnsError {
  readonly server: string;
  constructor(server: string, message: string, cause?: unknown) {
    super('dns_query_failed', message, { exitCode: 1, cause });
    this.name = 'DnsQueryError';
    this.server = server;
  }
}

/** Parse 'IP', 'IP:port', a bare IPv6 address or '[IPv6]:port'. Host names are rejected. */
export function parseServer(text: string, defaultPort = 53): ServerAddress {
  const s = text.trim();
  const bad = (why: string): never => {
    throw new AcnsError('dns_server_invalid', `invalid DNS server "${text}": ${why}`, {
      exitCode: 1,
      hint: 'write an IP address, IP:port, a bare IPv6 address or [IPv6]:port (host names are not accepted)',
    });
  };
  let host = s;
  let port = defaultPort;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
    if (!net.isIPv6(host)) bad('not an IPv6 address inside the brackets');
  } else if (net.isIPv6(s)) {
    host = s;
  } else {
    const m = /^([^:]+):(\d+)$/.exec(s);
    if (m) {
      host = m[1]!;
      port = Number(m[2]);
    }
    if (!net.isIPv4(host)) bad('not an IP address');
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) bad('port must be 1–65535');
  return { host: canonIp(host), port };
}

/** 'IP:port', or '[IPv6]:port'. */
export function formatServer(a: ServerAddress): string {
  return net.isIPv6(a.host) ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** The data of an A/AAAA/NS/CNAME record as text, or undefined for other types. */
export function rdataText(rr: Answer): string | undefined {
  if (rr.type === 'A' || rr.type === 'AAAA' || rr.type === 'NS' || rr.type === 'CNAME') return rr.data;
  return undefined;
}

/**
 * Why an answer cannot be taken as the asked server's own data, or undefined when it can. We ask
 * non-recursively, so a server that really serves the zone answers NXDOMAIN, NODATA or the data
 * with AA=1; only referrals (an NS set in AUTHORITY, nothing in ANSWER) legitimately have AA=0.
 * Anything else without AA came from a cache or from something intercepting port 53.
 */
export function unauthoritative(res: DnsResponse): string | undefined {
  if (res.aa || (res.rcode !== 'NOERROR' && res.rcode !== 'NXDOMAIN')) return undefined;
  const p = res.packet;
  const referral = (p.answers ?? []).length === 0 && (p.authorities ?? []).some((a) => a.type === 'NS');
  if (res.rcode === 'NOERROR' && referral) return undefined;
  const what = res.rcode === 'NXDOMAIN' ? 'NXDOMAIN' : (p.answers ?? []).length > 0 ? 'an answer' : 'NODATA';
  const ra = res.ra
    ? ', and RA=1 on a non-recursive query: a resolver or something intercepting port 53 answered, not the server asked'
    : '';
  return `${what}: answer not authoritative (AA=0)${ra}`;
}

/** Ask one server one question. UDP with retries (TC=1 → TCP), or TCP only with `tcp: true`. */
export async function query(
  server: ServerAddress,
  name: string,
  type: RecordType,
  opts: QueryOptions = {},
): Promise<DnsResponse> {
  const first = await queryOnce(server, name, type, opts, true);
  if (first.rcode !== 'FORMERR') return first;
  // RFC 6891 §7: a responder that does not understand EDNS answers FORMERR; ask again without it
  const plain = await queryOnce(server, name, type, opts, false);
  return { ...plain, ednsFallback: true };
}

async function queryOnce(
  server: ServerAddress,
  name: string,
  type: RecordType,
  opts: QueryOptions,
  edns: boolean,
): Promise<DnsResponse> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const attempts = 1 + Math.max(0, opts.retries ?? 1);
  const label = formatServer(server);
  const signal = opts.signal ?? opts.budget?.signal;
  const question = { name: normName(name), type };
  const send = (tcp: boolean): Promise<DecodedPacket> => {
    if (opts.budget && !opts.budget.take()) {
      throw new DnsQueryError(label, `not asked: ${opts.budget.reason() ?? 'no queries left'}`);
    }
    const id = randomInt(0, 65536);
    const msg = encodeQuery(id, question, opts, edns);
    return tcp
      ? exchangeTcp(server, msg, id, question, timeoutMs, signal)
      : exchangeUdp(server, msg, id, question, timeoutMs, signal);
  };
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    if (signal?.aborted) throw new DnsQueryError(label, `query to ${label} aborted`);
    try {
      if (opts.tcp) return toResponse(label, await send(true), 'tcp', false);
      const packet = await send(false);
      if (!packet.flag_tc) return toResponse(label, packet, 'udp', false);
      return toResponse(label, await send(true), 'tcp', true);
    } catch (err) {
      if (err instanceof DnsQueryError) throw err;
      lastError = err;
    }
  }
  const why = lastError instanceof Error ? lastError.message : String(lastError);
  throw new DnsQueryError(
    label,
    `no answer from ${label} for ${question2text(name, type)} over ${opts.tcp ? 'TCP' : 'UDP'} ` +
      `(${attempts} attempt${attempts > 1 ? 's' : ''}): ${why}`,
    lastError,
  );
}

function question2text(name: string, type: string): string {
  return `${normName(name) || '.'} ${type}`;
}

function toResponse(
  server: string,
  packet: DecodedPacket,
  transport: 'udp' | 'tcp',
  truncatedOverUdp: boolean,
): DnsResponse {
  const flags = packet.flags ?? 0;
  return {
    server,
    packet,
    rcode: rcodeName(flags & 0xf),
    aa: packet.flag_aa,
    ra: packet.flag_ra,
    transport,
    truncatedOverUdp,
  };
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
function rcodeName(code: number): string {
  return RCODES[code] ?? `RCODE${code}`;
}

function encodeQuery(
  id: number,
  question: { name: string; type: RecordType },
  opts: QueryOptions,
  edns: boolean,
): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: 0, // RD=0: we want the server's own data, referrals included
    questions: [{ ...question, class: 'IN' }],
    additionals: (edns
      ? [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: opts.udpPayloadSize ?? 1232,
            extendedRcode: 0,
            ednsVersion: 0,
            flags: 0,
            flag_do: false,
            options: [],
          },
        ]
      : []) as unknown as Answer[],
  });
}

function matches(packet: DecodedPacket, id: number, question: { name: string; type: RecordType }): boolean {
  if (packet.id !== id || !packet.flag_qr) return false;
  const q = packet.questions?.[0];
  return q !== undefined && normName(q.name) === question.name && q.type === question.type;
}

/**
 * Settles one exchange exactly once — answer, error, timeout or abort, whichever comes first — and
 * always releases the socket, the timer and the abort listener.
 */
function settleOnce(
  resolve: (p: DecodedPacket) => void,
  reject: (e: Error) => void,
  release: () => void,
  timeoutMs: number,
  label: string,
  signal?: AbortSignal,
): (err: Error | null, packet?: DecodedPacket) => void {
  let done = false;
  const finish = (err: Error | null, packet?: DecodedPacket): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    release();
    if (err) reject(err);
    else resolve(packet!);
  };
  const onAbort = (): void => finish(new Error('aborted'));
  const timer = setTimeout(() => finish(new Error(`timeout after ${timeoutMs} ms${label}`)), timeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  return finish;
}

function exchangeUdp(
  server: ServerAddress,
  msg: Buffer,
  id: number,
  question: { name: string; type: RecordType },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const finish = settleOnce(resolve, reject, () => socket.close(), timeoutMs, '', signal);
    socket.on('error', (err) => finish(err));
    socket.on('message', (buf, rinfo) => {
      if (canonIp(rinfo.address) !== server.host || rinfo.port !== server.port) return;
      let packet: DecodedPacket;
      try {
        packet = dnsPacket.decode(buf);
      } catch {
        return; // malformed: ignore and keep waiting
      }
      if (matches(packet, id, question)) finish(null, packet);
    });
    socket.send(msg, server.port, server.host, (err) => {
      if (err) finish(err);
    });
  });
}

function exchangeTcp(
  server: ServerAddress,
  msg: Buffer,
  id: number,
  question: { name: string; type: RecordType },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: server.host, port: server.port });
    let buffered = Buffer.alloc(0);
    const finish = settleOnce(resolve, reject, () => socket.destroy(), timeoutMs, ' (tcp)', signal);
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error('connection closed before a full answer (tcp)')));
    socket.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      socket.write(Buffer.concat([len, msg]));
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const size = buffered.readUInt16BE(0);
        const one = buffered.subarray(2, 2 + size);
        buffered = buffered.subarray(2 + size);
        try {
          const packet = dnsPacket.decode(one);
          if (matches(packet, id, question)) return finish(null, packet);
        } catch {
          // malformed message: ignore it
        }
      }
    });
  });
}
