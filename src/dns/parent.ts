/**
 * Asking one parent server for the host zone's delegation, and reading what it says: the kind of
 * answer, the NS set, and the glue for NS targets inside the parent zone (dnsviz's filter; other
 * additional records are never taken as glue). Anything short of a full match over UDP is asked
 * again over TCP: NSD and BIND send partial glue with TC=0 when it does not fit.
 */
import type { DnsResponse, QueryOptions, ServerAddress } from './client.js';
import { formatServer, query, rdataText, unauthoritative } from './client.js';
import { canonIp, isInZone, normName } from './names.js';

export type ServerKind = 'referral' | 'nxdomain' | 'nodata' | 'authoritative' | 'error';

export interface GlueAddress {
  name: string;
  type: 'A' | 'AAAA';
  address: string;
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
  opts: QueryOptions,
): Promise<ServerObservation> {
  let udp: ServerObservation;
  try {
    udp = observe(await query(server, hostZone, 'NS', { ...opts, tcp: false }), hostZone, parentZone);
  } catch (err) {
    return { ...empty(formatServer(server)), kind: 'error', error: err instanceof Error ? err.message : String(err) };
  }
  if (udp.transport === 'tcp' || fullMatch(udp, expected)) return udp;
  try {
    const tcp = observe(await query(server, hostZone, 'NS', { ...opts, tcp: true }), hostZone, parentZone);
    return { ...tcp, confirmedOverTcp: true };
  } catch (err) {
    return { ...udp, error: `TCP confirmation failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Classify one answer and extract the NS set and in-bailiwick glue. */
export function observe(res: DnsResponse, hostZone: string, parentZone: string): ServerObservation {
  const base: ServerObservation = {
    ...empty(res.server),
    transport: res.transport,
    truncatedOverUdp: res.truncatedOverUdp,
    rcode: res.rcode,
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
      if (!glue.some((g) => g.name === owner && g.type === rr.type && g.address === address))
        glue.push({ name: owner, type: rr.type, address });
    }
    glue.sort(
      (a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type) || a.address.localeCompare(b.address),
    );
    return { ...base, kind: 'referral', delegationNs: targets, glue };
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
