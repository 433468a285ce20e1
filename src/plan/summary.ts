/** Plan counts: what the last line of every rendering says. */
import type { Plan, Step } from './types.js';

export function summarize(steps: readonly Step[]): Plan['summary'] {
  const summary = { create: 0, change: 0, delete: 0, checks: 0 };
  for (const s of steps) {
    if (s.kind === 'create_nameserver') summary.create++;
    else if (s.kind === 'delete_nameserver') summary.delete++;
    else if (s.kind === 'glue_check') summary.checks++;
    else summary.change++;
  }
  return summary;
}

/** True when the plan has nothing to do (guards aside). */
export function isEmptyPlan(plan: Pick<Plan, 'steps'>): boolean {
  return plan.steps.length === 0;
}
