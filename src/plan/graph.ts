/**
 * The step graph: depends_on edges following the ordering rules, and one stable topological order.
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

/** Cloudflare allows at most this many names in one set. */
export const MAX_NAMES_PER_SET = 5;

/** Adds the ordering edges between the steps in facts.steps (glue checks must already be there). */
export function addEdges(facts: PlanFacts): void {
  const { steps } = facts;
  const glueOf = (set: number): string[] => (steps.has(`glue_check:${set}`) ? [`glue_check:${set}`] : []);
  const createsOf = (set: number): string[] => (facts.creates.get(set) ?? []).map((s) => s.id);

  for (const [set, joining] of facts.zonesJoining) {
    const deps = [...createsOf(set), ...glueOf(set)];
    for (const z of joining) addDeps(z, deps);
  }
  hierarchyEdges(facts);

  const def = facts.defaultStep;
  const defAfter = def && def.after !== null && 'value' in def.after ? def.after.value : undefined;
  const defBefore = def && def.before !== null && 'value' in def.before ? def.before.value : facts.live.accountDefault;
  if (def && defAfter === 'custom.account') {
    addDeps(
      def,
      facts.desired.sets.flatMap((s) => [...createsOf(s.set), ...glueOf(s.set)]),
    );
  }
  const finalDefaultCustom = def ? defAfter === 'custom.account' : defBefore === 'custom.account';
  // Sets usable (≥2 names) once the run is over: where a custom.account default can send new zones.
  const usableAtEnd = [...facts.finalSets].filter(([, names]) => names.length >= 2).map(([set]) => set);

  const chained = capacityChains(facts);
  const movingAway = new Set([...facts.creates.values()].flat().map((c) => c.target));
  for (const [set, allDeletes] of facts.deletes) {
    const live = facts.liveSets.get(set) ?? [];
    const keepers = live.length - allDeletes.length;
    if (keepers >= 2) continue; // the set keeps ≥2 names throughout: deletions are free
    // The first removals that still leave 2 names are free too — names moving to another set first,
    // as their re-creation elsewhere may be what lets zones leave this set. Only the last ones wait.
    const ordered = [...allDeletes].sort(
      (a, b) => Number(movingAway.has(b.target)) - Number(movingAway.has(a.target)) || byTarget(a, b),
    );
    const free = chained.has(set) ? 0 : Math.max(0, live.length - 2);
    const deletes = ordered.slice(free);
    const deps: string[] = (facts.zonesLeaving.get(set) ?? []).map((s) => s.id);
    const zonesUse = (facts.zonesStaying.get(set)?.length ?? 0) > 0 || (facts.zonesJoining.get(set)?.length ?? 0) > 0;
    const defaultUses = live.length >= 2 && (defBefore === 'custom.account' || finalDefaultCustom);
    const usableAfter = (facts.finalSets.get(set)?.length ?? 0) >= 2;
    if ((zonesUse || (defaultUses && usableAfter)) && !chained.has(set)) {
      // grow before shrinking (and check the new names' glue), so users never see <2 names
      deps.push(...createsOf(set), ...glueOf(set));
    }
    if (def && defBefore === 'custom.account' && defAfter !== 'custom.account') deps.push(def.id);
    if (defaultUses && !usableAfter && finalDefaultCustom) {
      // this set goes away while the default stays custom.account: another set must be ready first
      for (const other of usableAtEnd) if (other !== set) deps.push(...createsOf(other), ...glueOf(other));
    }
    for (const d of deletes) addDeps(d, deps);
  }
}

/**
 * A set that would exceed 5 names if every new name came before any removal: removals and
 * additions alternate (remove one, add one, …) so the set stays within 2–5 names throughout;
 * removals left over wait for the last addition. Returns the sets handled this way.
 */
function capacityChains(facts: PlanFacts): Set<number> {
  const out = new Set<number>();
  for (const [set, creates] of facts.creates) {
    const live = facts.liveSets.get(set) ?? [];
    if (live.length + creates.length <= MAX_NAMES_PER_SET) continue;
    const deletes = [...(facts.deletes.get(set) ?? [])].sort(byTarget);
    const adds = [...creates].sort(byTarget);
    let count = live.length;
    let prev: Step | undefined;
    for (const a of adds) {
      if (count >= MAX_NAMES_PER_SET) {
        const r = deletes.shift();
        if (!r) break; // the file itself asks for more than 5 names: validation refuses that
        if (prev) addDeps(r, [prev.id]);
        prev = r;
        count--;
      }
      if (prev) addDeps(a, [prev.id]);
      prev = a;
      count++;
    }
    const glue = facts.steps.has(`glue_check:${set}`) ? [`glue_check:${set}`] : [];
    for (const r of deletes) addDeps(r, [...(prev ? [prev.id] : []), ...glue]);
    out.add(set);
  }
  return out;
}

/**
 * Subdomain and reverse zones never share a set with a zone above or below them, not even for a
 * moment: a zone joining set N waits for any zone of its hierarchy that leaves set N. Two zones
 * swapping sets wait for each other — a cycle, which the plan reports as an ordering guard.
 */
function hierarchyEdges(facts: PlanFacts): void {
  const leavingTo = new Map<string, { from: number; step: Step }>();
  for (const [set, list] of facts.zonesLeaving)
    for (const st of list) leavingTo.set(st.target, { from: set, step: st });
  const joiningTo = new Map<string, { to: number; step: Step }>();
  for (const [set, list] of facts.zonesJoining) for (const st of list) joiningTo.set(st.target, { to: set, step: st });
  if (leavingTo.size === 0 || joiningTo.size === 0) return;
  const link = (a: string, b: string): void => {
    const j = joiningTo.get(a);
    const l = leavingTo.get(b);
    if (j && l && j.to === l.from) addDeps(j.step, [l.step.id]);
  };
  for (const name of new Set([...leavingTo.keys(), ...joiningTo.keys()])) {
    for (let i = name.indexOf('.'); i !== -1; i = name.indexOf('.', i + 1)) {
      const ancestor = name.slice(i + 1);
      link(name, ancestor); // joining a set its ancestor leaves
      link(ancestor, name); // joining a set a descendant leaves
    }
  }
}

function byTarget(a: Step, b: Step): number {
  return a.target < b.target ? -1 : a.target > b.target ? 1 : 0;
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
  const rest = steps
    .map((_, i) => i)
    .filter((i) => !done[i])
    .sort((a, b) => (keys[a] < keys[b] ? -1 : 1));
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
