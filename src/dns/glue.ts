/**
 * The glue check for one nameserver set: ask every
 * parent server for the host zone's delegation, compare glue per name and per family with the
 * addresses Cloudflare assigned, confirm over TCP, ask the host zone's own servers, and classify.
 */
import { setMaxListeners } from 'node:events';
import type { Registrar } from '../config/types.js';
import type { GlueExpectation } from '../plan/types.js';
import type { QueryOptions, ServerAddress } from './client.js';
import { checkChild, type ChildCheck, type ChildNameResult, type ChildObservation, type ChildServer } from './child.js';
import { discoverParent, hostZoneOf, parseServers, resolveHost } from './discover.js';
import { canonIp, displayZone, normName, parentName } from './names.js';
import { askParent, glueFor, type ExpectedName, type ServerObservation } from './parent.js';

export type { ServerObservation, ServerKind, GlueAddress } from './parent.js';
export type { ChildObservation, ChildNameResult } from './child.js';
export { checkZoneDelegation, type DelegationResult } from './delegation.js';

export type GlueVerdict = 'ok' | 'failed' | 'not_visible' | 'could_not_verify';
export type NameStatus = 'ok' | 'missing' | 'mismatch' | 'not_visible' | 'could_not_verify';
export type FamilyStatus = 'ok' | 'missing' | 'mismatch' | 'unknown';

export interface GlueCheckOptions {
  rootServers: string[]; // empty → IANA's root servers
  parentServers: string[]; // non-empty → skip discovery
  port: number; // port of servers learned from referrals and of bare IPs
  timeoutMs?: number; // per attempt; default 2000
  retries?: number; // default 1
  udpPayloadSize?: number; // EDNS0 buffer; default 1232 (tests use 512 to provoke partial glue)
  signal?: AbortSignal;
}

export interface NameGlueResult {
  name: string;
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

export interface GlueReport {
  set: number;
  registrar: Registrar;
  hostZone: string;
  parentZone: string; // '' for the root
  verdict: GlueVerdict;
  blocking: boolean; // failed or could_not_verify: `enforce` stops on it
  delegationNs: string[]; // the parent's NS set for the host zone (union over servers)
  names: NameGlueResult[];
  servers: ServerObservation[]; // parent servers
  childServers: ChildObservation[];
  unreachableParentServers: string[];
  warnings: string[];
  register: GlueRecord[]; // the host records to register at the registrar
  stale: { name: string; address: string }[];
}

/** Check the glue of one set. Never throws for DNS trouble: that ends as `could_not_verify`. */
export async function checkSetGlue(exp: GlueExpectation, opts: GlueCheckOptions): Promise<GlueReport> {
  const expected: ExpectedName[] = exp.names.map((n) => ({
    name: normName(n.name),
    ...(n.ipv4 ? { ipv4: canonIp(n.ipv4) } : {}),
    ...(n.ipv6 ? { ipv6: canonIp(n.ipv6) } : {}),
  }));
  const hostZone = hostZoneOf(expected[0]?.name ?? '', exp.hostZone);
  const q: QueryOptions = {
    timeoutMs: opts.timeoutMs ?? 2000,
    retries: opts.retries ?? 1,
    udpPayloadSize: opts.udpPayloadSize,
    signal: checkSignal(opts.signal),
  };
  const report: GlueReport = {
    set: exp.set,
    registrar: exp.registrar,
    hostZone,
    parentZone: parentName(hostZone),
    verdict: 'could_not_verify',
    blocking: true,
    delegationNs: [],
    names: [],
    servers: [],
    childServers: [],
    unreachableParentServers: [],
    warnings: [],
    register: expected
      .filter((e) => e.ipv4 || e.ipv6)
      .map((e) => ({ name: e.name, ...(e.ipv4 ? { ipv4: e.ipv4 } : {}), ...(e.ipv6 ? { ipv6: e.ipv6 } : {}) })),
    stale: [],
  };
  let parents: ServerAddress[];
  if (opts.parentServers.length > 0) {
    parents = parseServers(opts.parentServers, opts.port);
  } else {
    try {
      const found = await discoverParent(hostZone, { rootServers: opts.rootServers, port: opts.port, ...q });
      parents = found.servers;
      report.parentZone = found.parentZone;
    } catch (err) {
      report.warnings.push(
        `could not find the servers of ${hostZone}'s parent zone: ${err instanceof Error ? err.message : String(err)}`,
      );
      report.names = expected.map((e) => unverified(e, 'the parent zone could not be asked'));
      return finish(report);
    }
  }
  report.servers = await Promise.all(parents.map((s) => askParent(s, hostZone, report.parentZone, expected, q)));
  const soaOwner = report.servers.find((o) => o.soaOwner !== undefined)?.soaOwner;
  if (opts.parentServers.length > 0 && soaOwner !== undefined && soaOwner !== hostZone) report.parentZone = soaOwner;
  report.unreachableParentServers = report.servers
    .filter((o) => o.kind === 'error' && o.transport === null)
    .map((o) => o.server);
  for (const o of report.servers) {
    if ((o.kind === 'error' && o.transport !== null) || o.kind === 'authoritative')
      report.warnings.push(`parent server ${o.server}: ${o.error ?? o.kind}`);
  }
  const answering = report.servers.filter((o) => o.kind === 'referral' || o.kind === 'nxdomain' || o.kind === 'nodata');
  if (answering.length === 0) {
    const answeredBadly = report.servers.some((o) => o.kind === 'error' && o.transport !== null);
    report.warnings.push(
      `no server of the parent zone "${displayZone(report.parentZone)}" ${answeredBadly ? 'gave a usable answer' : 'answered'} for ${hostZone} — set dns.parent_servers (ACNS_DNS_PARENT_SERVERS) to servers this machine can reach, or policy glue_check: warn`,
    );
    report.names = expected.map((e) =>
      unverified(e, answeredBadly ? 'no parent server gave a usable answer' : 'no parent server answered'),
    );
    return finish(report);
  }
  const undelegated = answering.filter((o) => o.kind !== 'referral');
  if (undelegated.length > 0) {
    const why = undelegated.some((o) => o.kind === 'nxdomain')
      ? `${hostZone} does not exist in the parent zone (NXDOMAIN)`
      : `the parent zone has no delegation for ${hostZone} (NODATA)`;
    report.names = expected.map((e) => ({
      ...unverified(e, why),
      status: 'missing' as const,
      ipv4: 'missing' as const,
      ipv6: 'missing' as const,
    }));
    report.verdict = 'failed';
    report.warnings.push(`${why}: register ${hostZone} (or set host_zone for this set) before glue can be published`);
    return finish(report);
  }
  const referrals = answering;
  report.delegationNs = [...new Set(referrals.flatMap((o) => o.delegationNs))].sort();
  if (new Set(referrals.map((o) => o.delegationNs.join(','))).size > 1) {
    report.warnings.push(
      `the parent servers disagree on the NS set of ${hostZone} (a registry change may still be propagating)`,
    );
  }
  report.names = expected.map((e) => compareName(e, referrals, report.delegationNs));
  const child = await runChildCheck(hostZone, expected, referrals, report, opts, q);
  report.childServers = child.servers;
  for (const n of report.names) {
    n.child = child.names[n.name] ?? n.child;
    n.problems.push(...n.child.problems);
  }
  report.stale = report.names.flatMap((n) => n.stale.map((address) => ({ name: n.name, address })));
  report.verdict = verdictOf(report, child);
  return finish(report);
}

/** Poll `checkSetGlue` with backoff (5 s doubling to 60 s, capped by the time left) until not blocking. */
export async function waitForGlue(
  exp: GlueExpectation,
  opts: GlueCheckOptions & {
    waitMs: number;
    initialDelayMs?: number;
    maxDelayMs?: number;
    onAttempt?: (report: GlueReport, attempt: number) => void;
  },
): Promise<GlueReport> {
  const deadline = Date.now() + opts.waitMs;
  const signal = checkSignal(opts.signal);
  let delay = opts.initialDelayMs ?? 5000;
  for (let attempt = 1; ; attempt++) {
    const report = await checkSetGlue(exp, { ...opts, signal });
    opts.onAttempt?.(report, attempt);
    const left = deadline - Date.now();
    if (!report.blocking || left <= 0 || signal?.aborted) return report;
    await sleep(Math.min(delay, left), signal);
    delay = Math.min(delay * 2, opts.maxDelayMs ?? 60_000);
  }
}

function compareName(e: ExpectedName, referrals: ServerObservation[], delegationNs: string[]): NameGlueResult {
  const result: NameGlueResult = {
    ...unverified(e, ''),
    problems: [],
    inDelegation: delegationNs.includes(e.name),
  };
  if (!result.inDelegation) {
    result.status = 'not_visible';
    result.problems.push(
      `not in the parent's NS set (${delegationNs.join(', ') || 'empty'}): its glue cannot be seen through this delegation`,
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
    families.push(status);
    if (status === 'missing') result.problems.push(`${type} glue missing (expected ${want})`);
    else if (status === 'mismatch') {
      const detail = disagree
        ? `parent servers disagree: ${referrals.map((o, i) => `${o.server} has ${perServer[i]!.join(', ') || 'none'}`).join('; ')}`
        : `${type} glue ${found.join(', ')} != expected ${want}`;
      result.problems.push(disagree ? `${type} glue: ${detail} (expected ${want})` : detail);
    }
  }
  result.status =
    families.length === 0 || families.every((f) => f === 'ok')
      ? 'ok'
      : families.every((f) => f === 'missing')
        ? 'missing'
        : 'mismatch';
  return result;
}

/** Child servers: glue for the delegation's NS targets, else the names' own addresses, else resolved NS names. */
async function runChildCheck(
  hostZone: string,
  expected: ExpectedName[],
  referrals: ServerObservation[],
  report: GlueReport,
  opts: GlueCheckOptions,
  q: QueryOptions,
): Promise<ChildCheck> {
  const own = new Set(expected.flatMap((e) => [e.ipv4, e.ipv6].filter((a): a is string => a !== undefined)));
  const addresses = new Set(referrals.flatMap((o) => o.glue.map((g) => g.address)));
  for (const e of expected) {
    if (report.delegationNs.includes(e.name)) [e.ipv4, e.ipv6].forEach((a) => a && addresses.add(a));
  }
  if (addresses.size === 0) {
    for (const ns of report.delegationNs) {
      const ips = await resolveHost(ns, { rootServers: opts.rootServers, port: opts.port, ...q }).catch(() => []);
      ips.forEach((ip) => addresses.add(ip));
    }
  }
  const servers: ChildServer[] = [...addresses]
    .sort()
    .map((host) => ({ address: { host, port: opts.port }, own: own.has(host) }));
  return checkChild(hostZone, servers, expected, q);
}

function verdictOf(report: GlueReport, child: ChildCheck): GlueVerdict {
  const names = report.names;
  const childFailed = names.some((n) => n.child.status === 'missing' || n.child.status === 'mismatch');
  const parentFailed = names.some((n) => n.status === 'missing' || n.status === 'mismatch');
  const unreachable = child.servers.filter((s) => !s.answered);
  const ownUnreachable = unreachable.filter((s) => s.own).map((s) => s.server);
  const otherUnreachable = unreachable.filter((s) => !s.own);
  if (ownUnreachable.length > 0) {
    report.warnings.push(
      `the names' own addresses did not answer for ${report.hostZone}: ${ownUnreachable.join(', ')} (Cloudflare's addresses may not answer before zones use them)`,
    );
  }
  if (otherUnreachable.length > 0) {
    report.warnings.push(
      `${report.hostZone}'s servers did not answer authoritatively: ${otherUnreachable.map((s) => `${s.server} (${s.error ?? 'no answer'})`).join(', ')}`,
    );
  }
  const noChildAnswer =
    names.length > 0 && names.every((n) => n.child.status === 'unreachable' || n.child.status === 'skipped');
  if (parentFailed || childFailed) return 'failed';
  if (names.some((n) => n.status === 'not_visible')) {
    if (noChildAnswer) {
      report.warnings.push(
        `the names are not in ${report.hostZone}'s delegation and ${report.hostZone}'s servers could not be asked: nothing could be verified`,
      );
      return 'could_not_verify';
    }
    report.warnings.push(
      `${report.hostZone} is delegated to ${report.delegationNs.join(', ') || 'other servers'}, not to these names: their glue (registrar host records) cannot be verified over DNS yet; ${report.hostZone}'s servers answer the expected addresses`,
    );
    return 'not_visible';
  }
  return 'ok';
}

/**
 * One signal for a check's many concurrent queries (every parent server, every child server ×
 * name × family): it follows the caller's signal without adding a listener to it (many checks
 * share one), and it has no listener limit, so Node never warns about a possible leak.
 */
function checkSignal(parent?: AbortSignal): AbortSignal | undefined {
  if (!parent) return undefined;
  const signal = AbortSignal.any([parent]);
  setMaxListeners(0, signal);
  return signal;
}

function unverified(e: ExpectedName, why: string): NameGlueResult {
  return {
    name: e.name,
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

function finish(report: GlueReport): GlueReport {
  report.blocking = report.verdict === 'failed' || report.verdict === 'could_not_verify';
  return report;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
