/**
 * Desired vs live → the plan's steps, without ordering. Each step gets its before/after, the reason
 * it exists, the `file:line` that asks for it and its class (config or drift). The facts returned
 * beside the steps (which names each set has live and after the run, which zones leave or join it)
 * are what graph.ts turns into depends_on edges and guards.ts checks.
 */
import equal from 'fast-deep-equal';
import { formatPos, type DesiredName, type DesiredState, type DesiredZone } from '../config/types.js';
import type { LiveState, LiveZone } from '../state/types.js';
import type { LiveNameserver, ZoneNameservers } from '../cloudflare/types.js';
import { describeZoneNs, listShort } from './describe.js';
import { sameZoneNameservers } from '../cloudflare/types.js';
import type { HeldDeletion, PlanOptions, Step } from './types.js';

export interface PlanFacts {
  desired: DesiredState;
  live: LiveState;
  /** Steps by id, in creation order (not yet execution order). */
  steps: Map<string, Step>;
  liveSets: Map<number, LiveNameserver[]>;
  /** Names each set will hold once the run is over (file names, plus undeclared live names when prune is off). */
  finalSets: Map<number, string[]>;
  creates: Map<number, Step[]>;
  deletes: Map<number, Step[]>;
  /** assign_zone steps moving a zone off a live set / onto a set. */
  zonesLeaving: Map<number, Step[]>;
  zonesJoining: Map<number, Step[]>;
  /** Zones the run knows that sit on the set live and stay there (file zones left as they are, other zones). */
  zonesStaying: Map<number, string[]>;
  defaultStep?: Step;
  /** Live names the file does not list, not deleted (prune off). */
  unmanagedNames: LiveNameserver[];
  /** Deletions the file asks for that this run leaves out (the names stay in their live set). */
  held: HeldDeletion[];
}

/** The value a zone target asks for, as a ZoneNameservers (null for `advanced`: left as it is). */
export function zoneTargetValue(z: DesiredZone): ZoneNameservers | null {
  if (z.target.type === 'custom') return { type: 'custom.account', set: z.target.set };
  if (z.target.type === 'standard') return { type: 'cloudflare.standard' };
  return null;
}

export function diffStates(desired: DesiredState, live: LiveState, options: PlanOptions): PlanFacts {
  const facts: PlanFacts = {
    desired,
    live,
    steps: new Map(),
    liveSets: new Map(),
    finalSets: new Map(),
    creates: new Map(),
    deletes: new Map(),
    zonesLeaving: new Map(),
    zonesJoining: new Map(),
    zonesStaying: new Map(),
    unmanagedNames: [],
    held: [],
  };
  const classify = classifier(options.baseline);
  diffNames(facts, classify);
  diffZones(facts, classify);
  diffDefault(facts, classify);
  holdDeletions(facts, options.hold ?? []);
  return facts;
}

/**
 * A name leaves its set only once nothing can still send resolvers to it: never in the run that
 * moves zones off its set (their parents and the caches of their apex NS still name it), and not
 * while DNS says a parent lists it or caches may hold it (`hold`, read by the caller). A held
 * name stays in its live set; a name moving to another set is not re-created there either.
 */
function holdDeletions(facts: PlanFacts, hold: HeldDeletion[]): void {
  const byName = new Map(hold.map((h) => [h.name, h]));
  for (const [set, dels] of [...facts.deletes].sort((a, b) => a[0] - b[0])) {
    const leaving = (facts.zonesLeaving.get(set) ?? []).map((s) => s.target).sort();
    const sorted = [...dels].sort((a, b) => (a.target < b.target ? -1 : 1));
    const unheld = sorted.filter((d) => !byName.has(d.target)).map((d) => d.target);
    const sameRun =
      `deleting ${listShort(unheld)} (set ${set}) is held: zones leave set ${set} in this run ` +
      `(${listShort(leaving)}), and their parents and resolvers' caches still send queries to its names — ` +
      "apply, move the zones' NS at their registrars, then plan again: the deletion comes once no parent " +
      'lists the names and the caches have expired';
    for (const del of sorted) {
      let h = byName.get(del.target);
      if (!h && leaving.length > 0) h = { name: del.target, set, cause: 'same_run', message: sameRun };
      if (!h) continue;
      facts.held.push({ ...h, set });
      drop(facts, del, facts.deletes);
      const create = facts.steps.get(`create_nameserver:${del.target}`);
      if (create) {
        drop(facts, create, facts.creates);
        const to = (create.after as { set: number }).set;
        const final = facts.finalSets.get(to);
        if (final)
          facts.finalSets.set(
            to,
            final.filter((n) => n !== del.target),
          );
      }
      const kept = facts.finalSets.get(set) ?? [];
      if (!kept.includes(del.target)) facts.finalSets.set(set, [...kept, del.target]);
    }
  }
}

function drop(facts: PlanFacts, step: Step, bySet: Map<number, Step[]>): void {
  facts.steps.delete(step.id);
  for (const [set, list] of bySet) {
    const rest = list.filter((s) => s !== step);
    if (rest.length === 0) bySet.delete(set);
    else if (rest.length !== list.length) bySet.set(set, rest);
  }
}

type Classify = (key: string, desired: unknown, reason: string) => { class: Step['class']; reason: string };

function classifier(baseline: Record<string, unknown> | undefined): Classify {
  return (key, desiredValue, reason) => {
    // Drift only for objects acns itself set before: without a record of it, the change is the file's.
    if (!baseline || !Object.hasOwn(baseline, key)) return { class: 'config', reason };
    const last = baseline[key] ?? null;
    const same =
      equal(last, desiredValue) || (typeof last === 'string' && isValue(desiredValue) && desiredValue.value === last);
    return same
      ? { class: 'drift', reason: `${reason} — live changed since the last apply` }
      : { class: 'config', reason };
  };
}

function isValue(v: unknown): v is { value: string } {
  return typeof v === 'object' && v !== null && typeof (v as { value?: unknown }).value === 'string';
}

function diffNames(facts: PlanFacts, classify: Classify): void {
  const { desired, live } = facts;
  const file = desired.file;
  const wanted = new Map<string, DesiredName>();
  for (const s of desired.sets) {
    facts.finalSets.set(
      s.set,
      s.names.map((n) => n.name),
    );
    for (const n of s.names) wanted.set(n.name, n);
  }
  const liveByName = new Map<string, LiveNameserver>();
  for (const ns of live.nameservers) {
    liveByName.set(ns.name, ns);
    push(facts.liveSets, ns.set, ns);
  }
  for (const ns of live.nameservers) {
    const w = wanted.get(ns.name);
    if (w && w.set === ns.set) continue;
    if (!w && !desired.policy.prune) {
      facts.unmanagedNames.push(ns);
      push(facts.finalSets, ns.set, ns.name);
      continue;
    }
    const base = w
      ? `${ns.name} is in set ${ns.set} live but set ${w.set} in ${formatPos(w.pos)}: a name cannot change set, so ` +
        `it is deleted, then re-created`
      : `${ns.name} exists live in set ${ns.set} but is not in ${file}, and policy.prune is on`;
    const c = classify(`ns:${ns.name}`, w ? { set: w.set } : null, base);
    addStep(facts, {
      id: `delete_nameserver:${ns.name}`,
      kind: 'delete_nameserver',
      target: ns.name,
      before: { set: ns.set },
      after: null,
      reasonCode: w ? 'name_moves_set' : 'name_pruned',
      reason: c.reason,
      ...(w ? { source: formatPos(w.pos) } : {}),
      class: c.class,
      dependsOn: [],
    });
    push(facts.deletes, ns.set, facts.steps.get(`delete_nameserver:${ns.name}`)!);
  }
  for (const s of desired.sets) {
    for (const n of s.names) {
      const l = liveByName.get(n.name);
      if (l && l.set === n.set) continue;
      const base = l
        ? `${n.name} moves to set ${n.set} (${formatPos(n.pos)}) from set ${l.set}: re-created after its deletion`
        : `${n.name} is listed in set ${n.set} at ${formatPos(n.pos)} but does not exist live`;
      const c = classify(`ns:${n.name}`, { set: n.set }, base);
      const step: Step = {
        id: `create_nameserver:${n.name}`,
        kind: 'create_nameserver',
        target: n.name,
        before: null,
        after: { set: n.set },
        reasonCode: l ? 'name_moves_set' : 'name_missing',
        reason: c.reason,
        source: formatPos(n.pos),
        class: c.class,
        dependsOn: l ? [`delete_nameserver:${n.name}`] : [],
      };
      addStep(facts, step);
      push(facts.creates, n.set, step);
    }
  }
}

function diffZones(facts: PlanFacts, classify: Classify): void {
  const { desired, live } = facts;
  const liveZones = new Map<string, LiveZone>();
  for (const z of live.zones) liveZones.set(z.name, z);
  for (const z of desired.zones) {
    const lz = liveZones.get(z.name);
    if (!lz) continue; // missing from the account: a guard, not a step
    const want = zoneTargetValue(z);
    const liveSet = lz.nameservers.type === 'custom.account' ? lz.nameservers.set : undefined;
    if (want === null || sameZoneNameservers(want, lz.nameservers)) {
      if (liveSet !== undefined) push(facts.zonesStaying, liveSet, z.name);
      continue;
    }
    const base =
      `zone ${z.name} uses ${describeZoneNs(want)} in ${formatPos(z.pos)} ` +
      `but ${describeZoneNs(lz.nameservers)} live`;
    const c = classify(`zone:${z.name}`, want, base);
    const step: Step = {
      id: `assign_zone:${z.name}`,
      kind: 'assign_zone',
      target: z.name,
      zoneId: lz.id,
      before: { ...lz.nameservers },
      after: want,
      reasonCode: 'zone_setting_differs',
      reason: c.reason,
      source: formatPos(z.pos),
      class: c.class,
      dependsOn: [],
    };
    addStep(facts, step);
    if (liveSet !== undefined) push(facts.zonesLeaving, liveSet, step);
    if (want.set !== undefined) push(facts.zonesJoining, want.set, step);
  }
  for (const z of live.otherZones ?? []) {
    if (z.nameservers.type === 'custom.account' && z.nameservers.set !== undefined)
      push(facts.zonesStaying, z.nameservers.set, z.name);
  }
}

function diffDefault(facts: PlanFacts, classify: Classify): void {
  const want = facts.desired.accountDefault;
  if (!want) return;
  const liveValue = facts.live.accountDefault ?? 'unknown';
  if (liveValue === want.value) return;
  const base = `account_default is ${want.value} in ${formatPos(want.pos)} but ${liveValue} live`;
  const c = classify('default', { value: want.value }, base);
  const step: Step = {
    id: 'set_account_default',
    kind: 'set_account_default',
    target: 'account default',
    before: { value: liveValue },
    after: { value: want.value },
    reasonCode: 'default_differs',
    reason: c.reason,
    source: formatPos(want.pos),
    class: c.class,
    dependsOn: [],
  };
  addStep(facts, step);
  facts.defaultStep = step;
}

function addStep(facts: PlanFacts, step: Step): void {
  facts.steps.set(step.id, step);
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
