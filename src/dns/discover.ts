/**
 * Parent discovery: which servers publish the delegation (and glue) of a zone. Like `drill -T`,
 * walk from the root hints following referrals for `<zone> NS` until a referral's owner is the
 * zone itself; the servers that gave it are the parent's servers. `parentServers` skips the walk.
 */
import { getDomain } from 'tldts';
import type { Answer } from 'dns-packet';
import {
  formatServer,
  parseServer,
  query,
  rdataText,
  unauthoritative,
  type DnsResponse,
  type QueryOptions,
  type ServerAddress,
} from './client.js';
import { AcnsError } from '../errors.js';
import { canonIp, isInZone, normName, parentName } from './names.js';

/** IANA's root servers (root hints, https://www.iana.org/domains/root/servers), IPv4 then IPv6. */
export const IANA_ROOT_SERVERS: readonly string[] = [
  '198.41.0.4',
  '170.247.170.2',
  '192.33.4.12',
  '199.7.91.13',
  '192.203.230.10',
  '192.5.5.241',
  '192.112.36.4',
  '198.97.190.53',
  '192.36.148.17',
  '192.58.128.30',
  '193.0.14.129',
  '199.7.83.42',
  '202.12.27.33',
  '2001:503:ba3e::2:30',
  '2801:1b8:10::b',
  '2001:500:2::c',
  '2001:500:2d::d',
  '2001:500:a8::e',
  '2001:500:2f::f',
  '2001:500:12::d0d',
  '2001:500:1::53',
  '2001:7fe::53',
  '2001:503:c27::2:30',
  '2001:7fd::1',
  '2001:500:9f::42',
  '2001:dc3::35',
];

export interface DiscoveryOptions {
  rootServers: string[]; // empty → IANA_ROOT_SERVERS
  port: number; // port of every server learned from referrals (53; tests use a high port)
  timeoutMs?: number;
  retries?: number;
  signal?: AbortSignal;
  /** Servers already learned for a zone (zone → 'IP:port'), shared across calls of one run. */
  cache?: Map<string, ServerAddress[]>;
}

export interface ParentDiscovery {
  parentZone: string; // '' for the root
  servers: ServerAddress[];
  /** How the walk ended: a referral for the zone, or the parent said NXDOMAIN / NODATA / answered itself. */
  ending: 'referral' | 'nxdomain' | 'nodata' | 'authoritative';
}

/** Discovery could not reach a level of the hierarchy (or it made no sense). */
export class DiscoveryError extends AcnsError {
  constructor(message: string) {
    super('dns_discovery_failed', message, {
      exitCode: 1,
      hint: 'check that this machine can reach DNS servers on port 53, or set dns.parent_servers (ACNS_DNS_PARENT_SERVERS)',
    });
    this.name = 'DiscoveryError';
  }
}

/** The zone that holds a name: `override`, else the registrable domain (tldts), else the parent name. */
export function hostZoneOf(name: string, override?: string): string {
  if (override) return normName(override);
  const n = normName(name);
  return normName(getDomain(n, { allowPrivateDomains: false }) ?? parentName(n));
}

/** Parse configured server strings (default port `port`). */
export function parseServers(list: string[], port: number): ServerAddress[] {
  return list.map((s) => parseServer(s, port));
}

/** Walk from the root hints to the servers that delegate `zone`. Throws DnsQueryError when a level cannot be reached. */
export async function discoverParent(zone: string, opts: DiscoveryOptions): Promise<ParentDiscovery> {
  const target = normName(zone);
  const roots = parseServers(opts.rootServers.length > 0 ? opts.rootServers : [...IANA_ROOT_SERVERS], opts.port);
  let { current, servers } = startingPoint(target, roots, opts.cache);
  for (let depth = 0; depth < 16; depth++) {
    const res = await askAny(servers, target, opts);
    const rcode = res.rcode;
    const referral = referralOwner(res, current, target);
    if (rcode === 'NXDOMAIN') return { parentZone: soaOwner(res) ?? current, servers, ending: 'nxdomain' };
    if (referral === undefined) {
      const ending = res.aa && (res.packet.answers ?? []).some((a) => a.type === 'NS') ? 'authoritative' : 'nodata';
      return { parentZone: soaOwner(res) ?? current, servers, ending };
    }
    if (referral === target) return { parentZone: current, servers, ending: 'referral' };
    const next = await referralServers(res, referral, current, opts);
    if (next.length === 0) {
      throw new DiscoveryError(
        `the servers of "${referral}" named in the referral from ${res.server} have no address we could find`,
      );
    }
    opts.cache?.set(referral, next);
    current = referral;
    servers = next;
  }
  throw new DiscoveryError(`too many referrals while looking for the parent of ${target}`);
}

/** Addresses of the NS targets of a referral: glue first, else resolve the names from the roots. */
export async function referralServers(
  res: DnsResponse,
  owner: string,
  bailiwick: string,
  opts: DiscoveryOptions,
): Promise<ServerAddress[]> {
  const targets = (res.packet.authorities ?? [])
    .filter((a) => a.type === 'NS' && normName(a.name) === owner)
    .map((a) => normName(rdataText(a) ?? ''));
  const glue = addressesFor(res.packet.additionals ?? [], new Set(targets), bailiwick);
  if (glue.length > 0) return glue.map((ip) => ({ host: ip, port: opts.port }));
  for (const t of targets) {
    const ips = await resolveHost(t, opts, 0).catch(() => []);
    if (ips.length > 0) return ips.map((ip) => ({ host: ip, port: opts.port }));
  }
  return [];
}

/** A/AAAA for names in `targets` whose owner lies inside `bailiwick` (IPv4 first). */
export function addressesFor(additionals: Answer[], targets: Set<string>, bailiwick: string): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const rr of additionals) {
    const owner = normName(rr.name);
    if (!targets.has(owner) || !isInZone(owner, bailiwick)) continue;
    if (rr.type === 'A') v4.push(canonIp(rr.data));
    if (rr.type === 'AAAA') v6.push(canonIp(rr.data));
  }
  return [...new Set([...v4, ...v6])];
}

/** Iteratively resolve a host name's A and AAAA from the roots (for NS names without glue). */
export async function resolveHost(name: string, opts: DiscoveryOptions, depth = 0): Promise<string[]> {
  if (depth > 2) return [];
  const n = normName(name);
  const roots = parseServers(opts.rootServers.length > 0 ? opts.rootServers : [...IANA_ROOT_SERVERS], opts.port);
  const out: string[] = [];
  for (const type of ['A', 'AAAA'] as const) {
    let { current, servers } = startingPoint(n, roots, opts.cache);
    for (let hop = 0; hop < 16; hop++) {
      const res = await askAny(servers, n, opts, type);
      const answers = (res.packet.answers ?? []).filter((a) => a.type === type && normName(a.name) === n);
      if (res.aa || answers.length > 0) {
        out.push(...answers.map((a) => canonIp(rdataText(a) ?? '')));
        break;
      }
      const referral = referralOwner(res, current, n);
      if (referral === undefined) break;
      const next = await referralServers(res, referral, current, opts).catch(() => []);
      if (next.length === 0) break;
      current = referral;
      servers = next;
    }
  }
  return out;
}

function startingPoint(
  target: string,
  roots: ServerAddress[],
  cache?: Map<string, ServerAddress[]>,
): { current: string; servers: ServerAddress[] } {
  // start at the deepest cached ancestor strictly above the target
  for (let z = parentName(target); cache && z !== ''; z = parentName(z)) {
    const known = cache.get(z);
    if (known && known.length > 0) return { current: z, servers: known };
  }
  return { current: '', servers: roots };
}

/** The owner of a referral's NS set when it is deeper than `current` and on the path to `target`. */
function referralOwner(res: DnsResponse, current: string, target: string): string | undefined {
  if (res.aa || res.rcode !== 'NOERROR' || (res.packet.answers ?? []).length > 0) return undefined;
  const ns = (res.packet.authorities ?? []).find((a) => a.type === 'NS');
  if (!ns) return undefined;
  const owner = normName(ns.name);
  if (owner === current || !isInZone(owner, current) || !isInZone(target, owner)) return undefined;
  return owner;
}

function soaOwner(res: DnsResponse): string | undefined {
  const soa = (res.packet.authorities ?? []).find((a) => a.type === 'SOA');
  return soa ? normName(soa.name) : undefined;
}

/**
 * Ask the servers one after another (IPv4 first) until one gives a usable answer: a referral or
 * an authoritative (AA=1) answer. NXDOMAIN / NODATA without AA is not the zone's word — it is
 * noted and the next server asked; after MAX_UNAUTHORITATIVE such answers we stop (something on
 * the path is answering for every server).
 */
async function askAny(
  servers: ServerAddress[],
  name: string,
  opts: QueryOptions,
  type: 'NS' | 'A' | 'AAAA' = 'NS',
): Promise<DnsResponse> {
  const ordered = [...servers].sort((a, b) => Number(a.host.includes(':')) - Number(b.host.includes(':')));
  const errors: string[] = [];
  let unauthoritativeAnswers = 0;
  let tried = 0;
  for (const s of ordered) {
    if (opts.signal?.aborted) break;
    tried++;
    try {
      const res = await query(s, name, type, opts);
      const why = unauthoritative(res);
      if (why === undefined) return res;
      errors.push(`${res.server}: ${why}`);
      if (++unauthoritativeAnswers >= MAX_UNAUTHORITATIVE) break;
    } catch (err) {
      errors.push(`${formatServer(s)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const first = errors.find((e) => e.includes('not authoritative')) ?? errors[0];
  throw new DiscoveryError(
    `no server gave a usable answer for ${name || '.'} ${type} (${tried} of ${ordered.length} tried${first ? `; ${first}` : ''})`,
  );
}

const MAX_UNAUTHORITATIVE = 3;
