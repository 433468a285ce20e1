/**
 * Staleness: before writing anything, re-read what the plan touches and the facts its safety rests
 * on (its preconditions), and compare. A step whose object equals its `after` is already done, one
 * equal to its `before` runs; anything else — or a precondition that changed other than by the
 * plan's own steps — means someone changed the account between plan and apply: the plan is stale
 * and apply refuses (exit 3, no writes).
 */
import pLimit from 'p-limit';
import type { AccountApi, ZoneRef } from '../cloudflare/api.js';
import { AcnsError } from '../errors.js';
import type { Plan, Preconditions, Step, StepKind, StepValue } from '../plan/types.js';
import { describeTarget, describeValue, valueSet } from '../plan/describe.js';
import { type LiveNameserver, sameZoneNameservers, type ZoneNameservers } from '../cloudflare/types.js';
import type { StaleFact, StaleObject, StalenessReport } from './types.js';

/** Thrown when the plan is stale (before the first write, or found mid-run): exit 3. */
export class StalePlanError extends AcnsError {
  readonly stale: StaleObject[];
  constructor(stale: StaleObject[], opts: { midRun?: boolean } = {}) {
    super('plan_stale', describeStale(stale, opts), {
      exitCode: 3,
      hint: opts.midRun
        ? 'no further step was started: run `acns plan -o <planfile>` again, review it, and apply the new plan'
        : 'nothing was changed: run `acns plan -o <planfile>` again, review it, and apply the new plan',
    });
    this.name = 'StalePlanError';
    this.stale = stale;
  }
}

export interface StalenessOptions {
  /**
   * Zone reads in flight at once. Default: no bound of its own, as when planning: the client's
   * budget paces every request and keeps as many in flight as the round trip needs.
   */
  concurrency?: number;
  /** Receives the account's nameservers as read here, so a check right after need not ask again. */
  onNameservers?: (names: LiveNameserver[]) => void;
}

/** What apply read back: the live values the comparisons (and the first steps) use. */
export interface PlanReads {
  names: LiveNameserver[] | undefined;
  /** Zone name → its id now (absent: the account has no such zone). */
  zoneIds: Map<string, string>;
  /** Zone id → its name, when every zone of the account was listed. */
  idNames?: Map<string, string>;
  /** Zone id → its nameserver setting now (absent: not read, or the zone is gone). */
  zones: Map<string, ZoneNameservers>;
  /** Every zone of the account, when a precondition needs them all. */
  accountZones?: ZoneRef[];
  accountDefault?: string;
}

/**
 * Re-reads what the plan touches and rests on, with no more requests than planning spent on the
 * same facts: one listNameservers(); the zones' ids by name (resolveZones, or one listing of the
 * account when a set drops below 2 names and every zone's setting must be read again); one
 * settings read per zone concerned; the account default when a step or a precondition needs it.
 * A glue_check is done when every step it gates is done (a check exists to hold switches back, and
 * there is none left to hold). API errors propagate (the caller reports them, exit 1).
 */
export async function checkStaleness(
  plan: Plan,
  api: AccountApi,
  opts: StalenessOptions = {},
): Promise<StalenessReport> {
  const reads = await readForPlan(plan, api, opts);
  const stale: StaleObject[] = [...staleZoneIds(plan, reads)];
  const alreadyDone: string[] = [];
  for (const step of plan.steps) {
    const verdict = stepVerdict(plan, step, reads);
    if (verdict === undefined) continue;
    if (verdict.state === 'done') alreadyDone.push(step.id);
    else if (verdict.state === 'stale')
      stale.push({ stepId: step.id, target: step.target, planned: step.before, current: verdict.current });
  }
  for (const check of plan.steps.filter((s) => s.kind === 'glue_check')) {
    const gated = plan.steps.filter((s) => s.dependsOn.includes(check.id));
    if (gated.length > 0 && gated.every((s) => alreadyDone.includes(s.id))) alreadyDone.push(check.id);
  }
  if (plan.preconditions) stale.push(...stalePreconditions(plan, plan.preconditions, reads));
  if (reads.names) opts.onNameservers?.(reads.names);
  return { stale, alreadyDone };
}

async function readForPlan(plan: Plan, api: AccountApi, opts: StalenessOptions = {}): Promise<PlanReads> {
  const pre = plan.preconditions;
  const steps = plan.steps;
  const zoneSteps = steps.filter((s) => s.kind === 'assign_zone');
  const needNames =
    pre !== undefined || steps.some((s) => s.kind === 'create_nameserver' || s.kind === 'delete_nameserver');
  const wholeAccount = pre?.setUsers.some((u) => u.scope === 'account') ?? false;
  const knownUsers = pre?.setUsers.filter((u) => u.scope === 'known').flatMap((u) => u.zones) ?? [];
  const zoneNames = [...new Set([...zoneSteps.map((s) => s.target), ...knownUsers.map((z) => z.name)])].sort();
  const needDefault =
    steps.some((s) => s.kind === 'set_account_default') ||
    (pre !== undefined && pre.accountDefault !== undefined && pre.setUsers.length > 0);
  const limit = pLimit(Math.max(1, opts.concurrency ?? Number.POSITIVE_INFINITY));
  // The ids the plan relies on, by zone name: a zone still under one of them is read as soon as the
  // page naming it arrives, while the rest of the listing is on its way (no round trip between).
  const planned = new Map<string, Set<string>>();
  const expect = (name: string, id: string | undefined) => {
    if (id) planned.set(name, (planned.get(name) ?? new Set()).add(id));
  };
  for (const s of zoneSteps) expect(s.target, s.zoneId);
  for (const z of knownUsers) expect(z.name, z.id);
  const zones = new Map<string, ZoneNameservers>();
  const reads = new Map<string, Promise<void>>();
  const read = (id: string): void => {
    if (reads.has(id)) return;
    const p = limit(async () => {
      const ns = await readZoneOrAbsent(api, id);
      if (ns) zones.set(id, ns);
    });
    p.catch(() => {}); // reported by the Promise.all below
    reads.set(id, p);
  };
  const found = (z: ZoneRef): void => {
    if (wholeAccount || planned.get(z.name)?.has(z.id)) read(z.id);
  };

  const [names, refs, accountDefault] = await Promise.all([
    needNames ? api.listNameservers() : Promise.resolve(undefined),
    wholeAccount
      ? api.listAllZones({ onPage: (zs) => zs.forEach(found) })
      : zoneNames.length > 0
        ? api.resolveZones(zoneNames, { onFound: found }).then((r) => r.found)
        : Promise.resolve([] as ZoneRef[]),
    needDefault ? api.getAccountDefault() : Promise.resolve(undefined),
  ]);
  const zoneIds = new Map(refs.map((z) => [z.name, z.id]));
  const wanted = new Set<string>();
  if (wholeAccount) for (const z of refs) wanted.add(z.id);
  for (const s of zoneSteps) if (s.zoneId && zoneIds.get(s.target) === s.zoneId) wanted.add(s.zoneId);
  for (const z of knownUsers) if (zoneIds.get(z.name) === z.id) wanted.add(z.id);
  for (const id of [...wanted].sort()) read(id);
  await Promise.all([...wanted].map((id) => reads.get(id)));
  return {
    names,
    zoneIds,
    ...(wholeAccount ? { idNames: new Map(refs.map((z) => [z.id, z.name])), accountZones: refs } : {}),
    zones,
    ...(accountDefault !== undefined ? { accountDefault } : {}),
  };
}

/** A zone deleted between listing and reading reads as absent, not as an error. */
export async function readZoneOrAbsent(api: AccountApi, id: string): Promise<ZoneNameservers | undefined> {
  try {
    return await api.getZoneNameservers(id);
  } catch (e) {
    if ((e as { status?: unknown }).status === 404) return undefined;
    throw e;
  }
}

/** The stale report: each changed object with its plan-time and its current value (StalePlanError's message). */
export function describeStale(stale: StaleObject[], opts: { midRun?: boolean } = {}): string {
  const n = stale.length;
  const when = opts.midRun ? 'during apply' : 'since it was made';
  const lines = [`the plan is stale — ${n} ${n === 1 ? 'object' : 'objects'} changed ${when}:`];
  for (const s of stale) {
    if ('object' in s) {
      const relied = s.steps.length > 0 ? ` (relied on by ${listIds(s.steps)})` : '';
      lines.push(`  ${s.object}: ${s.planned} when planned, now ${s.current}${relied}`);
      continue;
    }
    const kind = s.stepId.split(':')[0] as StepKind;
    const target = describeTarget(kind, s.target);
    lines.push(`  ${target}: was ${describeValue(s.planned)} when planned, now ${describeValue(s.current)}`);
  }
  return lines.join('\n');
}

type Verdict = { state: 'run' } | { state: 'done' } | { state: 'stale'; current: StepValue };

function stepVerdict(plan: Plan, step: Step, reads: PlanReads): Verdict | undefined {
  switch (step.kind) {
    case 'glue_check':
      return undefined;
    case 'create_nameserver':
    case 'delete_nameserver': {
      const live = reads.names?.find((n) => n.name === step.target);
      return nameVerdict(step, plan.steps, live?.set);
    }
    case 'assign_zone': {
      const id = zoneIdOf(step);
      if (reads.zoneIds.get(step.target) !== id) return undefined; // reported by staleZoneIds
      const current = reads.zones.get(id);
      return current ? zoneVerdict(step, current) : { state: 'stale', current: null };
    }
    case 'set_account_default':
      return defaultVerdict(step, reads.accountDefault as string);
  }
}

/** Each assign_zone step's zone_id must be its target's id now: a plan never switches a zone it does not name. */
function staleZoneIds(plan: Plan, reads: PlanReads): StaleFact[] {
  const out: StaleFact[] = [];
  for (const s of plan.steps) {
    if (s.kind !== 'assign_zone') continue;
    const id = zoneIdOf(s);
    const now = reads.zoneIds.get(s.target);
    if (now === id) continue;
    const owner = reads.idNames?.get(id) ?? [...reads.zoneIds].find(([, v]) => v === id)?.[0];
    out.push({
      object: `zone ${s.target}`,
      planned: `zone id ${id}${owner && owner !== s.target ? ` (the id of ${owner})` : ''}`,
      current: now ? `its id is ${now}` : 'absent from the account',
      steps: [s.id],
    });
  }
  return out;
}

/** Preconditions compared with the reads, allowing for whatever the plan's own steps already did. */
function stalePreconditions(plan: Plan, pre: Preconditions, reads: PlanReads): StaleFact[] {
  const out: StaleFact[] = [];
  const live = reads.names ?? [];
  for (const m of pre.nameservers) {
    const now = live.filter((n) => n.set === m.set).map((n) => n.name);
    const created = new Set(ownNames(plan, 'create_nameserver', m.set));
    const deleted = new Set(ownNames(plan, 'delete_nameserver', m.set));
    const planned = new Set(m.names);
    const ok =
      now.every((n) => planned.has(n) || created.has(n)) && m.names.every((n) => now.includes(n) || deleted.has(n));
    if (!ok)
      out.push({
        object: `names of set ${m.set}`,
        planned: listNames(m.names),
        current: listNames(now),
        steps: m.steps,
      });
  }
  const moves = zoneMoves(plan);
  for (const u of pre.setUsers) {
    const plannedZones = new Set(u.zones.map((z) => z.name));
    const nowOn = usersNow(u, reads);
    const changed =
      nowOn.some((z) => !plannedZones.has(z) && moves.get(z)?.to !== u.set) ||
      u.zones.some((z) => !nowOn.includes(z.name) && moves.get(z.name)?.from !== u.set);
    if (changed)
      out.push({
        object: `zones on set ${u.set}`,
        planned: listNames(u.zones.map((z) => z.name)),
        current: listNames(nowOn),
        steps: u.steps,
      });
  }
  const defaultStep = plan.steps.find((s) => s.kind === 'set_account_default');
  if (
    !defaultStep &&
    pre.accountDefault !== undefined &&
    reads.accountDefault !== undefined &&
    reads.accountDefault !== pre.accountDefault
  ) {
    out.push({
      object: 'account default',
      planned: pre.accountDefault,
      current: reads.accountDefault,
      steps: pre.setUsers.flatMap((u) => u.steps),
    });
  }
  return out;
}

/** The zones on a set now: of the whole account (scope account), or of the zones planning knew. */
function usersNow(u: Preconditions['setUsers'][number], reads: PlanReads): string[] {
  const on = (ns: ZoneNameservers | undefined): boolean =>
    ns !== undefined && ns.type === 'custom.account' && (ns.set ?? 1) === u.set;
  if (u.scope === 'account' && reads.accountZones) {
    return reads.accountZones.filter((z) => on(reads.zones.get(z.id))).map((z) => z.name);
  }
  return u.zones.filter((z) => reads.zoneIds.get(z.name) === z.id && on(reads.zones.get(z.id))).map((z) => z.name);
}

function zoneMoves(plan: Plan): Map<string, { from?: number; to?: number }> {
  const out = new Map<string, { from?: number; to?: number }>();
  for (const s of plan.steps) {
    if (s.kind !== 'assign_zone') continue;
    const from =
      s.before !== null && 'type' in s.before && s.before.type === 'custom.account'
        ? (valueSet(s.before) ?? 1)
        : undefined;
    out.set(s.target, {
      ...(from !== undefined ? { from } : {}),
      ...(valueSet(s.after) !== undefined ? { to: valueSet(s.after) } : {}),
    });
  }
  return out;
}

function ownNames(plan: Plan, kind: 'create_nameserver' | 'delete_nameserver', set: number): string[] {
  return plan.steps
    .filter((s) => s.kind === kind && valueSet(kind === 'create_nameserver' ? s.after : s.before) === set)
    .map((s) => s.target);
}

export function listNames(names: readonly string[]): string {
  return names.length === 0 ? 'none' : [...names].sort().join(', ');
}

function listIds(ids: string[]): string {
  return ids.length > 3 ? `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more` : ids.join(', ');
}

function zoneIdOf(step: Step): string {
  if (!step.zoneId) {
    throw new AcnsError('plan_invalid', `the plan's step ${step.id} has no zone id`, {
      hint: 'the plan file was edited or is damaged: run `acns plan -o <planfile>` again',
    });
  }
  return step.zoneId;
}

/**
 * A name may have both a delete (old set) and a create (new set) step when it moves between sets:
 * live in the old set → both run; absent → the delete is done; in the new set → both are done.
 */
function nameVerdict(step: Step, steps: Step[], liveSet: number | undefined): Verdict {
  const del = steps.find((s) => s.kind === 'delete_nameserver' && s.target === step.target);
  const create = steps.find((s) => s.kind === 'create_nameserver' && s.target === step.target);
  const oldSet = (del?.before as { set: number } | null)?.set;
  const newSet = (create?.after as { set: number } | null)?.set;
  const current: StepValue = liveSet === undefined ? null : { set: liveSet };

  if (liveSet === undefined) return step.kind === 'delete_nameserver' ? { state: 'done' } : { state: 'run' };
  if (liveSet === newSet) return { state: 'done' };
  if (liveSet === oldSet) return { state: 'run' };
  return { state: 'stale', current };
}

function zoneVerdict(step: Step, current: ZoneNameservers): Verdict {
  const after = step.after as ZoneNameservers;
  const before = step.before as ZoneNameservers;
  if (sameZoneNameservers(current, after)) return { state: 'done' };
  if (before && sameZoneNameservers(current, before)) return { state: 'run' };
  return { state: 'stale', current };
}

function defaultVerdict(step: Step, current: string): Verdict {
  const after = (step.after as { value: string }).value;
  const before = (step.before as { value: string } | null)?.value;
  if (current === after) return { state: 'done' };
  // 'unknown': the plan could not read the default (the legacy endpoints cannot); any value runs.
  if (current === before || before === 'unknown' || before === undefined) return { state: 'run' };
  return { state: 'stale', current: { value: current } };
}
