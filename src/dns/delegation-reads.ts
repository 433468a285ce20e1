/**
 * Reads, from DNS, the delegations a run needs: how the parent zone delegates each zone a plan
 * switches (and the referral resolvers get for those joining a set), the delegations the "leaving a
 * set" rule checks before names are deleted, and (for `drift`) the zones on their set. Concurrently,
 * with one cache for the whole run and a bound on each lookup, so unreachable DNS never stalls a
 * plan: it ends as `unknown`.
 */
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { DnsCache } from './cache.js';
import type { DnsCheckOptions } from './check.js';
import { checkZoneDelegation, type DelegationOptions, type DelegationResult } from './delegation.js';
import type { GlueCheckOptions } from './glue.js';
import type { ExpectedName } from './parent.js';
import { checkZoneReferral, type ZoneReferralOptions } from './referral.js';
import { whereText } from './where.js';
import type { DelegationFinding, ReferralFinding } from '../plan/delegation.js';
import { customSet, valueSet } from '../plan/describe.js';
import type { DelegationRead, LeavingQuestion } from '../plan/leaving.js';
import type { Plan } from '../plan/types.js';
import type { LiveState } from '../state/types.js';
import type { LiveNameserver } from '../cloudflare/types.js';

const CONCURRENCY = 8;
/** Bound of one delegation lookup unless the run sets dns.deadline_seconds. */
const LOOKUP_DEADLINE_MS = 4000;
/** Bound of one zone's referral check (NS, glue, DS and DNSKEY) unless the run sets dns.deadline_seconds. */
const REFERRAL_DEADLINE_MS = 10_000;

export interface DelegationReadOptions {
  /** One cache for every DNS check of the run (referrals, server names, authority answers). */
  cache?: DnsCache;
  /** Zone names of the account: a parent among them is changed in Cloudflare, not at a registrar. */
  cloudflareZones?: string[];
  /** Each zone's own pair of Cloudflare nameservers (for "set its NS to … first"). */
  pairs?: Map<string, string[]>;
}

export async function readDelegations(
  plan: Plan,
  live: Pick<LiveState, 'nameservers'>,
  setNames: Map<number, string[]>,
  dns: GlueCheckOptions,
  opts: DelegationReadOptions = {},
): Promise<DelegationFinding[]> {
  dns = sharedSignal(dns);
  const limit = pLimit(CONCURRENCY);
  const cache = opts.cache ?? dns.cache ?? new DnsCache();
  const liveNames = new Map<number, string[]>();
  for (const ns of live.nameservers) liveNames.set(ns.set, [...(liveNames.get(ns.set) ?? []), ns.name]);

  const jobs: Promise<DelegationFinding | undefined>[] = [];
  for (const step of plan.steps) {
    if (step.kind !== 'assign_zone') continue;
    const after = step.after as { type?: string; set?: number } | null;
    const from = customSet(step.before);
    let direction: DelegationFinding['direction'];
    let customNames: string[];
    if (after?.type === 'custom.account' && after.set !== undefined) {
      direction = 'to_custom';
      customNames = setNames.get(after.set) ?? [];
    } else if (after?.type === 'cloudflare.standard' && from !== undefined) {
      direction = 'to_standard';
      customNames = liveNames.get(from) ?? [];
    } else {
      continue;
    }
    const leavingNames = direction === 'to_custom' && from !== undefined ? (liveNames.get(from) ?? []) : [];
    if (!customNames.length && !leavingNames.length) continue;
    jobs.push(
      limit(async () => {
        const r = await lookup(step.target, customNames, dns, cache, opts);
        const pair = opts.pairs?.get(step.target);
        return {
          zone: step.target,
          stepId: step.id,
          direction,
          customNames,
          ...(leavingNames.length ? { leavingNames } : {}),
          status: r.status,
          nameservers: r.nameservers,
          detail: r.detail,
          ...(r.where ? { where: whereText(r.where) } : {}),
          ...(pair?.length ? { cloudflarePair: pair } : {}),
          ...(r.glue?.length ? { glue: r.glue } : {}),
          ...(r.nsTtl !== undefined ? { nsTtl: r.nsTtl } : {}),
        };
      }),
    );
  }
  return (await Promise.all(jobs)).filter((f): f is DelegationFinding => f !== undefined);
}

/**
 * The delegations the leaving rule asks about, by subject. The domain holding the names is asked
 * at dns.parent_servers when set (they are that domain's parent servers); zones are found from the root.
 */
export async function readLeaving(
  questions: LeavingQuestion[],
  dns: GlueCheckOptions,
  opts: DelegationReadOptions = {},
): Promise<Map<string, DelegationRead>> {
  dns = sharedSignal(dns);
  const limit = pLimit(CONCURRENCY);
  const cache = opts.cache ?? dns.cache ?? new DnsCache();
  const out = new Map<string, DelegationRead>();
  await Promise.all(
    questions.map((q) =>
      limit(async () => {
        const parents = q.kind === 'names_domain' ? dns.parentServers : [];
        const r = await lookup(q.subject, q.names, dns, cache, opts, parents);
        out.set(q.subject, {
          subject: q.subject,
          status: r.status,
          nameservers: r.nameservers,
          ...(r.glue ? { glue: r.glue } : {}),
          ...(r.nsTtl !== undefined ? { nsTtl: r.nsTtl } : {}),
          detail: r.detail,
          ...(r.where ? { where: whereText(r.where) } : {}),
        });
      }),
    ),
  );
  return out;
}

/** The delegation of each zone, for `drift`: is the parent pointing it at its custom names? */
export async function readZoneDelegations(
  zones: { zone: string; customNames: string[] }[],
  dns: GlueCheckOptions,
  opts: DelegationReadOptions = {},
): Promise<(DelegationResult & { customNames: string[] })[]> {
  dns = sharedSignal(dns);
  const limit = pLimit(CONCURRENCY);
  const cache = opts.cache ?? dns.cache ?? new DnsCache();
  return Promise.all(
    zones.map((z) =>
      limit(async () => ({ ...(await lookup(z.zone, z.customNames, dns, cache, opts)), customNames: z.customNames })),
    ),
  );
}

/**
 * The referral check of each zone the plan switches to a set whose delegation could be read (an
 * unreadable one would only spend the deadline again): glue for the set's names with Cloudflare's
 * addresses (names created in this run have none yet and are left out), and the DS against the
 * DNSKEY served by the set's addresses or the zone's current set's (the set the step moves it from:
 * the same when planning and when a saved plan is applied).
 */
export async function readReferrals(
  plan: Plan,
  findings: DelegationFinding[],
  live: Pick<LiveState, 'nameservers'>,
  dns: GlueCheckOptions,
  opts: DelegationReadOptions = {},
): Promise<ReferralFinding[]> {
  dns = sharedSignal(dns);
  const limit = pLimit(CONCURRENCY);
  const read = new Set(
    findings.filter((f) => f.direction === 'to_custom' && f.status !== 'unknown').map((f) => f.zone),
  );
  const jobs: Promise<ReferralFinding>[] = [];
  for (const step of plan.steps) {
    const to = valueSet(step.after);
    if (step.kind !== 'assign_zone' || to === undefined || !read.has(step.target)) continue;
    const intended = expectedNames(live.nameservers.filter((n) => n.set === to));
    if (intended.length === 0) continue;
    const current = customSet(step.before);
    const zoneServers = [...intended, ...expectedNames(live.nameservers.filter((n) => n.set === current))]
      .flatMap((e) => [e.ipv4, e.ipv6])
      .filter((a): a is string => a !== undefined);
    jobs.push(
      limit(async () => {
        const r = await checkZoneReferral(step.target, intended, {
          ...referralOptions(dns, opts),
          zoneServers: [...new Set(zoneServers)],
        });
        return {
          zone: r.zone,
          stepId: step.id,
          nsMatches: r.nsMatches,
          staleGlue: r.staleGlue.map(({ name, type, address, expected }) => ({
            name,
            type,
            address,
            expected: expected ?? '',
          })),
          ds: { status: r.ds.status, ...(r.ds.problem ? { problem: r.ds.problem } : {}) },
          status: r.status,
          problems: r.problems,
        };
      }),
    );
  }
  return Promise.all(jobs);
}

/** How a run's referral checks are bounded and what they share (plan and drift alike). */
export function referralOptions(dns: GlueCheckOptions, opts: DelegationReadOptions = {}): ZoneReferralOptions {
  return { ...runCheckOptions(dns, opts, REFERRAL_DEADLINE_MS), shareNsAnswers: true };
}

/** How a run's delegation lookups are bounded and what they share (these reads and apply's check after a switch). */
export function lookupOptions(dns: GlueCheckOptions, opts: DelegationReadOptions = {}): DelegationOptions {
  return runCheckOptions(dns, opts, LOOKUP_DEADLINE_MS);
}

/** One DNS check of the run: short attempts, the run's deadline (else `deadlineMs`), cache and signal. */
function runCheckOptions(dns: GlueCheckOptions, opts: DelegationReadOptions, deadlineMs: number): DnsCheckOptions {
  const cache = opts.cache ?? dns.cache;
  return {
    rootServers: dns.rootServers,
    parentServers: [],
    port: dns.port,
    timeoutMs: 1500,
    retries: 0,
    deadlineMs: dns.deadlineMs ?? deadlineMs,
    ...(cache ? { cache } : {}),
    ...(opts.cloudflareZones ? { cloudflareZones: opts.cloudflareZones } : {}),
    ...(dns.signal ? { signal: dns.signal } : {}),
  };
}

function expectedNames(names: LiveNameserver[]): ExpectedName[] {
  return names
    .filter((n) => n.ipv4 || n.ipv6)
    .map((n) => ({ name: n.name, ...(n.ipv4 ? { ipv4: n.ipv4 } : {}), ...(n.ipv6 ? { ipv6: n.ipv6 } : {}) }));
}

/**
 * One abort signal for all of a run's lookups, linked once to the caller's: many concurrent
 * lookups each listen to it, more than Node's default of 10 listeners per signal.
 */
function sharedSignal(dns: GlueCheckOptions): GlueCheckOptions {
  if (!dns.signal) return dns;
  const local = new AbortController();
  setMaxListeners(0, local.signal);
  if (dns.signal.aborted) local.abort();
  else dns.signal.addEventListener('abort', () => local.abort(), { once: true });
  return { ...dns, signal: local.signal };
}

function lookup(
  zone: string,
  names: string[],
  dns: GlueCheckOptions,
  cache: DnsCache,
  opts: DelegationReadOptions,
  parentServers: string[] = [], // dns.parent_servers are the names' parent servers, not each zone's
): Promise<DelegationResult> {
  // An interrupted run asks no more: a signal aborted before the lookup starts never fires its event.
  if (dns.signal?.aborted)
    return Promise.resolve({ zone, status: 'unknown', nameservers: [], detail: 'the run was interrupted' });
  // the zone's referral check reuses the parent's NS answers read here (apply's check after a switch does not)
  return checkZoneDelegation(zone, names, { ...lookupOptions(dns, opts), parentServers, cache, shareNsAnswers: true });
}
