/**
 * Re-deriving a plan's safety from its steps and preconditions with the planner's own functions
 * (glue checks, edges, ordering, guards), so apply never trusts what a plan file says about its
 * own safety: a sealed digest proves the file was not edited after `acns plan`, not that
 * `acns plan` wrote it. The facts come from the plan's preconditions, which apply has compared
 * with the live account first; the result is compared with what the plan records.
 */
import type { DesiredName, DesiredState } from '../config/types.js';
import type { LiveNameserver } from '../cloudflare/types.js';
import type { LiveState, LiveZone } from '../state/types.js';
import type { PlanFacts } from './diff.js';
import { valueSet } from './describe.js';
import { addGlueChecks } from './glue.js';
import { addEdges, orderSteps } from './graph.js';
import { findGuards } from './guards.js';
import { setsShrunkBelowTwo } from './shrinking.js';
import type { Plan, Preconditions, Step } from './types.js';
import { compareText } from '../order.js';

export interface Derivation {
  /** depends_on of every step the rules produce (glue checks included), as sorted ids. */
  edges: Map<string, string[]>;
  /** Ids of the glue checks the rules require. */
  glueChecks: string[];
  /** Ids of the guards the rules produce from these facts. */
  guards: string[];
  /** Steps that cannot be ordered. */
  cycle: string[];
}

/** One disagreement between the plan file and the rules. */
export interface DerivationProblem {
  step?: string;
  message: string;
}

export function rederive(plan: Plan, pre: Preconditions): Derivation {
  const facts = factsFromPlan(plan, pre);
  addGlueChecks(facts);
  addEdges(facts);
  const { steps, cycle } = orderSteps([...facts.steps.values()]);
  const guards = findGuards({ facts, steps, cycle });
  return {
    edges: new Map(steps.map((s) => [s.id, [...s.dependsOn].sort()])),
    glueChecks: steps.filter((s) => s.kind === 'glue_check').map((s) => s.id),
    guards: guards.map((g) => g.id),
    cycle,
  };
}

/**
 * Where the plan disagrees with what its steps and preconditions imply: a missing guard, glue
 * check or edge (an extra guard only makes the plan stricter and is refused as unsafe anyway).
 */
export function checkDerivation(plan: Plan, pre: Preconditions): DerivationProblem[] {
  const problems: DerivationProblem[] = [];
  const d = rederive(plan, pre);
  const recordedGuards = new Set(plan.guards.map((g) => g.id));
  for (const g of d.guards) {
    if (!recordedGuards.has(g))
      problems.push({ message: `the rules give the guard ${g}, which the plan does not list` });
  }
  const present = new Set(plan.steps.map((s) => s.id));
  for (const id of d.glueChecks) {
    if (present.has(id)) continue;
    // --zone keeps only the checks its zones wait for; those waits are compared below
    const needed = !plan.zoneFilter || plan.steps.some((s) => d.edges.get(s.id)?.includes(id));
    if (needed)
      problems.push({ step: id, message: `the plan lacks ${id}, which policy.glue_check ${plan.gluePolicy} requires` });
  }
  for (const s of plan.steps) {
    const want = d.edges.get(s.id);
    if (!want) {
      if (s.kind === 'glue_check') continue; // a check the rules do not ask for only adds a wait
      problems.push({ step: s.id, message: `the rules do not produce the step ${s.id}` });
      continue;
    }
    const have = [...new Set(s.dependsOn)].sort();
    // --zone keeps waits the whole plan needed (a set's additions chained with removals it leaves
    // out): there, only a missing wait disagrees — an extra one can only delay a step
    const differs = plan.zoneFilter ? want.some((d) => !have.includes(d)) : have.join('\n') !== want.join('\n');
    if (differs) {
      problems.push({
        step: s.id,
        message: `${s.id} waits for [${have.join(', ')}] in the plan, but the ordering rules give [${want.join(', ')}]`,
      });
    }
  }
  const fullyRead = new Set(pre.setUsers.filter((u) => u.scope === 'account').map((u) => u.set));
  for (const set of setsShrunkBelowTwo(plan, liveNames(pre))) {
    if (!fullyRead.has(set))
      problems.push({
        message: `set ${set} drops below 2 names, but the plan did not read every zone that may use it`,
      });
  }
  const withUsers = new Set(pre.setUsers.map((u) => u.set));
  for (const s of plan.steps) {
    const set = valueSet(s.before);
    if (s.kind === 'delete_nameserver' && set !== undefined && !withUsers.has(set))
      problems.push({
        step: s.id,
        message: `${s.id} takes a name from set ${set}, whose users the plan does not record`,
      });
  }
  return problems;
}

/** The planner's facts as far as the plan file carries them: enough for glue checks, edges and guards. */
function factsFromPlan(plan: Plan, pre: Preconditions): PlanFacts {
  const nameservers = liveNames(pre);
  const steps = new Map<string, Step>();
  for (const s of plan.steps) {
    if (s.kind === 'glue_check') continue;
    // the only edge the diff itself makes: a name moving between sets is re-created after its deletion
    const moved = s.kind === 'create_nameserver' && plan.steps.some((o) => o.id === `delete_nameserver:${s.target}`);
    steps.set(s.id, { ...s, dependsOn: moved ? [`delete_nameserver:${s.target}`] : [] });
  }
  const liveSets = new Map<number, LiveNameserver[]>();
  for (const n of nameservers) push(liveSets, n.set, n);
  const creates = new Map<number, Step[]>();
  const deletes = new Map<number, Step[]>();
  const zonesLeaving = new Map<number, Step[]>();
  const zonesJoining = new Map<number, Step[]>();
  let defaultStep: Step | undefined;
  for (const s of steps.values()) {
    if (s.kind === 'create_nameserver') push(creates, valueSet(s.after)!, s);
    else if (s.kind === 'delete_nameserver') push(deletes, valueSet(s.before)!, s);
    else if (s.kind === 'assign_zone') {
      const from = s.before !== null && 'type' in s.before && s.before.type === 'custom.account';
      if (from) push(zonesLeaving, valueSet(s.before) ?? 1, s);
      const to = valueSet(s.after);
      if (to !== undefined) push(zonesJoining, to, s);
    } else if (s.kind === 'set_account_default') defaultStep = s;
  }
  const finalSets = new Map<number, string[]>();
  const sets = new Set([...liveSets.keys(), ...creates.keys(), ...pre.declaredSets]);
  for (const set of sets) {
    const gone = new Set((deletes.get(set) ?? []).map((s) => s.target));
    const names = (liveSets.get(set) ?? []).map((n) => n.name).filter((n) => !gone.has(n));
    for (const c of creates.get(set) ?? []) names.push(c.target);
    if (names.length > 0 || pre.declaredSets.includes(set)) finalSets.set(set, names);
  }
  const assigned = new Set([...steps.values()].filter((s) => s.kind === 'assign_zone').map((s) => s.target));
  const zonesStaying = new Map<number, string[]>();
  const fileZones: DesiredState['zones'] = [];
  const pos = { file: plan.configFile, line: 0, col: 0 };
  for (const u of pre.setUsers) {
    for (const z of u.zones) {
      if (!assigned.has(z.name)) push(zonesStaying, u.set, z.name);
      if (z.inFile && !assigned.has(z.name))
        fileZones.push({ name: z.name, target: { type: 'custom', set: u.set }, pos });
    }
  }
  for (const s of steps.values()) {
    if (s.kind !== 'assign_zone') continue;
    const to = valueSet(s.after);
    fileZones.push({
      name: s.target,
      target: to !== undefined ? { type: 'custom', set: to } : { type: 'standard' },
      pos,
    });
  }
  const desired: DesiredState = {
    file: plan.configFile,
    digest: plan.configDigest,
    version: 1,
    accountId: plan.accountId,
    sets: pre.declaredSets.map((set) => ({
      set,
      names: (finalSets.get(set) ?? []).map((name): DesiredName => ({ name, set, pos })),
      registrar: 'external',
      pos,
    })),
    zones: fileZones.sort((a, b) => compareText(a.name, b.name)),
    policy: { prune: false, glueCheck: plan.gluePolicy, maxZoneChanges: pre.maxZoneChanges },
    cloudflare: {
      endpoints: plan.endpoints,
      requestsPerWindow: 1,
      windowSeconds: 1,
      requestsPerSecond: 1,
      concurrency: 1,
    },
    dns: { rootServers: [], parentServers: [], port: 53 },
  };
  const live: LiveState = {
    accountId: plan.accountId,
    nameservers,
    zones: [] as LiveZone[],
    missingZones: [],
    ...(pre.accountDefault !== undefined ? { accountDefault: pre.accountDefault } : {}),
  };
  return {
    desired,
    live,
    steps,
    liveSets,
    finalSets,
    creates,
    deletes,
    zonesLeaving,
    zonesJoining,
    zonesStaying,
    ...(defaultStep ? { defaultStep } : {}),
    unmanagedNames: [],
    held: [],
  };
}

function liveNames(pre: Preconditions): LiveNameserver[] {
  return pre.nameservers.flatMap((s) => s.names.map((name) => ({ name, set: s.set })));
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
