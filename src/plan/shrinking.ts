/**
 * Sets whose deletions alone would leave fewer than 2 names — at the end, or for a moment when the
 * replacement names are not created first. Before such a plan can be called safe, every zone of
 * the account that might use those sets must be known (state/set-users.ts), not only the zones the
 * file manages: only then does the planner order the removals after the additions, or guard them.
 */
import type { LiveNameserver } from '../cloudflare/types.js';
import { valueSet } from './describe.js';
import type { Plan } from './types.js';

export function setsShrunkBelowTwo(plan: Pick<Plan, 'steps'>, live: LiveNameserver[]): number[] {
  const names = new Map<number, Set<string>>();
  const get = (s: number) => names.get(s) ?? names.set(s, new Set()).get(s)!;
  for (const n of live) get(n.set).add(n.name);
  const touched = new Set<number>();
  for (const s of plan.steps) {
    const set = valueSet(s.before);
    if (s.kind === 'delete_nameserver' && set !== undefined) {
      get(set).delete(s.target);
      touched.add(set);
    }
  }
  // additions are not counted: an order that runs every removal first must be safe too
  return [...touched].filter((set) => get(set).size < 2).sort((a, b) => a - b);
}
