/**
 * Parent discovery: which servers publish the delegation (and glue) of a zone. Like `drill -T`,
 * walk from the root hints following referrals for `<zone> NS` until a referral's owner is the
 * zone itself; the servers that gave it are the parent's servers. `parentServers` skips the walk.
 *
 * The walk is bounded: referral depth is counted and capped, server names without glue are
 * resolved at most a few levels deep and never twice at once (a glueless cycle such as
 * a.com → ns.b.net, b.net → ns.a.com ends at once instead of looping), every query counts against
 * the check's budget, and the servers of one level are asked staggered in parallel (first usable
 * answer wins; REFUSED, SERVFAIL and lame answers move on to the next server).
 */
import type { Answer } from 'dns-packet';
import { DEFAULT_STAGGER_MS, firstGood, type Attempt, type QueryBudget } from './budget.js';
import { type DnsCache, toCache } from './cache.js';
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
import { registrableDomain } from '../config/names.js';
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
  udpPayloadSize?: number;
  signal?: AbortSignal;
  budget?: QueryBudget;
  /** Delay before asking the next server of a level while earlier ones are silent (default 250 ms). */
  staggerMs?: number;
  /** What the run learned so far; a plain zone → servers map is accepted too. */
  cache?: DnsCache | Map<string, ServerAddress[]>;
  /** Filled with why the walk could not go on (cycles, depth): for messages. */
  notes?: string[];
}

export interface ParentDiscovery {
  parentZone: string; // '' for the root
  servers: ServerAddress[];
  /** How the walk ended: a referral for the zone, or the parent said NXDOMAIN / NODATA / answered itself. */
  ending: 'referral' | 'nxdomain' | 'nodata' | 'authoritative';
  /** NS names of the parent zone, when the walk learned them from a referral. */
  serverNames?: string[];
}

/** Discovery could not reach a level of the hierarchy (or it made no sense). */
export class DiscoveryError extends AcnsError {
  constructor(message: string) {
    super('dns_discovery_failed', message, {
      exitCode: 1,
      hint:
        'check that this machine can reach DNS servers on port 53, ' +
        'or set dns.parent_servers (ACNS_DNS_PARENT_SERVERS)',
    });
    this.name = 'DiscoveryError';
  }
}

/** Referrals followed from the root before a walk gives up (real names need 2–5). */
export const MAX_REFERRALS = 12;
/** How deep server names without glue are resolved (a name whose servers have no glue, and so on). */
export const MAX_GLUELESS_DEPTH = 3;
/** Non-authoritative answers on one level before the walk stops (something answers for every server). */
const MAX_UNAUTHORITATIVE = 3;

/** The zone that holds a name: `override`, else the registrable domain (tldts), else the parent name. */
export function hostZoneOf(name: string, override?: string): string {
  if (override) return normName(override);
  const n = normName(name);
  return normName(registrableDomain(n) ?? parentName(n));
}

/** Parse configured server strings (default port `port`). */
export function parseServers(list: string[], port: number): ServerAddress[] {
  return list.map((s) => parseServer(s, port));
}

/** A zone's parent servers, or why they could not be found (the check says so in its own words). */
export type ParentServers = { servers: ServerAddress[]; parentZone?: string } | { error: string };

/**
 * The servers to ask for `zone`'s delegation: the configured ones (an invalid one throws), else
 * those the walk from the root finds, with the parent zone it found them for.
 */
export async function parentServersOf(
  zone: string,
  configured: string[],
  discovery: DiscoveryOptions,
): Promise<ParentServers> {
  if (configured.length > 0) return { servers: parseServers(configured, discovery.port) };
  try {
    const found = await discoverParent(zone, discovery);
    return { servers: found.servers, parentZone: found.parentZone };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** One walk's state: options, the shared cache, and the server names being resolved right now. */
interface Walk {
  opts: DiscoveryOptions;
  cache: DnsCache;
  roots: ServerAddress[];
  resolving: string[];
}

function walkOf(opts: DiscoveryOptions): Walk {
  const list = opts.rootServers.length > 0 ? opts.rootServers : [...IANA_ROOT_SERVERS];
  return { opts, cache: toCache(opts.cache), roots: parseServers(list, opts.port), resolving: [] };
}

/**
 * Walk from the root hints to the servers that delegate `zone`.
 * Throws DiscoveryError when a level cannot be reached.
 */
export async function discoverParent(zone: string, opts: DiscoveryOptions): Promise<ParentDiscovery> {
  return findParent(normName(zone), walkOf(opts), 0);
}

async function findParent(target: string, walk: Walk, nameDepth: number): Promise<ParentDiscovery> {
  let { current, servers } = startingPoint(target, walk);
  for (let hop = 0; hop < MAX_REFERRALS; hop++) {
    const res = await askLevel(servers, target, 'NS', current, walk);
    const serverNames = walk.cache.zoneNs.get(current);
    const withNames = serverNames ? { serverNames } : {};
    if (res.rcode === 'NXDOMAIN') {
      return { parentZone: soaOwner(res) ?? current, servers, ending: 'nxdomain', ...withNames };
    }
    const referral = referralOwner(res, current, target);
    if (referral === undefined) {
      const ending = res.aa && (res.packet.answers ?? []).some((a) => a.type === 'NS') ? 'authoritative' : 'nodata';
      return { parentZone: soaOwner(res) ?? current, servers, ending, ...withNames };
    }
    if (referral === target) return { parentZone: current, servers, ending: 'referral', ...withNames };
    const next = await referralServers(res, referral, current, walk, nameDepth);
    if (next.length === 0) {
      throw new DiscoveryError(
        `the servers of "${referral}" named in the referral from ${res.server} have no address we could find` +
          (walk.opts.notes?.length ? ` (${walk.opts.notes.at(-1)})` : ''),
      );
    }
    current = referral;
    servers = next;
  }
  throw new DiscoveryError(`more than ${MAX_REFERRALS} referrals while looking for the parent of ${target}`);
}

/** Addresses of the NS targets of a referral: glue first, else resolve the names from the roots (bounded). */
export async function referralServers(
  res: DnsResponse,
  owner: string,
  bailiwick: string,
  optsOrWalk: DiscoveryOptions | Walk,
  nameDepth = 0,
): Promise<ServerAddress[]> {
  const walk = 'roots' in optsOrWalk ? optsOrWalk : walkOf(optsOrWalk);
  const port = walk.opts.port;
  const targets = (res.packet.authorities ?? [])
    .filter((a) => a.type === 'NS' && normName(a.name) === owner)
    .map((a) => normName(rdataText(a) ?? ''));
  walk.cache.zoneNs.set(owner, [...new Set(targets)].sort());
  const glue = addressesFor(res.packet.additionals ?? [], new Set(targets), bailiwick);
  let found: ServerAddress[] = glue.map((ip) => ({ host: ip, port }));
  if (found.length === 0) {
    for (const t of targets) {
      const ips = await resolveName(t, walk, nameDepth + 1).catch(() => []);
      if (ips.length > 0) {
        found = ips.map((ip) => ({ host: ip, port }));
        break;
      }
    }
  }
  if (found.length > 0) walk.cache.zones.set(owner, found);
  return found;
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

/** Iteratively resolve a host name's A and AAAA from the roots (for NS names without glue). Never throws. */
export async function resolveHost(name: string, opts: DiscoveryOptions, depth = 0): Promise<string[]> {
  return resolveName(normName(name), walkOf(opts), depth + 1).catch(() => []);
}

async function resolveName(name: string, walk: Walk, depth: number): Promise<string[]> {
  const known = walk.cache.hosts.get(name);
  if (known) return known;
  if (depth > MAX_GLUELESS_DEPTH) {
    walk.opts.notes?.push(`${name}: server names without glue nested more than ${MAX_GLUELESS_DEPTH} deep`);
    return [];
  }
  if (walk.resolving.includes(name)) {
    const cycle = [...walk.resolving.slice(walk.resolving.indexOf(name)), name].join(' → ');
    walk.opts.notes?.push(`glueless delegation cycle: ${cycle} (no glue anywhere on the loop)`);
    return [];
  }
  walk.resolving.push(name);
  try {
    const out: string[] = [];
    let answered = false;
    for (const type of ['A', 'AAAA'] as const) {
      let { current, servers } = startingPoint(name, walk);
      for (let hop = 0; hop < MAX_REFERRALS; hop++) {
        const res = await askLevel(servers, name, type, current, walk);
        const answers = (res.packet.answers ?? []).filter((a) => a.type === type && normName(a.name) === name);
        if (res.aa || answers.length > 0) {
          answered = true;
          out.push(...answers.map((a) => canonIp(rdataText(a) ?? '')));
          break;
        }
        const referral = referralOwner(res, current, name);
        if (referral === undefined) break;
        const next = await referralServers(res, referral, current, walk, depth);
        if (next.length === 0) break;
        current = referral;
        servers = next;
      }
    }
    const result = [...new Set(out)];
    if (answered) walk.cache.hosts.set(name, result);
    return result;
  } finally {
    walk.resolving.splice(walk.resolving.lastIndexOf(name), 1);
  }
}

function startingPoint(target: string, walk: Walk): { current: string; servers: ServerAddress[] } {
  // start at the deepest cached ancestor strictly above the target
  for (let z = parentName(target); z !== ''; z = parentName(z)) {
    const known = walk.cache.zones.get(z);
    if (known && known.length > 0) return { current: z, servers: known };
  }
  return { current: '', servers: walk.roots };
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
 * Why an answer from a server of `current` cannot move the walk on, or undefined when it can: an
 * authoritative answer (NXDOMAIN, NODATA, the data) or a referral further down towards the name.
 */
function unusable(res: DnsResponse, current: string, target: string): string | undefined {
  if (res.rcode !== 'NOERROR' && res.rcode !== 'NXDOMAIN') return `answered ${res.rcode}`;
  const notOwn = unauthoritative(res);
  if (notOwn !== undefined) return notOwn;
  if (res.aa) return undefined;
  if (referralOwner(res, current, target) !== undefined) return undefined;
  const ns = (res.packet.authorities ?? []).find((a) => a.type === 'NS');
  return ns
    ? `lame: referred to ${normName(ns.name) || '.'} instead of answering for ${current || '.'}`
    : 'an answer that is neither authoritative nor a referral';
}

/**
 * Ask the servers of one level, staggered in parallel (IPv4 first), until one gives a usable
 * answer. REFUSED, SERVFAIL, lame referrals and non-authoritative NXDOMAIN / NODATA are noted and
 * the next server asked; after MAX_UNAUTHORITATIVE non-authoritative answers the walk stops
 * (something on the path is answering for every server).
 */
async function askLevel(
  servers: ServerAddress[],
  name: string,
  type: 'NS' | 'A' | 'AAAA',
  current: string,
  walk: Walk,
): Promise<DnsResponse> {
  const { opts } = walk;
  const ordered = [...servers].sort((a, b) => Number(a.host.includes(':')) - Number(b.host.includes(':')));
  let unauthoritativeAnswers = 0;
  const q: QueryOptions = {
    timeoutMs: opts.timeoutMs,
    retries: opts.retries,
    udpPayloadSize: opts.udpPayloadSize,
    budget: opts.budget,
  };
  const race = await firstGood(
    ordered,
    async (s, signal): Promise<Attempt<DnsResponse>> => {
      try {
        const res = await query(s, name, type, { ...q, signal });
        const why = unusable(res, current, name);
        if (why === undefined) return { ok: true, value: res };
        const notOwn = why.includes('not authoritative');
        if (notOwn) unauthoritativeAnswers++;
        return { ok: false, why: `${res.server}: ${why}`, stop: unauthoritativeAnswers >= MAX_UNAUTHORITATIVE };
      } catch (err) {
        return { ok: false, why: `${formatServer(s)}: ${err instanceof Error ? err.message : String(err)}` };
      }
    },
    { staggerMs: opts.staggerMs ?? DEFAULT_STAGGER_MS, signal: opts.budget?.signal ?? opts.signal },
  );
  if (race.value) return race.value;
  const first = race.errors.find((e) => e.includes('not authoritative')) ?? race.errors[0];
  const cut = opts.budget?.reason();
  throw new DiscoveryError(
    `no server gave a usable answer for ${name || '.'} ${type} ` +
      `(${race.tried} of ${ordered.length} tried${first ? `; ${first}` : ''}${cut ? `; ${cut}` : ''})`,
  );
}
