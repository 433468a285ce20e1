/**
 * Staleness: before writing anything, re-read only the objects the plan touches and compare each
 * with the step's `before` (run it) and `after` (already done). Anything else means someone changed
 * the account between plan and apply: the plan is stale and apply refuses (exit 3, no writes).
 */
import pLimit from 'p-limit';
import type { AccountApi } from '../cloudflare/api.js';
import { AcnsError } from '../errors.js';
import type { Plan, Step, StepKind, StepValue } from '../plan/types.js';
import { describeTarget, describeValue } from '../plan/describe.js';
import { type LiveNameserver, sameZoneNameservers, type ZoneNameservers } from '../cloudflare/types.js';
import type { StaleObject, StalenessReport } from './types.js';

/** Thrown by the CLI when checkStaleness found stale objects: exit 3, nothing written. */
export class StalePlanError extends AcnsError {
  readonly stale: StaleObject[];
  constructor(stale: StaleObject[]) {
    super('plan_stale', describeStale(stale), {
      exitCode: 3,
      hint: 'nothing was changed: run `acns plan -o <planfile>` again, review it, and apply the new plan',
    });
    this.name = 'StalePlanError';
    this.stale = stale;
  }
}

export interface StalenessOptions {
  /** Zone reads in flight at once (the client bounds requests too). Default 8. */
  concurrency?: number;
}

/**
 * Re-reads what the plan touches: one listNameservers() when a nameserver step exists, one
 * getZoneNameservers() per assign_zone step (concurrently), getAccountDefault() for a default step.
 * glue_check steps are never stale; one is done when every step it gates is done (a check exists to
 * hold switches back, and there is none left to hold). API errors propagate (the caller reports them, exit 1).
 */
export async function checkStaleness(
  plan: Plan,
  api: AccountApi,
  opts: StalenessOptions = {},
): Promise<StalenessReport> {
  const steps = plan.steps;
  const needNames = steps.some((s) => s.kind === 'create_nameserver' || s.kind === 'delete_nameserver');
  const zoneSteps = steps.filter((s) => s.kind === 'assign_zone');
  const needDefault = steps.some((s) => s.kind === 'set_account_default');
  const limit = pLimit(Math.max(1, opts.concurrency ?? 8));

  const [names, zones, accountDefault] = await Promise.all([
    needNames ? api.listNameservers() : Promise.resolve([] as LiveNameserver[]),
    Promise.all(zoneSteps.map((s) => limit(() => api.getZoneNameservers(zoneIdOf(s))))),
    needDefault ? api.getAccountDefault() : Promise.resolve(undefined),
  ]);

  const live = new Map(names.map((n) => [n.name, n.set]));
  const zoneLive = new Map(zoneSteps.map((s, i) => [s.id, zones[i]]));
  const stale: StaleObject[] = [];
  const alreadyDone: string[] = [];

  for (const step of steps) {
    let verdict: Verdict;
    switch (step.kind) {
      case 'glue_check':
        continue;
      case 'create_nameserver':
      case 'delete_nameserver':
        verdict = nameVerdict(step, steps, live.get(step.target));
        break;
      case 'assign_zone':
        verdict = zoneVerdict(step, zoneLive.get(step.id) as ZoneNameservers);
        break;
      case 'set_account_default':
        verdict = defaultVerdict(step, accountDefault as string);
        break;
    }
    if (verdict.state === 'done') alreadyDone.push(step.id);
    else if (verdict.state === 'stale')
      stale.push({ stepId: step.id, target: step.target, planned: step.before, current: verdict.current });
  }
  for (const check of steps.filter((s) => s.kind === 'glue_check')) {
    const gated = steps.filter((s) => s.dependsOn.includes(check.id));
    if (gated.length > 0 && gated.every((s) => alreadyDone.includes(s.id))) alreadyDone.push(check.id);
  }
  return { stale, alreadyDone };
}

/** The stale report: each changed object with its plan-time and its current value (StalePlanError's message). */
export function describeStale(stale: StaleObject[]): string {
  const n = stale.length;
  const lines = [`the plan is stale — ${n} ${n === 1 ? 'object' : 'objects'} changed since it was made:`];
  for (const s of stale) {
    const kind = s.stepId.split(':')[0] as StepKind;
    lines.push(
      `  ${describeTarget(kind, s.target)}: was ${describeValue(s.planned)} when planned, ` +
        `now ${describeValue(s.current)}`,
    );
  }
  return lines.join('\n');
}

type Verdict = { state: 'run' } | { state: 'done' } | { state: 'stale'; current: StepValue };

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
