import type { Plan, Step } from '../../src/plan/types.js';

export const ids = (p: Plan): string[] => p.steps.map((s) => s.id);
export const step = (p: Plan, id: string): Step => {
  const s = p.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id} in ${ids(p).join(', ')}`);
  return s;
};
/** Does `later` (transitively) depend on `earlier`? Also checks the execution order agrees. */
export function waitsFor(p: Plan, later: string, earlier: string): boolean {
  const byId = new Map(p.steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const stack = [...(byId.get(later)?.dependsOn ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === earlier) return ids(p).indexOf(earlier) < ids(p).indexOf(later);
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(byId.get(id)?.dependsOn ?? []));
  }
  return false;
}
export const guardKinds = (p: Plan): string[] => p.guards.map((g) => g.id);
