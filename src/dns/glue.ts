/**
 * The glue check for one nameserver set. The set's names are grouped by the domain that holds
 * them, and each domain is judged on its own: ask every parent server of the domain for its
 * delegation, compare glue per name and per family with the addresses Cloudflare assigned, confirm
 * over TCP, ask the domain's own servers (every NS of the delegation, glue or not), and classify.
 * A check is bounded (deadline, query cap) and never throws for DNS trouble: that ends as
 * `could_not_verify`, and nothing unverified is ever reported as a pass.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { setMaxListeners } from 'node:events';
import type { Registrar } from '../config/types.js';
import type { GlueExpectation } from '../plan/types.js';
import type { QueryBudget } from './budget.js';
import type { DnsCache } from './cache.js';
import { checkChild, type ChildCheck, type ChildNameResult, type ChildObservation, type ChildServer } from './child.js';
import { hostZoneOf, parentServersOf, resolveHost, type DiscoveryOptions } from './discover.js';
import { canonIp, displayZone, isInZone, normName, parentName } from './names.js';
import { askParent, glueFor, type ExpectedName, type ParentQueryOptions, type ServerObservation } from './parent.js';
import { type Where, whereOf } from './where.js';
import { type DnsCheckOptions, startCheck } from './check.js';

export type { ServerObservation, ServerKind, GlueAddress } from './parent.js';
export type { ChildObservation, ChildNameResult } from './child.js';
export type { Where, WhereKind } from './where.js';
export { checkZoneDelegation, type DelegationResult } from './delegation.js';
export { DEFAULT_DEADLINE_MS } from './budget.js';
export { DnsCache } from './cache.js';

export type GlueVerdict = 'ok' | 'failed' | 'not_visible' | 'could_not_verify';
export type NameStatus = 'ok' | 'missing' | 'mismatch' | 'not_visible' | 'could_not_verify';
export type FamilyStatus = 'ok' | 'missing' | 'mismatch' | 'unknown';

/** One check is one set; parentServers are the names' parent zone servers (non-empty: no discovery). */
export interface GlueCheckOptions extends DnsCheckOptions {
  /** One run's cache, shared by its glue checks and delegation reads. */
  cache?: DnsCache;
  udpPayloadSize?: number; // EDNS0 buffer; default 1232 (tests use 512 to provoke partial glue)
  /** 'optional': a name without AAAA glue passes (registries without IPv6 glue). Wrong addresses always fail. */
  aaaaGlue?: 'require' | 'optional';
}

export interface NameGlueResult {
  name: string;
  hostZone: string; // the domain this name was judged against
  status: NameStatus;
  ipv4: FamilyStatus;
  ipv6: FamilyStatus;
  expected: { ipv4?: string; ipv6?: string };
  found: { ipv4: string[]; ipv6: string[] }; // glue seen at the parent (union over servers)
  stale: string[]; // glue addresses that should not be there
  inDelegation: boolean; // the name is in the parent's NS set for the host zone
  inconsistentAcrossServers: boolean;
  child: ChildNameResult; // what the host zone's own servers answer
  problems: string[];
}

export interface GlueRecord {
  name: string;
  ipv4?: string;
  ipv6?: string;
}

/** One domain holding some of the set's names, judged on its own. */
export interface DomainGlue {
  hostZone: string;
  parentZone: string; // '' for the root
  where: Where; // where the domain's delegation and glue are changed
  verdict: GlueVerdict;
  names: string[]; // the set's names under this domain
  delegationNs: string[];
  servers: ServerObservation[];
  childServers: ChildObservation[];
  unreachableParentServers: string[];
  warnings: string[];
}

export interface GlueReport {
  set: number;
  registrar: Registrar;
  hostZone: string; // the first domain's (see `domains` when the names span several)
  parentZone: string; // '' for the root
  verdict: GlueVerdict; // the worst over `domains`
  blocking: boolean; // failed or could_not_verify: `enforce` stops on it
  delegationNs: string[]; // the parent's NS set for the (first) host zone (union over servers)
  names: NameGlueResult[];
  servers: ServerObservation[]; // parent servers (of every domain)
  childServers: ChildObservation[];
  unreachableParentServers: string[];
  warnings: string[];
  register: GlueRecord[]; // the host records to register at the registrar
  stale: { name: string; address: string }[];
  domains: DomainGlue[];
  where: Where; // the first domain's
  /** Queries sent, and the bounds the check ran under. */
  bounds: { queries: number; maxQueries: number; deadlineMs: number; cutShort?: string };
}

interface Ctx {
  opts: GlueCheckOptions;
  q: ParentQueryOptions;
  cache: DnsCache;
  budget: QueryBudget;
  discovery: DiscoveryOptions;
}

/** Check the glue of one set. Never throws for DNS trouble: that ends as `could_not_verify`. */
export async function checkSetGlue(exp: GlueExpectation, opts: GlueCheckOptions): Promise<GlueReport> {
  const { budget, cache, q, discovery } = startCheck(opts);
  const ctx: Ctx = { opts, q, cache, budget, discovery };
  try {
    const expected: ExpectedName[] = exp.names.map((n) => ({
      name: normName(n.name),
      ...(n.ipv4 ? { ipv4: canonIp(n.ipv4) } : {}),
      ...(n.ipv6 ? { ipv6: canonIp(n.ipv6) } : {}),
    }));
    const groups = new Map<string, ExpectedName[]>();
    for (const e of expected) {
      const zone = hostZoneOf(e.name, exp.hostZone);
      groups.set(zone, [...(groups.get(zone) ?? []), e]);
    }
    const checked = await Promise.all([...groups].map(([zone, names]) => checkDomain(zone, names, ctx)));
    return assemble(exp, expected, checked, ctx);
  } finally {
    budget.dispose();
  }
}

/** After an attempt that will be retried: how long until the next check, and how much of the wait is left. */
export interface GlueRetry {
  delayMs: number;
  leftMs: number;
}

/**
 * Poll `checkSetGlue` with backoff (5 s doubling to 60 s, capped by the time left) until not blocking.
 * `onAttempt` gets each report and, when another check follows, when it will be (`next`).
 */
export async function waitForGlue(
  exp: GlueExpectation,
  opts: GlueCheckOptions & {
    waitMs: number;
    initialDelayMs?: number;
    maxDelayMs?: number;
    onAttempt?: (report: GlueReport, attempt: number, next?: GlueRetry) => void;
  },
): Promise<GlueReport> {
  const deadline = Date.now() + opts.waitMs;
  const signal = followSignal(opts.signal);
  let delay = opts.initialDelayMs ?? 5000;
  for (let attempt = 1; ; attempt++) {
    const report = await checkSetGlue(exp, { ...opts, ...(signal ? { signal } : {}) });
    const left = deadline - Date.now();
    const again = report.blocking && left > 0 && !signal?.aborted;
    const wait = Math.min(delay, left);
    opts.onAttempt?.(report, attempt, again ? { delayMs: wait, leftMs: left } : undefined);
    if (!again) return report;
    await sleep(wait, signal);
    delay = Math.min(delay * 2, opts.maxDelayMs ?? 60_000);
  }
}

interface DomainResult {
  domain: DomainGlue;
  names: NameGlueResult[];
}

async function checkDomain(hostZone: string, expected: ExpectedName[], ctx: Ctx): Promise<DomainResult> {
  const { opts, q } = ctx;
  const domain: DomainGlue = {
    hostZone,
    parentZone: parentName(hostZone),
    where: whereOf(hostZone, parentName(hostZone), { cloudflareZones: opts.cloudflareZones }),
    verdict: 'could_not_verify',
    names: expected.map((e) => e.name),
    delegationNs: [],
    servers: [],
    childServers: [],
    unreachableParentServers: [],
    warnings: [],
  };
  const done = (names: NameGlueResult[]): DomainResult => {
    domain.where = whereOf(hostZone, domain.parentZone, {
      cloudflareZones: opts.cloudflareZones,
      parentNs: ctx.cache.zoneNs.get(domain.parentZone),
    });
    return { domain, names };
  };
  // with notes, a glueless cycle or the depth limit met on the way is named in the error
  const found = await parentServersOf(hostZone, opts.parentServers, { ...ctx.discovery, notes: [] });
  if ('error' in found) {
    domain.warnings.push(`could not find the servers of ${hostZone}'s parent zone: ${found.error}`);
    return done(expected.map((e) => unverified(e, hostZone, 'the parent zone could not be asked')));
  }
  const parents = found.servers;
  if (found.parentZone !== undefined) domain.parentZone = found.parentZone;
  domain.servers = await Promise.all(parents.map((s) => askParent(s, hostZone, domain.parentZone, expected, q)));
  const soaOwner = domain.servers.find((o) => o.soaOwner !== undefined)?.soaOwner;
  if (opts.parentServers.length > 0 && soaOwner !== undefined && soaOwner !== hostZone) domain.parentZone = soaOwner;
  domain.unreachableParentServers = domain.servers
    .filter((o) => o.kind === 'error' && o.transport === null)
    .map((o) => o.server);
  for (const o of domain.servers) {
    if ((o.kind === 'error' && o.transport !== null) || o.kind === 'authoritative')
      domain.warnings.push(`parent server ${o.server}: ${o.error ?? o.kind}`);
  }
  const answering = domain.servers.filter((o) => o.kind === 'referral' || o.kind === 'nxdomain' || o.kind === 'nodata');
  if (answering.length === 0) {
    const answeredBadly = domain.servers.some((o) => o.kind === 'error' && o.transport !== null);
    domain.warnings.push(
      `no server of the parent zone "${displayZone(domain.parentZone)}" ` +
        `${answeredBadly ? 'gave a usable answer' : 'answered'} for ${hostZone} — set dns.parent_servers ` +
        '(ACNS_DNS_PARENT_SERVERS) to servers this machine can reach, or policy glue_check: warn',
    );
    const why = answeredBadly ? 'no parent server gave a usable answer' : 'no parent server answered';
    return done(expected.map((e) => unverified(e, hostZone, why)));
  }
  const referrals = answering.filter((o) => o.kind === 'referral');
  const undelegated = answering.filter((o) => o.kind !== 'referral');
  if (undelegated.length > 0 && referrals.length === 0) {
    const why = undelegated.some((o) => o.kind === 'nxdomain')
      ? `${hostZone} does not exist in the parent zone (NXDOMAIN)`
      : `the parent zone has no delegation for ${hostZone} (NODATA)`;
    domain.warnings.push(`${why}: register ${hostZone} (or set host_zone for this set) before glue can be published`);
    domain.verdict = 'failed';
    return done(
      expected.map((e) => ({
        ...unverified(e, hostZone, why),
        status: 'missing' as const,
        ipv4: 'missing' as const,
        ipv6: 'missing' as const,
      })),
    );
  }
  if (undelegated.length > 0) {
    // some servers delegate, others deny the domain: a registry change in flight, not a verdict
    domain.warnings.push(
      `the parent servers disagree about ${hostZone}: ` +
        `${undelegated.map((o) => `${o.server} says ${o.kind.toUpperCase()}`).join(', ')}; ` +
        `${referrals.map((o) => o.server).join(', ')} delegate it (a registry change may still be propagating)`,
    );
  }
  domain.delegationNs = [...new Set(referrals.flatMap((o) => o.delegationNs))].sort();
  if (new Set(referrals.map((o) => o.delegationNs.join(','))).size > 1) {
    domain.warnings.push(
      `the parent servers disagree on the NS set of ${hostZone} (a registry change may still be propagating)`,
    );
  }
  const names = expected.map((e) =>
    undelegated.length > 0
      ? unverified(e, hostZone, 'the parent servers disagree about the delegation')
      : compareName(e, hostZone, referrals, domain.delegationNs, opts.aaaaGlue ?? 'require'),
  );
  const child = await runChildCheck(hostZone, expected, referrals, domain, ctx);
  domain.childServers = child.servers;
  for (const n of names) {
    n.child = child.names[n.name] ?? n.child;
    n.problems.push(...n.child.problems);
  }
  domain.verdict = verdictOf(domain, names, child);
  return done(names);
}

function compareName(
  e: ExpectedName,
  hostZone: string,
  referrals: ServerObservation[],
  delegationNs: string[],
  aaaaGlue: 'require' | 'optional',
): NameGlueResult {
  const result: NameGlueResult = {
    ...unverified(e, hostZone, ''),
    problems: [],
    inDelegation: delegationNs.includes(e.name),
  };
  if (!result.inDelegation) {
    result.status = 'not_visible';
    result.problems.push(
      `not in the parent's NS set (${delegationNs.join(', ') || 'empty'}): ` +
        'its glue cannot be seen through this delegation',
    );
    return result;
  }
  const families: FamilyStatus[] = [];
  for (const [type, key] of [
    ['A', 'ipv4'],
    ['AAAA', 'ipv6'],
  ] as const) {
    const want = e[key];
    const perServer = referrals.map((o) => glueFor(o, e.name, type));
    const found = [...new Set(perServer.flat())].sort();
    result.found[key] = found;
    const disagree = new Set(perServer.map((l) => l.join(','))).size > 1;
    if (disagree) result.inconsistentAcrossServers = true;
    if (want === undefined) {
      result[key] = 'unknown';
      continue;
    }
    result.stale.push(...found.filter((a) => a !== want));
    let status: FamilyStatus;
    if (perServer.every((l) => l.length === 1 && l[0] === want)) status = 'ok';
    else if (perServer.every((l) => l.length === 0)) status = 'missing';
    else status = 'mismatch';
    result[key] = status;
    const optional = type === 'AAAA' && aaaaGlue === 'optional' && perServer.every((l) => l.every((a) => a === want));
    if (optional && status !== 'ok') {
      // allowed: a registry that publishes no IPv6 glue (or still propagating it); never a wrong address
      result.problems.push(`${type} glue not published by every parent server (expected ${want}; not required)`);
      families.push('ok');
      continue;
    }
    families.push(status);
    if (status === 'missing') result.problems.push(`${type} glue missing (expected ${want})`);
    else if (status === 'mismatch') {
      const detail = disagree
        ? `parent servers disagree: ${referrals
            .map((o, i) => `${o.server} has ${perServer[i]!.join(', ') || 'none'}`)
            .join('; ')}`
        : `${type} glue ${found.join(', ')} != expected ${want}`;
      result.problems.push(disagree ? `${type} glue: ${detail} (expected ${want})` : detail);
    }
  }
  if (families.length === 0) {
    result.status = 'could_not_verify';
    result.problems.push('Cloudflare reports no address for this name: there is nothing to compare the glue with');
    return result;
  }
  result.status = families.every((f) => f === 'ok')
    ? 'ok'
    : families.every((f) => f === 'missing')
      ? 'missing'
      : 'mismatch';
  return result;
}

/**
 * The domain's own servers: every NS target of the delegation — in-domain ones at their glue (or
 * the names' own addresses), out-of-domain ones resolved from the roots (bounded, cached).
 */
async function runChildCheck(
  hostZone: string,
  expected: ExpectedName[],
  referrals: ServerObservation[],
  domain: DomainGlue,
  ctx: Ctx,
): Promise<ChildCheck> {
  const { opts } = ctx;
  const own = new Set(expected.flatMap((e) => [e.ipv4, e.ipv6].filter((a): a is string => a !== undefined)));
  const addresses = new Set<string>();
  const withGlue = new Set<string>();
  for (const g of referrals.flatMap((o) => o.glue)) {
    if (!domain.delegationNs.includes(g.name)) continue;
    addresses.add(g.address);
    withGlue.add(g.name);
  }
  for (const e of expected) {
    if (!domain.delegationNs.includes(e.name)) continue;
    for (const a of [e.ipv4, e.ipv6]) if (a) addresses.add(a);
    withGlue.add(e.name);
  }
  // an in-domain server without glue cannot be found at all (its address lives in the very zone
  // it serves): nothing to resolve; out-of-domain ones are looked up from the roots
  const noGlue = domain.delegationNs.filter((ns) => !withGlue.has(ns));
  for (const ns of noGlue.filter((n) => isInZone(n, hostZone))) {
    domain.warnings.push(`${hostZone}'s server ${ns} has no glue at the parent: resolvers cannot reach it`);
  }
  const unresolved = noGlue.filter((n) => !isInZone(n, hostZone));
  const notes: string[] = [];
  const resolved = await Promise.all(unresolved.map((ns) => resolveHost(ns, { ...ctx.discovery, notes })));
  resolved.forEach((ips, i) => {
    ips.forEach((ip) => addresses.add(ip));
    if (ips.length === 0) domain.warnings.push(`could not find an address for ${hostZone}'s server ${unresolved[i]}`);
  });
  domain.warnings.push(...new Set(notes));
  const servers: ChildServer[] = [...addresses]
    .sort()
    .map((host) => ({ address: { host, port: opts.port }, own: own.has(host) }));
  return checkChild(hostZone, servers, expected, ctx.q);
}

function verdictOf(domain: DomainGlue, names: NameGlueResult[], child: ChildCheck): GlueVerdict {
  const hostZone = domain.hostZone;
  const failedChild = new Set(['missing', 'mismatch', 'cname', 'lame']);
  const lame = child.servers.filter((s) => s.lame !== undefined);
  const unreachable = child.servers.filter((s) => !s.answered && s.lame === undefined);
  const ownUnreachable = unreachable.filter((s) => s.own).map((s) => s.server);
  const otherUnreachable = unreachable.filter((s) => !s.own);
  if (lame.length > 0) {
    domain.warnings.push(
      `lame delegation: ${hostZone} is delegated to servers that do not serve it: ` +
        `${lame.map((s) => `${s.server} ${s.lame}`).join('; ')}`,
    );
  }
  if (ownUnreachable.length > 0) {
    domain.warnings.push(
      `the names' own addresses did not answer for ${hostZone}: ${ownUnreachable.join(', ')} ` +
        "(Cloudflare's addresses may not answer before zones use them)",
    );
  }
  if (otherUnreachable.length > 0) {
    domain.warnings.push(
      `${hostZone}'s servers did not answer authoritatively: ` +
        `${otherUnreachable.map((s) => `${s.server} (${s.error ?? 'no answer'})`).join(', ')}`,
    );
  }
  for (const n of names) {
    // "not visible" stands only on the domain's own servers answering this very name correctly
    if (n.status === 'not_visible' && n.child.status !== 'ok' && !failedChild.has(n.child.status)) {
      n.status = 'could_not_verify';
      n.problems.push(`${hostZone}'s servers could not be asked for it either: nothing verifies this name`);
    }
  }
  const failed =
    lame.length > 0 ||
    names.some((n) => n.status === 'missing' || n.status === 'mismatch' || failedChild.has(n.child.status));
  if (failed) return 'failed';
  if (names.some((n) => n.status === 'could_not_verify')) return 'could_not_verify';
  if (names.some((n) => n.status === 'not_visible')) {
    domain.warnings.push(
      `${hostZone} is delegated to ${domain.delegationNs.join(', ') || 'other servers'}, not to these names: ` +
        `their glue (registrar host records) cannot be verified over DNS yet; ${hostZone}'s servers answer ` +
        'the expected addresses',
    );
    return 'not_visible';
  }
  return 'ok';
}

const SEVERITY: GlueVerdict[] = ['ok', 'not_visible', 'could_not_verify', 'failed'];

function assemble(exp: GlueExpectation, expected: ExpectedName[], checked: DomainResult[], ctx: Ctx): GlueReport {
  const cutShort = ctx.budget.reason();
  const byName = new Map(checked.flatMap((c) => c.names.map((n) => [n.name, n] as const)));
  const names = expected.map((e) => byName.get(e.name)!);
  const domains = checked.map((c) => c.domain);
  if (cutShort !== undefined) {
    for (const d of domains) {
      if (d.verdict === 'failed') continue;
      d.verdict = 'could_not_verify';
      for (const n of names.filter((x) => x.hostZone === d.hostZone && x.status === 'not_visible')) {
        n.status = 'could_not_verify';
      }
    }
  }
  const first = domains[0];
  const hostZone = first?.hostZone ?? '';
  const warnings = domains.flatMap((d) => d.warnings);
  if (cutShort !== undefined) {
    warnings.push(
      `${cutShort} (${ctx.budget.used} queries sent): what was not checked in time could not be verified — ` +
        'check that this machine can reach DNS servers on port 53, or set dns.parent_servers',
    );
  }
  if (expected.length === 0) warnings.push(`set ${exp.set} has no names to check`);
  const verdict =
    expected.length === 0
      ? 'could_not_verify'
      : domains.reduce<GlueVerdict>(
          (worst, d) => (SEVERITY.indexOf(d.verdict) > SEVERITY.indexOf(worst) ? d.verdict : worst),
          'ok',
        );
  return {
    set: exp.set,
    registrar: exp.registrar,
    hostZone,
    parentZone: first?.parentZone ?? parentName(hostZone),
    verdict,
    blocking: verdict === 'failed' || verdict === 'could_not_verify',
    delegationNs: first?.delegationNs ?? [],
    names,
    servers: domains.flatMap((d) => d.servers),
    childServers: domains.flatMap((d) => d.childServers),
    unreachableParentServers: domains.flatMap((d) => d.unreachableParentServers),
    warnings,
    register: expected
      .filter((e) => e.ipv4 || e.ipv6)
      .map((e) => ({ name: e.name, ...(e.ipv4 ? { ipv4: e.ipv4 } : {}), ...(e.ipv6 ? { ipv6: e.ipv6 } : {}) })),
    stale: names.flatMap((n) => n.stale.map((address) => ({ name: n.name, address }))),
    domains,
    where: first?.where ?? whereOf(hostZone, parentName(hostZone)),
    bounds: {
      queries: ctx.budget.used,
      maxQueries: ctx.budget.maxQueries,
      deadlineMs: ctx.budget.deadlineMs,
      ...(cutShort !== undefined ? { cutShort } : {}),
    },
  };
}

function unverified(e: ExpectedName, hostZone: string, why: string): NameGlueResult {
  return {
    name: e.name,
    hostZone,
    status: 'could_not_verify',
    ipv4: 'unknown',
    ipv6: 'unknown',
    expected: { ...(e.ipv4 ? { ipv4: e.ipv4 } : {}), ...(e.ipv6 ? { ipv6: e.ipv6 } : {}) },
    found: { ipv4: [], ipv6: [] },
    stale: [],
    inDelegation: false,
    inconsistentAcrossServers: false,
    child: { status: 'skipped', ipv4: [], ipv6: [], problems: [] },
    problems: why ? [why] : [],
  };
}

/**
 * A signal that follows the caller's without adding a listener to it (many waits share one) and
 * has no listener limit, so Node never warns about a possible leak.
 */
function followSignal(parent?: AbortSignal): AbortSignal | undefined {
  if (!parent) return undefined;
  const signal = AbortSignal.any([parent]);
  setMaxListeners(0, signal);
  return signal;
}

/** Waits `ms`, or less when `signal` aborts (the caller then returns what it has). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : undefined).catch(() => {});
}
