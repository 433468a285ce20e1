/**
 * The step graph: depends_on edges following SPEC §4, and one stable topological order.
 * Ready steps come out by kind (create, check, assign, default, delete) then by target, so the
 * common path reads like the seed: create names → glue check → zones → default → deletions.
 */
import type { PlanFacts } from './diff.js';
import type { Step, StepKind } from './types.js';

export interface Ordering {
  steps: Step[]; // execution order; steps caught in a cycle come last
  /** Ids of steps that could not be ordered (a dependency cycle), sorted. */
  cycle: string[];
}

/** Adds the ordering edges between the steps in facts.steps (glue checks must already be there). */
export function addEdges(facts: PlanFacts): void {
  const { steps } = facts;
  const glueOf = (set: number): string[] => (steps.has(`glue_check:${set}`) ? [`glue_check:${set}`] : []);
  const createsOf = (set: number): string[] => (facts.creates.get(set) ?? []).map((s) => s.id);

  for (const [set, joining] of facts.zonesJoining) {
    const deps = [...createsOf(set), ...glueOf(set)];
    for (const z of joining) addDeps(z, deps);
  }

  const def = facts.defaultStep;
  const defAfter = def && def.after !== null && 'value' in def.after ? def.after.value : undefined;
  const defBefore = def && def.before !== null && 'value' in def.before ? def.before.value : undefined;
  if (def && defAfter === 'custom.account') {
    addDeps(def, facts.desired.sets.flatMap((s) => [...createsOf(s.set), ...glueOf(s.set)]));
  }

  for (const [set, deletes] of facts.deletes) {
    const live = facts.liveSets.get(set) ?? [];
    const keepers = live.length - deletes.length;
    if (keepers >= 2) continue; // the set keeps ≥2 names throughout: deletions are free
    const deps: string[] = (facts.zonesLeaving.get(set) ?? []).map((s) => s.id);
    const stillUsed = (facts.zonesStaying.get(set)?.length ?? 0) > 0 || (facts.zonesJoining.get(set)?.length ?? 0) > 0;
    if (stillUsed) deps.push(...createsOf(set)); // grow before shrinking, so zones on it never see <2 names
    if (def && defBefore === 'custom.account' && defAfter !== 'custom.account') deps.push(def.id);
    for (const d of deletes) addDeps(d, deps);
  }
}

/** Kahn's algorithm with a priority queue: deterministic, O(n log n). dependsOn are re-sorted by position. */
export function orderSteps(all: Iterable<Step>): Ordering {
  const steps = [...all];
  const index = new Map<string, number>();
  steps.forEach((s, i) => index.set(s.id, i));
  const indegree = new Int32Array(steps.length);
  const dependents: number[][] = steps.map(() => []);
  steps.forEach((s, i) => {
    for (const d of s.dependsOn) {
      const j = index.get(d);
      if (j === undefined) continue;
      indegree[i]++;
      dependents[j].push(i);
    }
  });
  const keys = steps.map((s) => `${RANK[s.kind]}\u0000${sortKey(s)}`);
  const heap = new Heap((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  steps.forEach((_, i) => indegree[i] === 0 && heap.push(i));
  const out: Step[] = [];
  const done = new Uint8Array(steps.length);
  while (heap.size > 0) {
    const i = heap.pop();
    done[i] = 1;
    out.push(steps[i]);
    for (const j of dependents[i]) if (--indegree[j] === 0) heap.push(j);
  }
  const rest = steps.map((_, i) => i).filter((i) => !done[i]).sort((a, b) => (keys[a] < keys[b] ? -1 : 1));
  for (const i of rest) out.push(steps[i]);
  const position = new Map<string, number>();
  out.forEach((s, i) => position.set(s.id, i));
  for (const s of out) {
    const seen = [...new Set(s.dependsOn)].filter((d) => position.has(d));
    s.dependsOn = seen.sort((a, b) => position.get(a)! - position.get(b)!);
  }
  return { steps: out, cycle: rest.map((i) => steps[i].id).sort() };
}

const RANK: Record<StepKind, number> = {
  create_nameserver: 0,
  glue_check: 1,
  assign_zone: 2,
  set_account_default: 3,
  delete_nameserver: 4,
};

function sortKey(s: Step): string {
  if (s.kind === 'glue_check' && s.after !== null && 'set' in s.after) return String(s.after.set).padStart(3, '0');
  return s.target;
}

function addDeps(step: Step, deps: string[]): void {
  for (const d of deps) if (d !== step.id) step.dependsOn.push(d);
}

/** A minimal binary heap of step indices. */
class Heap {
  private readonly a: number[] = [];
  constructor(private readonly cmp: (x: number, y: number) => number) {}
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.cmp(a[i], a[p]) >= 0) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.cmp(a[l], a[m]) < 0) m = l;
        if (r < a.length && this.cmp(a[r], a[m]) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}
