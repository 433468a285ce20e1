/**
 * What apply checks before the first write of a saved plan, over the AccountApi only: that the plan
 * can be re-checked at all (it records its preconditions), that its guards, glue checks and edges
 * follow from its steps and preconditions by the planner's own rules, that it is safe (or its only
 * guards are overridden), and that nothing it rests on changed since it was made.
 */
import type { AccountApi } from '../cloudflare/api.js';
import type { LiveNameserver } from '../cloudflare/types.js';
import { AcnsError } from '../errors.js';
import { checkDerivation } from '../plan/rederive.js';
import { type Guard, OVERRIDE_FLAG, type OverridableGuard, type Plan } from '../plan/types.js';
import { StalePlanError, checkStaleness } from './stale.js';
import type { StalenessReport } from './types.js';

export interface PreflightOptions {
  /** The plan file's name, for messages. */
  planFile: string;
  /** Guards the reviewer allows on purpose (`--allow-mass-change` → mass_change). */
  allow?: OverridableGuard[];
  /** Receives the nameservers the staleness check read (see StalenessOptions). */
  onNameservers?: (names: LiveNameserver[]) => void;
}

/** Checks in order; throws the AcnsError of the first refusal (exit 3), else returns what is already done. */
export async function preflightSavedPlan(
  plan: Plan,
  api: AccountApi,
  opts: PreflightOptions,
): Promise<StalenessReport> {
  refuseWithoutPreconditions(plan, opts.planFile);
  refuseUnderived(plan, opts.planFile);
  refuseUnsafe(plan, opts);
  const staleness = await checkStaleness(plan, api, opts.onNameservers ? { onNameservers: opts.onNameservers } : {});
  if (staleness.stale.length) throw new StalePlanError(staleness.stale);
  return staleness;
}

/** A plan without preconditions cannot be re-checked: it was written by an acns that did not record them. */
export function refuseWithoutPreconditions(plan: Plan, planFile: string): void {
  if (plan.preconditions || plan.steps.length === 0) return;
  throw new AcnsError(
    'plan_unverifiable',
    `${planFile} does not record the facts its safety rests on (it was written by an older acns), so apply cannot ` +
      're-check them; nothing was changed',
    { exitCode: 3, hint: `run \`acns plan -o ${planFile}\` again with this acns, review it, and apply the new plan` },
  );
}

/** Guards, glue checks and edges must follow from the steps and preconditions by the planner's rules. */
function refuseUnderived(plan: Plan, planFile: string): void {
  if (!plan.preconditions) return;
  const problems = checkDerivation(plan, plan.preconditions);
  if (problems.length === 0) return;
  const shown = problems.slice(0, 10).map((p) => `  - ${p.message}`);
  if (problems.length > 10) shown.push(`  - …and ${problems.length - 10} more`);
  throw new AcnsError(
    'plan_inconsistent',
    `${planFile} does not follow from its own steps by acns's ordering and safety rules; nothing was changed:\n` +
      shown.join('\n'),
    {
      exitCode: 3,
      hint:
        'a plan file must be exactly what `acns plan` wrote — its seal shows it was not edited afterwards, not who ' +
        `wrote it: run \`acns plan -o ${planFile}\` again and review the new plan`,
    },
  );
}

export function refuseUnsafe(plan: Plan, opts: { allow?: OverridableGuard[] }): void {
  const blocking = plan.guards.filter((g) => !(g.override && opts.allow?.includes(g.override)));
  if (!blocking.length) return;
  const override = (g: Guard): string => (g.override ? ` (override: ${OVERRIDE_FLAG[g.override]})` : '');
  const lines = blocking.map((g) => `  - ${g.message}${override(g)}`).join('\n');
  throw new AcnsError('plan_unsafe', `refusing to apply an unsafe plan; nothing was changed:\n${lines}`, {
    exitCode: 3,
    hint: blocking.some((g) => g.override)
      ? 'review the plan; if the change is intended, run apply again with the override named above'
      : 'fix the file or the account as described, then run acns plan again',
  });
}
