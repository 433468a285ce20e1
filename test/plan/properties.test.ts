/**
 * Property: for random (seeded) live accounts and valid desired files, every execution order of a
 * safe plan that respects depends_on keeps Cloudflare's rules at every moment
 * (docs/ordering.md) and ends in the desired state. Deterministic: a fixed seed, N cases, a few
 * random topological orders per case.
 */
import { buildPlan } from '../../src/plan/build.js';
import { setsShrunkBelowTwo } from '../../src/plan/shrinking.js';
import { relatedUnmanaged } from '../../src/state/read.js';
import type { DesiredState } from '../../src/config/types.js';
import type { LiveState } from '../../src/state/types.js';
import type { ZoneNameservers } from '../../src/cloudflare/types.js';
import type { Plan, Step } from '../../src/plan/types.js';
import {
  desired,
  live,
  zoneNs,
  type DesiredSpec,
  type LiveSpec,
  type LiveZoneSpec,
  type ZoneSpec,
} from './fixtures.js';
import { mulberry32 } from '../support/prng.js';

// ACNS_PROPERTY_SEED / ACNS_PROPERTY_CASES explore further (locally); CI runs the fixed seed.
const SEED = Number(process.env.ACNS_PROPERTY_SEED ?? 0x5eed_ac75);
const CASES = Number(process.env.ACNS_PROPERTY_CASES ?? 400);
const ORDERS = 5;
const NAMES = [...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => `ns${i}.a.test`), ...[1, 2, 3, 4].map((i) => `ns${i}.b.test`)];
const ZONES = [
  'p.test',
  'c.p.test',
  'x.c.p.test',
  'd.p.test',
  'q.test',
  'r.q.test',
  's.test',
  'u.test',
  'v.test',
  '0.192.in-addr.arpa',
  '2.0.192.in-addr.arpa',
];
const SET_IDS = [1, 2, 3, 4, 5];
const MOVE_RATE = 0.15; // share of a desired set's new names taken from another live set
const UNMANAGED_RATE = 0.1; // share of account zones the file does not list

interface Case {
  live: LiveSpec & {
    sets: Record<number, string[]>;
    zones: Record<string, LiveZoneSpec>;
    other: Record<string, LiveZoneSpec>;
    accountDefault: string;
  };
  desired: DesiredSpec & { sets: Record<number, string[]>; zones: Record<string, ZoneSpec> };
}

interface Model {
  sets: Map<number, Set<string>>;
  zones: Map<string, ZoneNameservers>;
  def: string;
}

describe('buildPlan ordering property', () => {
  test(`${CASES} seeded cases × ${ORDERS} random orders keep every rule at every moment, end as desired`, () => {
    const { failures, cov } = run(SEED, (c) => {
      const { d, l } = states(c);
      return { d, plan: buildPlan(d, l) };
    });
    expect(failures).toEqual([]);
    // The generator must be meaningful: most cases are safe and every kind of change happens often.
    expect(cov.safe).toBeGreaterThanOrEqual(CASES * 0.5);
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
    expect(cov.safe).toBeGreaterThanOrEqual(CASES * 0.5);
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
    if (!plan.safe) {
      for (const g of plan.guards) cov.guards[g.kind] = (cov.guards[g.kind] ?? 0) + 1;
      continue;
    }
    count(cov, plan, c);
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
function execute(plan: Plan, c: Case, d: DesiredState, order: Step[]): string | null {
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
  return finalState(m, c);
}

function initialModel(c: Case): Model {
  const sets = new Map<number, Set<string>>();
  for (const [k, names] of Object.entries(c.live.sets)) sets.set(Number(k), new Set(names));
  const zones = new Map<string, ZoneNameservers>();
  for (const [z, t] of [...Object.entries(c.live.zones), ...Object.entries(c.live.other)]) zones.set(z, zoneNs(t));
  return { sets, zones, def: c.live.accountDefault };
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

/** (a)–(d): Cloudflare's rules, checked after every step. */
function invariants(m: Model): string | null {
  for (const [set, names] of m.sets)
    if (names.size > 5) return `(a) set ${set} has ${names.size} names: ${[...names].join(', ')}`;
  const custom = [...m.zones].filter(([, ns]) => ns.type === 'custom.account');
  for (const [z, ns] of custom) {
    const size = m.sets.get(ns.set!)?.size ?? 0;
    if (size < 2) return `(b) zone ${z} is on set ${ns.set}, which has ${size} name(s)`;
  }
  for (const [z, ns] of custom) {
    for (const [y, other] of custom) {
      if (y !== z && z.endsWith(`.${y}`) && other.set === ns.set)
        return `(c) zone ${z} shares set ${ns.set} with its ancestor ${y}`;
    }
  }
  if (m.def === 'custom.account' && ![...m.sets.values()].some((n) => n.size >= 2))
    return '(d) the default is custom.account but no set has 2 names';
  return null;
}

/** The end state equals the desired one. */
function finalState(m: Model, c: Case): string | null {
  const want = new Map<number, string[]>();
  for (const [k, names] of Object.entries(c.desired.sets)) want.set(Number(k), [...names]);
  if (!c.desired.prune) {
    const declared = new Set(Object.values(c.desired.sets).flat());
    for (const [k, names] of Object.entries(c.live.sets)) {
      for (const n of names)
        if (!declared.has(n)) (want.get(Number(k)) ?? want.set(Number(k), []).get(Number(k))!).push(n);
    }
  }
  for (const set of SET_IDS) {
    const got = [...(m.sets.get(set) ?? [])].sort().join(',');
    const exp = [...(want.get(set) ?? [])].sort().join(',');
    if (got !== exp) return `end: set ${set} holds [${got}], wanted [${exp}]`;
  }
  for (const [z, ns] of m.zones) {
    const t = c.desired.zones[z];
    const exp =
      t === undefined || t === 'advanced'
        ? zoneNs(c.live.zones[z] ?? c.live.other[z])
        : zoneNs(t === 'standard' ? 'standard' : t);
    if (JSON.stringify(ns) !== JSON.stringify(exp))
      return `end: zone ${z} is ${JSON.stringify(ns)}, wanted ${JSON.stringify(exp)}`;
  }
  const def = c.desired.accountDefault ?? c.live.accountDefault;
  return m.def === def ? null : `end: default is ${m.def}, wanted ${def}`;
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

// ---------------------------------------------------------------------------------------------
// generators

function genCase(rng: () => number): Case {
  // live names: up to 5 sets, 0–5 names each, unique across sets
  const pool = shuffle(rng, NAMES);
  const liveSets: Record<number, string[]> = {};
  for (const set of SET_IDS) {
    if (rng() < 0.35) continue;
    const n = Math.min(int(rng, 0, 5), pool.length);
    if (n > 0) liveSets[set] = pool.splice(0, n);
  }
  const usableLive = Object.entries(liveSets)
    .filter(([, n]) => n.length >= 2)
    .map(([k]) => Number(k));

  // live zones: custom sets (≥2 names) respecting the hierarchy rule, standard, rarely advanced
  const account = ZONES.filter(() => rng() < 0.85);
  const liveZones: Record<string, LiveZoneSpec> = {};
  for (const z of shuffle(rng, account)) {
    const r = rng();
    const free = usableLive.filter((set) => !related(z, liveZones, set));
    liveZones[z] = r < 0.6 && free.length > 0 ? pick(rng, free) : r < 0.95 ? 'standard' : 'advanced';
  }
  const liveDefault = usableLive.length > 0 && rng() < 0.5 ? 'custom.account' : 'cloudflare.standard';

  // desired sets: 2–5 names, unique, often starting from the live set of the same number
  const free = new Set(NAMES);
  const sets: Record<number, string[]> = {};
  for (const set of shuffle(rng, SET_IDS)) {
    if (rng() < 0.4) continue;
    const size = int(rng, 2, 5);
    const names = (liveSets[set] ?? []).filter((n) => free.has(n) && rng() < 0.7);
    // new names: mostly ones that do not exist live; sometimes a live name of another set (a move)
    const liveNames = new Set(Object.values(liveSets).flat());
    const fresh = shuffle(
      rng,
      [...free].filter((n) => !liveNames.has(n)),
    );
    const moving = shuffle(
      rng,
      [...free].filter((n) => liveNames.has(n) && !(liveSets[set] ?? []).includes(n)),
    );
    while (names.length < size) {
      const from = rng() < MOVE_RATE || (fresh.length === 0 && names.length < 2) ? moving : fresh;
      if (from.length === 0) break;
      names.push(from.shift()!);
    }
    names.splice(size);
    if (names.length < 2) continue;
    for (const n of names) free.delete(n);
    sets[set] = names;
  }
  const declared = Object.keys(sets).map(Number);

  // desired zones: account zones on declared sets / standard / advanced, hierarchy rule among file zones
  const zones: Record<string, ZoneSpec> = {};
  for (const z of shuffle(rng, account)) {
    if (rng() < UNMANAGED_RATE) continue;
    const r = rng();
    const lz = liveZones[z];
    // an `advanced` file zone counts as "no set" here, as the loader sees it: that it keeps its live
    // set is for the planner's hierarchy guard to catch (counterexample 1)
    const placed = Object.fromEntries(Object.entries(zones).map(([y, t]) => [y, t === 'advanced' ? 'standard' : t]));
    const ok = declared.filter((set) => !related(z, placed, set));
    if (r < 0.25 && typeof lz === 'number' && ok.includes(lz)) zones[z] = lz;
    else if (r < 0.75 && ok.length > 0) zones[z] = pick(rng, ok);
    else zones[z] = r < 0.95 || (typeof lz === 'number' && related(z, placed, lz)) ? 'standard' : 'advanced';
  }
  const other: Record<string, LiveZoneSpec> = {};
  const managed: Record<string, LiveZoneSpec> = {};
  for (const [z, t] of Object.entries(liveZones)) (z in zones ? managed : other)[z] = t;

  // with prune off, undeclared live names stay in their set and can push it past 5 names: the
  // planner's set_too_large guard must catch that (counterexample 2)
  const prune = rng() < 0.5;
  const r = rng();
  const accountDefault =
    r < 0.3
      ? undefined
      : r < 0.6 || declared.length === 0
        ? ('cloudflare.standard' as const)
        : ('custom.account' as const);
  return {
    live: { sets: liveSets, zones: managed, other, accountDefault: liveDefault },
    desired: {
      sets,
      zones,
      ...(accountDefault ? { accountDefault } : {}),
      prune,
      glueCheck: rng() < 0.8 ? 'enforce' : 'off',
    },
  };
}

/** The states buildPlan sees: every account zone known (as after state/set-users.ts), the default read. */
function states(c: Case): { d: DesiredState; l: LiveState } {
  const d = desired(c.desired);
  const l = live({ ...c.live, accountZoneNames: [...Object.keys(c.live.zones), ...Object.keys(c.live.other)].sort() });
  return { d, l };
}

/**
 * As state/read.ts reads it: the default only when the file manages it, unmanaged zones only in a
 * file zone's hierarchy.
 */
function cliStates(c: Case): { d: DesiredState; l: LiveState } {
  const d = desired(c.desired);
  const all = [...Object.keys(c.live.zones), ...Object.keys(c.live.other)].sort();
  const near = new Set(relatedUnmanaged(new Set(Object.keys(c.live.zones)), all));
  const other = Object.fromEntries(Object.entries(c.live.other).filter(([z]) => near.has(z)));
  const { accountDefault, ...rest } = c.live;
  const l = live({ ...rest, other, accountZoneNames: all, ...(c.desired.accountDefault ? { accountDefault } : {}) });
  return { d, l };
}

/** Whether zone z has an ancestor or descendant on `set` among `zones`. */
function related(z: string, zones: Record<string, LiveZoneSpec | ZoneSpec>, set: number): boolean {
  return Object.entries(zones).some(([y, t]) => t === set && y !== z && (z.endsWith(`.${y}`) || y.endsWith(`.${z}`)));
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

// ---------------------------------------------------------------------------------------------
// seeded randomness

function int(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function pick<T>(rng: () => number, a: readonly T[]): T {
  return a[Math.floor(rng() * a.length)];
}

function shuffle<T>(rng: () => number, a: readonly T[]): T[] {
  const out = [...a];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
