/**
 * Property: for random (seeded) live accounts and valid desired files, every execution order of a
 * safe plan that respects depends_on keeps Cloudflare's rules at every moment
 * (docs/ordering.md) and ends in the desired state. Deterministic: a fixed seed, N cases, a few
 * random topological orders per case.
 */
import { buildPlan } from '../../src/plan/build.js';
import { checkDerivation } from '../../src/plan/rederive.js';
import { setsShrunkBelowTwo } from '../../src/plan/shrinking.js';
import type { DesiredState } from '../../src/config/types.js';
import type { LiveState } from '../../src/state/types.js';
import type { ZoneNameservers } from '../../src/cloudflare/types.js';
import type { Plan, Step } from '../../src/plan/types.js';
import {
  type Case,
  type Model,
  cliStates,
  finalState,
  genCase,
  initialModel,
  invariants,
  pick,
  states,
} from './generators.js';
import { mulberry32 } from '../support/prng.js';

// ACNS_PROPERTY_SEED / ACNS_PROPERTY_CASES explore further (locally); CI runs the fixed seed.
const SEED = Number(process.env.ACNS_PROPERTY_SEED ?? 0x5eed_ac75);
const CASES = Number(process.env.ACNS_PROPERTY_CASES ?? 400);
const ORDERS = 5;

describe('buildPlan ordering property', () => {
  test(`${CASES} seeded cases × ${ORDERS} random orders keep every rule at every moment, end as desired`, () => {
    const { failures, cov } = run(SEED, (c) => {
      const { d, l } = states(c);
      return { d, plan: buildPlan(d, l) };
    });
    expect(failures).toEqual([]);
    // The generator must be meaningful: many cases are safe and every kind of change happens often.
    // (A name moving between sets while zones leave its old set is held for a later run, so the set
    // it moves to is often too small in this one: fewer cases are safe than before that rule.)
    expect(cov.safe).toBeGreaterThanOrEqual(CASES * 0.45);
    for (const k of [
      'deletes',
      'creates',
      'moves',
      'zoneMoves',
      'customToCustom',
      'defaultChanges',
      'toCustomDefault',
      'glue',
      'prune',
    ] as const) {
      expect({ [k]: cov[k] >= cov.safe * 0.1 }).toEqual({ [k]: true });
    }
    expect(cov.chains).toBeGreaterThan(0);
  });

  test('the same property when the live state is read as the CLI reads it', () => {
    // as the CLI reads it: the default and unrelated zones are known only when a set shrinks below 2
    const { failures, cov } = run(SEED + 1, (c) => {
      const { d, l } = cliStates(c);
      let plan = buildPlan(d, l);
      // what src/cli/planning.ts does: a set that deletions alone would leave below 2 names makes it
      // read every zone of the account and the default (state/set-users.ts), then plan again
      if (setsShrunkBelowTwo(plan, l.nameservers).length > 0) plan = buildPlan(d, states(c).l);
      return { d, plan };
    });
    expect(failures).toEqual([]);
    expect(cov.safe).toBeGreaterThanOrEqual(CASES * 0.45);
  });
});

describe('buildPlan ordering property with --zone', () => {
  test(`${CASES} seeded cases restricted to random zones: no crash, re-derivable, safe plans keep every rule`, () => {
    const rng = mulberry32(SEED + 2);
    const failures: string[] = [];
    let safe = 0;
    for (let i = 0; i < CASES && failures.length < 3; i++) {
      const c = genCase(rng);
      const { d, l } = states(c);
      const zones = Object.keys(c.desired.zones).filter(() => rng() < 0.4);
      if (zones.length === 0) continue;
      const plan = buildPlan(d, l, { zoneFilter: zones });
      const underived = checkDerivation(plan, plan.preconditions!);
      if (underived.length > 0) {
        failures.push(`case ${i} --zone ${zones.join(',')}: ${underived.map((p) => p.message).join('; ')}`);
        continue;
      }
      if (plan.steps.some((s) => s.kind === 'delete_nameserver' || s.kind === 'set_account_default'))
        failures.push(`case ${i} --zone ${zones.join(',')}: a deletion or default change was planned`);
      if (!plan.safe) continue;
      safe++;
      const broken = execute(plan, c, d, randomOrder(plan, rng), false);
      if (broken) failures.push(`case ${i} --zone ${zones.join(',')}: ${broken}`);
    }
    expect(failures).toEqual([]);
    expect(safe).toBeGreaterThan(CASES * 0.3);
  });

  // Two zones of one hierarchy swapping sets wait for each other; --zone used to recurse forever on it.
  test('--zone on two zones of one hierarchy swapping sets shows the ordering guard', () => {
    const c: Case = {
      live: {
        sets: { 1: ['ns1.a.test', 'ns2.a.test'], 2: ['ns1.b.test', 'ns2.b.test'] },
        zones: { 'p.test': 1, 'c.p.test': 2 },
        other: {},
        accountDefault: 'cloudflare.standard',
      },
      desired: {
        sets: { 1: ['ns1.a.test', 'ns2.a.test'], 2: ['ns1.b.test', 'ns2.b.test'] },
        zones: { 'p.test': 2, 'c.p.test': 1 },
      },
    };
    const { d, l } = states(c);
    expect(buildPlan(d, l).guards.map((g) => g.kind)).toEqual(['ordering']);
    for (const zoneFilter of [['p.test'], ['c.p.test'], ['p.test', 'c.p.test']]) {
      const plan = buildPlan(d, l, { zoneFilter });
      // one zone alone would also share a set with the other, which --zone leaves on its live set
      const kinds = zoneFilter.length === 1 ? ['ordering', 'hierarchy'] : ['ordering'];
      expect(plan.guards.map((g) => g.kind)).toEqual(kinds);
      expect(plan.guards[0]!.steps).toEqual(['assign_zone:c.p.test', 'assign_zone:p.test']);
    }
  });

  // A zone --zone leaves out keeps its live set: one joining that set below or above it is a conflict.
  test('--zone: joining the live set of a file zone of its hierarchy left out by --zone is a hierarchy guard', () => {
    const c: Case = {
      live: {
        sets: { 2: ['ns1.b.test', 'ns2.b.test'], 5: ['ns4.a.test', 'ns5.a.test'] },
        zones: { 'p.test': 5, 'x.c.p.test': 2 },
        other: {},
        accountDefault: 'cloudflare.standard',
      },
      desired: {
        sets: { 2: ['ns1.b.test', 'ns2.b.test'], 5: ['ns4.a.test', 'ns5.a.test'] },
        zones: { 'p.test': 'standard', 'x.c.p.test': 5 },
      },
    };
    const { d, l } = states(c);
    const plan = buildPlan(d, l, { zoneFilter: ['x.c.p.test'] });
    expect(plan.guards.map((g) => g.id)).toEqual(['hierarchy:x.c.p.test:p.test']);
    expect(plan.guards[0]!.message).toMatch(/left as it is by --zone/);
    expect(buildPlan(d, l).guards).toEqual([]);
  });
});

/** Minimal counterexamples the property found (shrunk by hand), now fixed: each asserts the fix. */
describe('buildPlan ordering counterexamples', () => {
  const S1 = ['ns1.a.test', 'ns2.a.test'];

  // 1. An `advanced` file zone is left on its live custom set; its parent joins that set → (c).
  //    The loader sees `advanced` as "no set" and guards.ts skips pairs inside the file.
  test('1: a zone joining the live set of an `advanced` file zone of its hierarchy is a hierarchy guard', () => {
    const c: Case = {
      live: {
        sets: { 1: S1 },
        zones: { 'q.test': 'standard', 'r.q.test': 1 },
        other: {},
        accountDefault: 'cloudflare.standard',
      },
      desired: { sets: { 1: S1 }, zones: { 'q.test': 1, 'r.q.test': 'advanced' } },
    };
    const { d, l } = states(c);
    const plan = buildPlan(d, l);
    expect(plan.guards.map((g) => g.id)).toEqual(['hierarchy:r.q.test:q.test']);
    expect(plan.guards[0]!.message).toMatch(/left as it is by `advanced`/);
  });

  // 2. prune off keeps undeclared live names in their set: the file's new name makes it 6 → (a).
  //    graph.ts capacityChains assumes validation refuses >5 names, but validation cannot see live.
  test('2: prune off and a full live set gaining a declared name is a set_too_large guard', () => {
    const c: Case = {
      live: {
        sets: { 1: ['ns1.a.test', 'ns2.a.test', 'ns3.a.test', 'ns4.a.test', 'ns5.a.test'] },
        zones: {},
        other: {},
        accountDefault: 'cloudflare.standard',
      },
      desired: { sets: { 1: ['ns1.a.test', 'ns6.a.test'] }, zones: {}, prune: false },
    };
    const { d, l } = states(c);
    const plan = buildPlan(d, l);
    expect(plan.guards.map((g) => g.id)).toEqual(['set_too_large:1']);
    expect(plan.guards[0]!.message).toMatch(
      /6 names.*ns2\.a\.test, ns3\.a\.test, ns4\.a\.test, ns5\.a\.test.*prune on/,
    );
  });

  // 3. As the CLI reads live (src/cli/planning.ts): a set whose names are replaced ends with 2 names,
  //    so readSetUsers is not called; an unrelated unmanaged zone on it (or an unmanaged
  //    custom.account default) is unknown, and the deletion may run before the addition → (b)/(d).
  test('3: replacing a name of a set used only by an unmanaged zone: the CLI now reads every zone first', () => {
    const c: Case = {
      live: {
        sets: { 1: S1 },
        zones: { 'q.test': 'standard' },
        other: { 'u.test': 1 },
        accountDefault: 'cloudflare.standard',
      },
      desired: { sets: { 1: ['ns1.a.test', 'ns3.a.test'] }, zones: { 'q.test': 'standard' }, prune: true },
    };
    // as read by the CLI, u.test is unknown; the removal alone would leave set 1 with 1 name, so
    // planning.ts reads the set's users (every zone) and plans again — the control test below
    const { d, l } = cliStates(c);
    expect(setsShrunkBelowTwo(buildPlan(d, l), l.nameservers)).toEqual([1]);
  });

  test('3 (control): with every zone known, the deletion waits for the new name and its glue check', () => {
    const c: Case = {
      live: {
        sets: { 1: S1 },
        zones: { 'q.test': 'standard' },
        other: { 'u.test': 1 },
        accountDefault: 'cloudflare.standard',
      },
      desired: { sets: { 1: ['ns1.a.test', 'ns3.a.test'] }, zones: { 'q.test': 'standard' }, prune: true },
    };
    const { d, l } = states(c);
    expect(buildPlan(d, l).safe).toBe(true);
    expect(brokenOrders(c, states)).toEqual([]);
  });

  // 4. Not a broken rule but a false `ordering` guard: every delete of a set that ends below 2 names
  //    waits for the zones leaving it, although deleting one name of 3 keeps the set usable.
  //    Feasible order: delete ns1 (set 1 keeps 2) → create ns1 in set 2 → glue_check:2 → move z →
  //    delete the rest.
  test('4: moving one name of a 3-name set to the set its zone moves to is ordered, not refused', () => {
    const c: Case = {
      live: {
        sets: { 1: ['ns1.a.test', 'ns2.a.test', 'ns3.a.test'], 2: ['ns1.b.test', 'ns2.b.test'] },
        zones: { 'z.test': 1 },
        other: {},
        accountDefault: 'cloudflare.standard',
      },
      desired: { sets: { 2: ['ns1.b.test', 'ns2.b.test', 'ns1.a.test'] }, zones: { 'z.test': 2 }, prune: true },
    };
    const { d, l } = states(c);
    expect(buildPlan(d, l).guards.map((g) => g.kind)).toEqual([]);
  });
});

/** Every rule broken over every execution order of the case's plan (the plan must be safe). */
function brokenOrders(c: Case, read: (c: Case) => { d: DesiredState; l: LiveState }): string[] {
  const { d, l } = read(c);
  const plan = buildPlan(d, l);
  if (!plan.safe) return [];
  const out: string[] = [];
  const walk = (order: Step[], left: Step[]): void => {
    if (out.length >= 5) return;
    if (left.length === 0) {
      const broken = execute(plan, c, d, order);
      if (broken) out.push(`${broken} (order: ${order.map((s) => s.id).join(' → ')})`);
      return;
    }
    const done = new Set(order.map((s) => s.id));
    for (const s of left)
      if (s.dependsOn.every((x) => done.has(x)))
        walk(
          [...order, s],
          left.filter((x) => x !== s),
        );
  };
  walk([], plan.steps);
  return out;
}

interface Coverage {
  safe: number;
  deletes: number;
  creates: number;
  moves: number;
  zoneMoves: number;
  customToCustom: number;
  defaultChanges: number;
  toCustomDefault: number;
  glue: number;
  chains: number;
  prune: number;
  guards: Record<string, number>;
}

function run(
  seed: number,
  planFor: (c: Case) => { d: DesiredState; plan: Plan },
): { failures: string[]; cov: Coverage } {
  const rng = mulberry32(seed);
  const cov: Coverage = {
    safe: 0,
    deletes: 0,
    creates: 0,
    moves: 0,
    zoneMoves: 0,
    customToCustom: 0,
    defaultChanges: 0,
    toCustomDefault: 0,
    glue: 0,
    chains: 0,
    prune: 0,
    guards: {},
  };
  const failures: string[] = [];
  for (let i = 0; i < CASES && failures.length < 3; i++) {
    const c = genCase(rng);
    const { d, plan } = planFor(c);
    // apply re-derives glue checks, edges and guards from the steps and preconditions: the planner's
    // own output must always pass that check, safe or not
    const underived = checkDerivation(plan, plan.preconditions!);
    if (underived.length > 0) {
      failures.push(
        `case ${i}: re-derivation disagrees: ${underived.map((p) => p.message).join('; ')}\n${report(i, c, [], '')}`,
      );
      continue;
    }
    if (!plan.safe) {
      for (const g of plan.guards) cov.guards[g.kind] = (cov.guards[g.kind] ?? 0) + 1;
      continue;
    }
    count(cov, plan, c);
    const sameRun = deletedWhileLeaving(plan);
    if (sameRun) {
      failures.push(report(i, c, [], sameRun));
      continue;
    }
    for (let o = 0; o < ORDERS; o++) {
      const order = randomOrder(plan, rng);
      const broken = execute(plan, c, d, order);
      if (broken) {
        failures.push(report(i, c, order, broken));
        break;
      }
    }
  }
  if (process.env.ACNS_PROPERTY_VERBOSE) console.log(JSON.stringify(cov));
  return { failures, cov };
}

// ---------------------------------------------------------------------------------------------
// execution model

/** Runs the steps in `order` on a model of the account; returns the first broken rule, or null. */
function execute(plan: Plan, c: Case, d: DesiredState, order: Step[], checkEnd = true): string | null {
  const m = initialModel(c);
  const done = new Set<string>();
  const glueSets = new Set(
    plan.steps.filter((s) => s.kind === 'glue_check').map((s) => (s.after as { set: number }).set),
  );
  for (const s of order) {
    for (const dep of s.dependsOn) if (!done.has(dep)) return `${s.id} ran before its dependency ${dep}`;
    const pre = precondition(m, s);
    if (pre) return `before ${s.id}: ${pre}`;
    const ordering = orderingRule(plan, d, done, glueSets, s);
    if (ordering) return `at ${s.id}: ${ordering}`;
    apply(m, s);
    done.add(s.id);
    const rule = invariants(m);
    if (rule) return `after ${s.id}: ${rule}`;
  }
  return checkEnd ? finalState(m, c, plan.held) : null;
}

/** A name is never deleted in the run that moves zones off its set (their parents and caches still use it). */
function deletedWhileLeaving(plan: Plan): string | null {
  const leaving = new Set<number>();
  for (const s of plan.steps) {
    const b = s.before as ZoneNameservers | null;
    if (s.kind === 'assign_zone' && b?.type === 'custom.account') leaving.add(b.set ?? 1);
  }
  const del = plan.steps.find((s) => s.kind === 'delete_nameserver' && leaving.has((s.before as { set: number }).set));
  return del ? `${del.id} is deleted in the run that moves zones off its set` : null;
}

/** (f) the step's `before` matches the model. */
function precondition(m: Model, s: Step): string | null {
  const holder = (name: string) => [...m.sets].find(([, n]) => n.has(name))?.[0];
  switch (s.kind) {
    case 'create_nameserver':
      return holder(s.target) === undefined ? null : `${s.target} already exists in set ${holder(s.target)}`;
    case 'delete_nameserver': {
      const set = (s.before as { set: number }).set;
      return m.sets.get(set)?.has(s.target) ? null : `${s.target} is not in set ${set}`;
    }
    case 'assign_zone': {
      const cur = m.zones.get(s.target);
      return JSON.stringify(cur) === JSON.stringify(s.before)
        ? null
        : `zone ${s.target} is ${JSON.stringify(cur)}, not ${JSON.stringify(s.before)}`;
    }
    case 'set_account_default':
      return (s.before as { value: string }).value === m.def
        ? null
        : `default is ${m.def}, not ${JSON.stringify(s.before)}`;
    default:
      return null;
  }
}

/** (e) glue first, and ordering: a set's names exist before a zone (or a custom.account default) uses it. */
function orderingRule(plan: Plan, d: DesiredState, done: Set<string>, glueSets: Set<number>, s: Step): string | null {
  const ready = (set: number): string | null => {
    if (glueSets.has(set) && !done.has(`glue_check:${set}`)) return `set ${set} is used before glue_check:${set}`;
    if (d.policy.glueCheck === 'enforce' && !glueSets.has(set))
      return `set ${set} is newly used but the plan has no glue_check:${set}`;
    const pending = plan.steps.find(
      (x) => x.kind === 'create_nameserver' && (x.after as { set: number }).set === set && !done.has(x.id),
    );
    return pending ? `set ${set} is used before ${pending.id}` : null;
  };
  if (s.kind === 'assign_zone' && s.after !== null && 'type' in s.after && s.after.set !== undefined)
    return ready(s.after.set);
  if (s.kind === 'set_account_default' && (s.after as { value: string }).value === 'custom.account') {
    for (const set of d.sets) {
      const r = ready(set.set);
      if (r) return r;
    }
  }
  return null;
}

function apply(m: Model, s: Step): void {
  switch (s.kind) {
    case 'create_nameserver': {
      const set = (s.after as { set: number }).set;
      (m.sets.get(set) ?? m.sets.set(set, new Set()).get(set)!).add(s.target);
      break;
    }
    case 'delete_nameserver':
      m.sets.get((s.before as { set: number }).set)!.delete(s.target);
      break;
    case 'assign_zone':
      m.zones.set(s.target, { ...(s.after as ZoneNameservers) });
      break;
    case 'set_account_default':
      m.def = (s.after as { value: string }).value;
      break;
    case 'glue_check':
      break;
  }
}

/** A random order among those that respect depends_on (uniform choice among the ready steps). */
function randomOrder(plan: Plan, rng: () => number): Step[] {
  const left = [...plan.steps];
  const done = new Set<string>();
  const out: Step[] = [];
  while (left.length > 0) {
    const ready = left.filter((s) => s.dependsOn.every((d) => done.has(d)));
    if (ready.length === 0) throw new Error(`a safe plan with a dependency cycle: ${left.map((s) => s.id).join(', ')}`);
    const s = pick(rng, ready);
    left.splice(left.indexOf(s), 1);
    done.add(s.id);
    out.push(s);
  }
  return out;
}

function count(cov: Coverage, plan: Plan, c: Case): void {
  const has = (k: Step['kind']) => plan.steps.some((s) => s.kind === k);
  cov.safe++;
  if (has('delete_nameserver')) cov.deletes++;
  if (has('create_nameserver')) cov.creates++;
  if (
    plan.steps.some(
      (s) => s.kind === 'create_nameserver' && plan.steps.some((x) => x.id === `delete_nameserver:${s.target}`),
    )
  )
    cov.moves++;
  if (has('assign_zone')) cov.zoneMoves++;
  if (
    plan.steps.some(
      (s) =>
        s.kind === 'assign_zone' &&
        (s.before as ZoneNameservers).set !== undefined &&
        (s.after as ZoneNameservers).set !== undefined,
    )
  )
    cov.customToCustom++;
  if (has('set_account_default')) cov.defaultChanges++;
  if (
    plan.steps.some(
      (s) => s.kind === 'set_account_default' && (s.after as { value: string }).value === 'custom.account',
    )
  )
    cov.toCustomDefault++;
  if (has('glue_check')) cov.glue++;
  if (c.desired.prune && has('delete_nameserver')) cov.prune++;
  for (const [k, names] of Object.entries(c.live.sets)) {
    const adds = plan.steps.filter(
      (s) => s.kind === 'create_nameserver' && (s.after as { set: number }).set === Number(k),
    ).length;
    if (names.length + adds > 5) {
      cov.chains++;
      break;
    }
  }
}

function report(i: number, c: Case, order: Step[], broken: string): string {
  return [
    `case ${i}: ${broken}`,
    `live: ${JSON.stringify(c.live)}`,
    `desired: ${JSON.stringify(c.desired)}`,
    `order: ${order.map((s) => s.id).join(' → ')}`,
  ].join('\n');
}
