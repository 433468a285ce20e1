/**
 * The "leaving a set" rule's DNS side, shared by plan, apply (a saved plan is re-read before its
 * first write) and drift: what DNS says about the delegations a plan's deletions and zone switches
 * rest on, through the run's shared DNS settings and cache. With DNS checks off, nothing is read
 * and every delegation counts as unknown: unknown never passes.
 */
import { movesPath, readMoves, sameMoves, writeMoves } from '../apply/delegation-moves.js';
import type { AccountApi } from '../cloudflare/api.js';
import type { LiveNameserver } from '../cloudflare/types.js';
import type { DesiredState } from '../config/types.js';
import { readDelegations, readLeaving, readReferrals } from '../dns/delegation-reads.js';
import { readAddressTtls } from '../dns/address-ttl.js';
import { hostZoneOf } from '../dns/discover.js';
import { canonIp } from '../dns/names.js';
import { AcnsError } from '../errors.js';
import { addDelegationFindings, addReferralFindings, type DelegationFinding } from '../plan/delegation.js';
import { valueSet } from '../plan/describe.js';
import {
  type DelegationMove,
  type DelegationRead,
  deletedNames,
  evaluateLeaving,
  type LeavingContext,
  type LeavingVerdict,
  leavingQuestions,
  type MovesRecord,
} from '../plan/leaving.js';
import { OVERRIDE_FLAG, type OverridableGuard, type Plan } from '../plan/types.js';
import type { LiveState } from '../state/types.js';
import { type DnsRun, dnsRun } from './dns-run.js';
import type { Session } from './session.js';

const OFF = 'DNS checks are off (policy.glue_check: off), so it was not read';

/** The leaving rule for the plan's deletions: holds, guards, and the updated records of moves. */
export async function leavingVerdict(
  session: Session,
  plan: Plan,
  live: Pick<LiveState, 'accountId' | 'nameservers' | 'zones' | 'otherZones'>,
  run: DnsRun,
  now: Date,
  /** --allow-unknown-delegation: no hold from the record's start (the user knows the names were never used). */
  allowUnknown = false,
): Promise<LeavingVerdict & { recorded: MovesRecord | undefined; next: MovesRecord | undefined }> {
  const recorded = await readMoves(movesPath(session.cwd), live.accountId);
  const moves = recorded?.moves ?? [];
  if (deletedNames(plan).length === 0) return { hold: [], guards: [], moves, recorded, next: recorded };
  // no record of this account: the one this run begins starts its history now, so that a deletion
  // planned later (of any name) still waits for the caches from now; skipped for this run only with
  // the override (a run that is not approved, or fails, must leave the start recorded)
  const historyFrom = recorded ? recorded.historyFrom : now.toISOString();
  const ctx = leavingContext(live, moves, allowUnknown ? undefined : historyFrom);
  const questions = leavingQuestions(plan, ctx);
  if (questions.length > 0)
    session.progress.update('reading the delegations the deletions rest on', 0, questions.length);
  const reads = run.on
    ? await readLeaving(questions, run.dns, run.reads)
    : new Map<string, DelegationRead>(
        questions.map((q) => [q.subject, { subject: q.subject, status: 'unknown', nameservers: [], detail: OFF }]),
      );
  const ttls = run.on ? await addressTtls(plan, ctx, reads, run) : new Map<string, number>();
  const verdict = evaluateLeaving(plan, ctx, reads, now, ttls);
  const next = { moves: verdict.moves, ...(historyFrom !== undefined ? { historyFrom } : {}) };
  return { ...verdict, recorded, next };
}

/**
 * The A/AAAA TTL of each deleted name a recorded move may hold back (the others wait for no
 * cache), asked of its domain's servers as the referral of that domain names them.
 */
async function addressTtls(
  plan: Plan,
  ctx: LeavingContext,
  reads: Map<string, DelegationRead>,
  run: DnsRun,
): Promise<Map<string, number>> {
  const names = deletedNames(plan)
    .filter((d) => ctx.moves.some((m) => m.set === d.set && m.names.includes(d.name)))
    .flatMap((d) => {
      const domain = reads.get(ctx.domainOf(d.name));
      if (!domain || domain.status === 'unknown' || domain.nameservers.length === 0) return [];
      const referral = { domain: domain.subject, nameservers: domain.nameservers, glue: domain.glue ?? [] };
      return [{ name: d.name, domain: referral }];
    });
  return readAddressTtls(names, { ...run.dns, parentServers: [] });
}

/**
 * Writes the record of moves when this run learned something (`after` undefined: nothing to
 * record); a failure is a warning.
 */
export async function saveMoves(
  session: Session,
  accountId: string,
  before: MovesRecord | undefined,
  after: MovesRecord | undefined,
  now: Date,
): Promise<void> {
  if (after === undefined || sameMoves(before, after)) return;
  const why = await writeMoves(session.cwd, accountId, after, now);
  if (why) session.warn(`acns: warning: could not update .acns/delegation-moves.json: ${why}`);
}

/** What DNS says about each zone the plan switches (unknown for all with DNS checks off). */
export async function zoneFindings(
  plan: Plan,
  live: Pick<LiveState, 'nameservers'>,
  setNames: Map<number, string[]>,
  run: DnsRun,
): Promise<DelegationFinding[]> {
  const found = await readDelegations(plan, live, setNames, run.on ? run.dns : { ...run.dns, signal: aborted() }, {
    ...run.reads,
  });
  if (run.on) return found;
  // only a zone leaving custom names needs its delegation known; a zone joining a set gets a note at most
  return found
    .filter((f) => f.direction === 'to_standard' || (f.leavingNames?.length ?? 0) > 0)
    .map((f) => ({ ...f, status: 'unknown', nameservers: [], detail: OFF }));
}

/**
 * A saved plan is applied days after it was made: what DNS says about its deletions, the zones it
 * moves off a set and the referral of the zones it moves onto one is read again before the first
 * write. A name a parent lists now, caches that may still hold it, a delegation that cannot be read
 * (without --allow-unknown-delegation), stale glue in a zone's referral or a DS matching no DNSKEY
 * refuse the plan (exit 3, nothing changed). A plan with any of these as guards never got here, so
 * each one is new since the plan was made. Returns the record of delegation moves as this run left it.
 */
export async function recheckDelegations(
  session: Session,
  plan: Plan,
  api: AccountApi,
  settings: Pick<DesiredState, 'dns'>,
  allow: OverridableGuard[],
  /** The nameservers the staleness check just read, when it did: not asked for again. */
  known?: LiveNameserver[],
): Promise<MovesRecord | undefined> {
  const hasWork = plan.steps.some((s) => s.kind === 'delete_nameserver' || s.kind === 'assign_zone');
  if (!hasWork) return readMoves(movesPath(session.cwd), plan.accountId);
  const names = known ?? (await api.listNameservers());
  const zones: LiveState['zones'] = [];
  for (const u of plan.preconditions?.setUsers ?? [])
    for (const z of u.zones)
      zones.push({ name: z.name, id: z.id, nameservers: { type: 'custom.account', set: u.set } });
  const live = { accountId: plan.accountId, nameservers: names, zones, otherZones: [] };
  const run = dnsRun(settings, plan.gluePolicy, session);
  const now = new Date();
  const leaving = await leavingVerdict(session, plan, live, run, now, allow.includes('delegation_unknown'));
  await saveMoves(session, plan.accountId, leaving.recorded, leaving.next, now);
  const setNames = new Map<number, string[]>();
  for (const n of names) setNames.set(n.set, [...(setNames.get(n.set) ?? []), n.name]);
  for (const s of plan.steps) {
    const to = valueSet(s.after);
    if (s.kind === 'create_nameserver' && to !== undefined) setNames.set(to, [...(setNames.get(to) ?? []), s.target]);
  }
  const findings = await zoneFindings(plan, live, setNames, run);
  let fresh = addDelegationFindings({ ...plan, guards: [], notes: [] }, findings);
  if (run.on) fresh = addReferralFindings(fresh, await readReferrals(plan, findings, live, run.dns, run.reads));
  const guards = [...leaving.guards, ...fresh.guards].filter((g) => !(g.override && allow.includes(g.override)));
  const lines = [
    ...leaving.hold.map((h) => h.message),
    ...guards.map((g) => `${g.message}${g.override ? ` (override: ${OVERRIDE_FLAG[g.override]})` : ''}`),
  ];
  if (lines.length === 0) return leaving.next;
  throw new AcnsError(
    'plan_unsafe_now',
    `what DNS says now makes this plan unsafe; nothing was changed:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
    {
      exitCode: 3,
      hint: 'plan again (`acns plan -o <planfile>`) and review the new plan, or wait and apply this one later',
    },
  );
}

export function leavingContext(
  live: Pick<LiveState, 'nameservers' | 'zones' | 'otherZones'>,
  moves: DelegationMove[],
  historyFrom?: string,
): LeavingContext {
  const zonesOnSet = new Map<number, string[]>();
  for (const z of [...live.zones, ...(live.otherZones ?? [])]) {
    if (z.nameservers.type !== 'custom.account') continue;
    const set = z.nameservers.set ?? 1;
    zonesOnSet.set(set, [...(zonesOnSet.get(set) ?? []), z.name]);
  }
  const addresses = new Map(
    live.nameservers.map((n) => [
      n.name,
      { ...(n.ipv4 ? { ipv4: canonIp(n.ipv4) } : {}), ...(n.ipv6 ? { ipv6: canonIp(n.ipv6) } : {}) },
    ]),
  );
  return { zonesOnSet, domainOf: hostZoneOf, addresses, moves, ...(historyFrom !== undefined ? { historyFrom } : {}) };
}

/** With DNS checks off, the lookups must not run: an aborted signal makes each one end at once as unknown. */
function aborted(): AbortSignal {
  const c = new AbortController();
  c.abort();
  return c.signal;
}
