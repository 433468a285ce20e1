/**
 * Asking one parent server for the host zone's delegation, and reading what it says: the kind of
 * answer, the NS set, and the glue for NS targets inside the parent zone (dnsviz's filter; other
 * additional records are never taken as glue). Anything short of a full match over UDP is asked
 * again over TCP: NSD and BIND send partial glue with TC=0 when it does not fit; when that TCP
 * confirmation fails, the server's answer is unusable (could not verify), never "missing".
 *
 * A server is trusted as a parent server only when it answers the parent zone's SOA itself
 * (AA=1) and offers no recursion (RA=0): a recursive resolver configured as a parent server
 * would otherwise pass off cached data as the registry's.
 */
import type { DnsCache } from './cache.js';
import type { DnsResponse, QueryOptions, ServerAddress } from './client.js';
import { formatServer, query, rdataText, unauthoritative } from './client.js';
import { canonIp, isInZone, normName } from './names.js';

export type ServerKind = 'referral' | 'nxdomain' | 'nodata' | 'authoritative' | 'error';

export interface GlueAddress {
  name: string;
  type: 'A' | 'AAAA';
  address: string;
  /** The record's TTL (seconds), when read from a referral. */
  ttl?: number;
}

export interface ServerObservation {
  server: string; // 'IP:port' / '[IPv6]:port'
  kind: ServerKind;
  transport: 'udp' | 'tcp' | null; // null: no answer at all
  truncatedOverUdp: boolean; // TC=1 over UDP, answered over TCP
  confirmedOverTcp: boolean; // a UDP answer that was not a full match was asked again over TCP
  rcode?: string;
  delegationNs: string[]; // NS set of the host zone in this answer (sorted)
  glue: GlueAddress[]; // glue for those NS targets inside the parent zone
  soaOwner?: string; // zone named by the SOA of an NXDOMAIN / NODATA answer
  error?: string; // why there is no usable answer
  nsTtl?: number; // TTL of the NS RRset in a referral (seconds): how long resolvers may keep it
  ednsFallback?: boolean; // the server answered FORMERR to EDNS and was asked without it
}

export interface ParentQueryOptions extends QueryOptions {
  /** Shared answers to "is this server authoritative for the parent zone?" */
  cache?: DnsCache;
  /** Ask the parent zone's SOA to make sure the server is one of its own (default true). */
  checkAuthority?: boolean;
  /** Reuse the run's answers to `<zone> NS` (reads done once per run; never a check that waits for a change). */
  shareNsAnswers?: boolean;
}

export interface ExpectedName {
  name: string;
  ipv4?: string;
  ipv6?: string;
}

/** Ask one parent server for `<hostZone> NS`, confirming over TCP when the UDP answer is not a full match. */
export async function askParent(
  server: ServerAddress,
  hostZone: string,
  parentZone: string,
  expected: ExpectedName[],
  opts: ParentQueryOptions,
): Promise<ServerObservation> {
  const authority = opts.checkAuthority === false ? undefined : parentAuthority(server, parentZone, opts);
  const obs = await askDelegation(server, hostZone, parentZone, expected, opts);
  const notParent = await authority;
  if (notParent === undefined || obs.kind === 'error') return obs;
  return { ...obs, kind: 'error', error: notParent };
}

async function askDelegation(
  server: ServerAddress,
  hostZone: string,
  parentZone: string,
  expected: ExpectedName[],
  opts: ParentQueryOptions,
): Promise<ServerObservation> {
  let udp: ServerObservation;
  try {
    udp = observe(await askNs(server, hostZone, opts, false), hostZone, parentZone);
  } catch (err) {
    return { ...empty(formatServer(server)), kind: 'error', error: err instanceof Error ? err.message : String(err) };
  }
  if (udp.transport === 'tcp' || fullMatch(udp, expected)) return udp;
  try {
    const tcp = observe(await askNs(server, hostZone, opts, true), hostZone, parentZone);
    return { ...tcp, confirmedOverTcp: true };
  } catch (err) {
    // the UDP answer may be partial (TC=0 with glue left out): it proves nothing either way
    return {
      ...udp,
      kind: 'error',
      error: `TCP confirmation failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/**
 * `<zone> NS` of one server over one transport; with `shareNsAnswers`, asked once per run cache.
 * An answer another check is waiting for that fails (its deadline, its budget) is asked again here.
 */
async function askNs(
  server: ServerAddress,
  zone: string,
  opts: ParentQueryOptions,
  tcp: boolean,
): Promise<DnsResponse> {
  const cache = opts.shareNsAnswers ? opts.cache : undefined;
  if (!cache) return query(server, zone, 'NS', { ...opts, tcp });
  const key = `${formatServer(server)}|${zone}|${tcp ? 'tcp' : 'udp'}|${opts.udpPayloadSize ?? ''}`;
  const known = cache.nsAnswers.get(key);
  if (known) {
    try {
      return await known;
    } catch {
      // not this check's failure: ask below
    }
  }
  const asked = query(server, zone, 'NS', { ...opts, tcp });
  cache.nsAnswers.set(key, asked);
  asked.catch(() => {
    if (cache.nsAnswers.get(key) === asked) cache.nsAnswers.delete(key);
  });
  return asked;
}

/**
 * Undefined when `server` answers `zone`'s SOA authoritatively (AA=1) without offering recursion
 * (RA=0), else why it cannot be taken as a server of that zone. Answers are cached per run; an
 * unreachable server is left to the delegation query to report.
 */
export async function parentAuthority(
  server: ServerAddress,
  zone: string,
  opts: ParentQueryOptions,
): Promise<string | undefined> {
  const key = `${formatServer(server)}|${zone}`;
  const cache = opts.cache;
  if (cache?.authority.has(key)) return cache.authority.get(key);
  const pending = cache?.pendingAuthority.get(key);
  if (pending) return pending;
  const asked = askAuthority(server, zone, opts);
  cache?.pendingAuthority.set(key, asked);
  try {
    return await asked;
  } finally {
    cache?.pendingAuthority.delete(key);
  }
}

async function askAuthority(
  server: ServerAddress,
  zone: string,
  opts: ParentQueryOptions,
): Promise<string | undefined> {
  const key = `${formatServer(server)}|${zone}`;
  let res: DnsResponse;
  try {
    res = await query(server, zone, 'SOA', { ...opts, tcp: false });
  } catch {
    return undefined;
  }
  const z = zone || '.';
  let why: string | undefined;
  const soa = [...(res.packet.answers ?? []), ...(res.packet.authorities ?? [])].find((a) => a.type === 'SOA');
  if (res.ra) {
    why =
      `not a server of the parent zone ${z}: it offers recursion (RA=1), so it is a resolver ` +
      "answering from its cache, not the registry — configure the parent zone's own servers";
  } else if (!res.aa || (res.rcode !== 'NOERROR' && res.rcode !== 'NXDOMAIN')) {
    why = `not a server of the parent zone ${z}: its SOA came back ${res.rcode}${res.aa ? '' : ' without AA=1'}`;
  } else if (soa && !isInZone(zone, normName(soa.name))) {
    why = `not a server of the parent zone ${z}: it is authoritative for ${normName(soa.name) || '.'} instead`;
  }
  opts.cache?.authority.set(key, why);
  return why;
}

/** Classify one answer and extract the NS set and in-bailiwick glue. */
export function observe(res: DnsResponse, hostZone: string, parentZone: string): ServerObservation {
  const base: ServerObservation = {
    ...empty(res.server),
    transport: res.transport,
    truncatedOverUdp: res.truncatedOverUdp,
    rcode: res.rcode,
    ...(res.ednsFallback ? { ednsFallback: true } : {}),
  };
  const p = res.packet;
  const soa = (p.authorities ?? []).find((a) => a.type === 'SOA');
  const soaOwner = soa ? normName(soa.name) : undefined;
  // NXDOMAIN / NODATA without AA is not the parent zone's word (a cache or an interceptor said it)
  const notOwn = unauthoritative(res);
  if (notOwn !== undefined) return { ...base, kind: 'error', error: notOwn };
  if (res.rcode === 'NXDOMAIN') return { ...base, kind: 'nxdomain', soaOwner };
  if (res.rcode !== 'NOERROR') return { ...base, kind: 'error', error: `answered ${res.rcode}` };
  const answerNs = (p.answers ?? []).filter((a) => a.type === 'NS' && normName(a.name) === hostZone);
  if (res.aa && answerNs.length > 0) {
    return {
      ...base,
      kind: 'authoritative',
      delegationNs: sortedNames(answerNs.map((a) => rdataText(a) ?? '')),
      error: `answered authoritatively for ${hostZone}: it is a server of ${hostZone} itself, not of its parent zone`,
    };
  }
  const authNs = (p.authorities ?? []).filter((a) => a.type === 'NS');
  const own = authNs.filter((a) => normName(a.name) === hostZone);
  if (own.length > 0) {
    const targets = sortedNames(own.map((a) => rdataText(a) ?? ''));
    const targetSet = new Set(targets);
    const glue: GlueAddress[] = [];
    for (const rr of p.additionals ?? []) {
      if (rr.type !== 'A' && rr.type !== 'AAAA') continue;
      const owner = normName(rr.name);
      if (!targetSet.has(owner) || !isInZone(owner, parentZone)) continue; // out of bailiwick: never glue
      const address = canonIp(rr.data);
      const ttl = (rr as { ttl?: number }).ttl;
      const same = glue.find((g) => g.name === owner && g.type === rr.type && g.address === address);
      if (!same) glue.push({ name: owner, type: rr.type, address, ...(ttl !== undefined ? { ttl } : {}) });
      else if (ttl !== undefined) same.ttl = Math.max(same.ttl ?? 0, ttl);
    }
    glue.sort(
      (a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type) || a.address.localeCompare(b.address),
    );
    const nsTtl = Math.max(...own.map((a) => (a as { ttl?: number }).ttl ?? 0));
    return { ...base, kind: 'referral', delegationNs: targets, glue, nsTtl };
  }
  if (authNs.length > 0) {
    const owner = normName(authNs[0]!.name);
    return {
      ...base,
      kind: 'error',
      error: `referred to ${owner || '.'} instead of answering for ${hostZone}: not a server of the parent zone`,
    };
  }
  if (soa) return { ...base, kind: 'nodata', soaOwner };
  return { ...base, kind: 'error', error: 'answer with neither a delegation nor an SOA' };
}

/** Addresses of `name` for one family in an observation (sorted). */
export function glueFor(obs: ServerObservation, name: string, type: 'A' | 'AAAA'): string[] {
  return obs.glue.filter((g) => g.name === name && g.type === type).map((g) => g.address);
}

function fullMatch(obs: ServerObservation, expected: ExpectedName[]): boolean {
  if (obs.kind !== 'referral') return false;
  return expected.every((e) => {
    if (!obs.delegationNs.includes(e.name)) return false;
    const a = glueFor(obs, e.name, 'A');
    const aaaa = glueFor(obs, e.name, 'AAAA');
    const okA = e.ipv4 === undefined || (a.length === 1 && a[0] === canonIp(e.ipv4));
    const okAAAA = e.ipv6 === undefined || (aaaa.length === 1 && aaaa[0] === canonIp(e.ipv6));
    return okA && okAAAA;
  });
}

function sortedNames(list: string[]): string[] {
  return [...new Set(list.map(normName))].sort();
}

function empty(server: string): ServerObservation {
  return {
    server,
    kind: 'error',
    transport: null,
    truncatedOverUdp: false,
    confirmedOverTcp: false,
    delegationNs: [],
    glue: [],
  };
}
