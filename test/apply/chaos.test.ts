/**
 * Chaos property: generated accounts and files are planned as the CLI plans them (over an
 * in-memory API), the plan is saved and read back, and a second actor changes the account between
 * plan and apply and between apply steps — zones moved onto or off sets, names deleted or added,
 * the default changed, zones deleted. An independent model checks after every request that no
 * zone (in the file or not) sits on a set with fewer than 2 names, that a custom.account default
 * always has a set with 2 names, and that no name in use is deleted; and that apply either reaches
 * what its plan asked for (except where the actor interfered) or exits 3/1 naming the cause.
 */
import { executePlan } from '../../src/apply/executor.js';
import { preflightSavedPlan } from '../../src/apply/preflight.js';
import type { ApplyResult, GlueChecker } from '../../src/apply/types.js';
import type { AccountApi, ResolvedZones, ZoneRef } from '../../src/cloudflare/api.js';
import type { LiveNameserver, ZoneNameservers } from '../../src/cloudflare/types.js';
import type { DesiredState } from '../../src/config/types.js';
import { AcnsError } from '../../src/errors.js';
import { buildPlan } from '../../src/plan/build.js';
import { encodePlanFile, parsePlanFile } from '../../src/plan/planfile.js';
import { setsShrunkBelowTwo } from '../../src/plan/shrinking.js';
import type { Plan } from '../../src/plan/types.js';
import { renderApplySummary } from '../../src/render/apply.js';
import { readLiveState } from '../../src/state/read.js';
import { readSetUsers } from '../../src/state/set-users.js';
import { desired, zoneNs } from '../plan/fixtures.js';
import { type Case, genCase, int, pick, related, shuffle } from '../plan/generators.js';
import { mulberry32 } from '../support/prng.js';
import { FakeCloudflareError, MemoryApi } from './memory-api.js';

// ACNS_CHAOS_SEED / ACNS_CHAOS_SEEDS explore further (locally); CI runs the fixed seed.
const SEED = Number(process.env.ACNS_CHAOS_SEED ?? 0xc4a05);
const SEEDS = Number(process.env.ACNS_CHAOS_SEEDS ?? 1000);
const EXTRA_NAMES = [1, 2, 3, 4, 5, 6].map((i) => `ns${i}.c.test`);

type MutationKind =
  | 'zone_onto_set'
  | 'zone_off_set'
  | 'name_deleted'
  | 'name_added'
  | 'default_changed'
  | 'zone_deleted';
const KINDS: MutationKind[] = [
  'zone_onto_set',
  'zone_off_set',
  'name_deleted',
  'name_added',
  'default_changed',
  'zone_deleted',
];

/** What the actor changed, so the end check leaves those objects out. */
interface Touched {
  zones: Set<string>;
  names: Set<string>;
  default: boolean;
}

/**
 * The account as Cloudflare keeps it: the in-memory API plus the rules it enforces (a zone only on
 * a set with 2 names, at most 5 names a set), with the model's checks after every request.
 */
class ChaosApi implements AccountApi {
  readonly accountId: string;
  readonly endpoints = 'dns_settings' as const;
  readonly violations: string[] = [];
  requests = 0;

  constructor(readonly mem: MemoryApi) {
    this.accountId = mem.accountId;
  }

  listNameservers(): Promise<LiveNameserver[]> {
    return this.after(this.mem.listNameservers());
  }
  async createNameserver(name: string, set: number): Promise<LiveNameserver> {
    if (setSize(this.mem, set) >= 5) throw new FakeCloudflareError(`set ${set} already has 5 nameservers`, 400, [1006]);
    return this.after(this.mem.createNameserver(name, set));
  }
  async deleteNameserver(name: string): Promise<void> {
    const ns = this.mem.nameservers.get(name);
    if (ns) {
      const left = setSize(this.mem, ns.set) - 1;
      const users = zonesOn(this.mem, ns.set);
      if (left < 2 && users.length > 0)
        this.violations.push(`deleted ${name} of set ${ns.set}, in use by ${users.join(', ')}, leaving ${left}`);
    }
    return this.after(this.mem.deleteNameserver(name));
  }
  resolveZones(names: string[]): Promise<ResolvedZones> {
    return this.after(this.mem.resolveZones(names));
  }
  listAllZones(): Promise<ZoneRef[]> {
    return this.after(this.mem.listAllZones());
  }
  listZonesBelow(zone: string): Promise<ZoneRef[]> {
    return this.after(this.mem.listZonesBelow(zone));
  }
  getZoneNameservers(zoneId: string): Promise<ZoneNameservers> {
    return this.after(this.mem.getZoneNameservers(zoneId));
  }
  async setZoneNameservers(zoneId: string, ns: ZoneNameservers): Promise<void> {
    if (ns.type === 'custom.account' && setSize(this.mem, ns.set ?? 1) < 2)
      throw new FakeCloudflareError("Custom Nameserver set doesn't exist", 400, [1001]);
    return this.after(this.mem.setZoneNameservers(zoneId, ns));
  }
  getAccountDefault(): Promise<string> {
    return this.after(this.mem.getAccountDefault());
  }
  async setAccountDefault(value: string): Promise<void> {
    if (value === 'custom.account' && !anyUsableSet(this.mem))
      throw new FakeCloudflareError("Custom Nameserver set doesn't exist", 400, [1001]);
    return this.after(this.mem.setAccountDefault(value));
  }

  private async after<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } finally {
      this.requests++;
      const broken = modelViolation(this.mem);
      if (broken) this.violations.push(`after request ${this.requests}: ${broken}`);
    }
  }
}

/** The independent model: Cloudflare's rules a run must never break, computed from the raw state. */
function modelViolation(mem: MemoryApi): string | null {
  for (const z of mem.zones.values()) {
    if (z.ns.type !== 'custom.account') continue;
    const size = setSize(mem, z.ns.set ?? 1);
    if (size < 2) return `zone ${z.name} is on set ${z.ns.set ?? 1}, which has ${size} name(s)`;
  }
  if (mem.accountDefault === 'custom.account' && !anyUsableSet(mem))
    return 'the default is custom.account but no set has 2 names';
  return null;
}

function setSize(mem: MemoryApi, set: number): number {
  return [...mem.nameservers.values()].filter((n) => n.set === set).length;
}

function zonesOn(mem: MemoryApi, set: number): string[] {
  return [...mem.zones.values()]
    .filter((z) => z.ns.type === 'custom.account' && (z.ns.set ?? 1) === set)
    .map((z) => z.name);
}

function anyUsableSet(mem: MemoryApi): boolean {
  return [1, 2, 3, 4, 5].some((s) => setSize(mem, s) >= 2);
}

/** The second actor: one random change that keeps Cloudflare's rules by itself (a careful person). */
function mutate(mem: MemoryApi, rng: () => number, touched: Touched): MutationKind | undefined {
  for (const kind of shuffle(rng, KINDS)) {
    if (tryMutation(kind, mem, rng, touched)) return kind;
  }
  return undefined;
}

function tryMutation(kind: MutationKind, mem: MemoryApi, rng: () => number, t: Touched): boolean {
  const zones = [...mem.zones.entries()];
  const usable = [1, 2, 3, 4, 5].filter((s) => setSize(mem, s) >= 2);
  switch (kind) {
    case 'zone_onto_set': {
      const onSets = Object.fromEntries(
        zones.map(([, z]) => [z.name, z.ns.type === 'custom.account' ? (z.ns.set ?? 1) : 'standard']),
      ) as Record<string, number | 'standard'>;
      const options = zones.flatMap(([id, z]) =>
        usable.filter((s) => onSets[z.name] !== s && !related(z.name, onSets, s)).map((s) => ({ id, z, s })),
      );
      if (options.length === 0) return false;
      const o = pick(rng, options);
      o.z.ns = { type: 'custom.account', set: o.s };
      t.zones.add(o.z.name);
      return true;
    }
    case 'zone_off_set': {
      const on = zones.filter(([, z]) => z.ns.type === 'custom.account');
      if (on.length === 0) return false;
      const [, z] = pick(rng, on);
      z.ns = { type: 'cloudflare.standard' };
      t.zones.add(z.name);
      return true;
    }
    case 'name_deleted': {
      const names = [...mem.nameservers.values()].filter((n) => {
        const left = setSize(mem, n.set) - 1;
        if (left < 2 && zonesOn(mem, n.set).length > 0) return false;
        if (mem.accountDefault !== 'custom.account') return true;
        return [1, 2, 3, 4, 5].some((s) => (s === n.set ? left : setSize(mem, s)) >= 2);
      });
      if (names.length === 0) return false;
      const n = pick(rng, names);
      mem.nameservers.delete(n.name);
      t.names.add(n.name);
      return true;
    }
    case 'name_added': {
      const name = EXTRA_NAMES.find((n) => !mem.nameservers.has(n));
      const sets = [1, 2, 3, 4, 5].filter((s) => setSize(mem, s) < 5);
      if (!name || sets.length === 0) return false;
      mem.addNameserver(name, pick(rng, sets));
      t.names.add(name);
      return true;
    }
    case 'default_changed': {
      const to = mem.accountDefault === 'custom.account' ? 'cloudflare.standard' : 'custom.account';
      if (to === 'custom.account' && usable.length === 0) return false;
      mem.accountDefault = to;
      t.default = true;
      return true;
    }
    case 'zone_deleted': {
      if (zones.length === 0) return false;
      const [id, z] = pick(rng, zones);
      mem.zones.delete(id);
      t.zones.add(z.name);
      return true;
    }
  }
}

function accountOf(c: Case): MemoryApi {
  const mem = new MemoryApi();
  for (const [set, names] of Object.entries(c.live.sets)) for (const n of names) mem.addNameserver(n, Number(set));
  for (const [name, t] of [...Object.entries(c.live.zones), ...Object.entries(c.live.other)])
    mem.addZone(`id-${name}`, name, zoneNs(t));
  mem.accountDefault = c.live.accountDefault;
  return mem;
}

/** Planned as the CLI plans: read, plan, and when a set drops below 2 names read every zone and plan again. */
async function planAsCli(d: DesiredState, api: AccountApi): Promise<Plan> {
  let live = await readLiveState(d, api);
  let plan = buildPlan(d, live);
  const shrinking = setsShrunkBelowTwo(plan, live.nameservers);
  if (shrinking.length > 0) {
    live = await readSetUsers(api, live, shrinking);
    plan = buildPlan(d, live);
  }
  const text = encodePlanFile(plan, { toolVersion: 'test', createdAt: '2026-01-01T00:00:00.000Z' });
  return parsePlanFile(text, 'plan.json').plan;
}

interface SeedOutcome {
  exit: number;
  cause: string;
  mutations: MutationKind[];
  problems: string[];
  stage: 'unsafe' | 'preflight' | 'executed' | 'empty';
}

async function runSeed(seed: number): Promise<SeedOutcome> {
  const rng = mulberry32(seed);
  const c = genCase(rng);
  const mem = accountOf(c);
  const api = new ChaosApi(mem);
  const d = desired(c.desired);
  const plan = await planAsCli(d, api);
  const touched: Touched = { zones: new Set(), names: new Set(), default: false };
  const mutations: MutationKind[] = [];
  const act = (): void => {
    const k = mutate(mem, rng, touched);
    if (k) mutations.push(k);
  };
  const before = int(rng, 0, 2);
  for (let i = 0; i < before; i++) act();
  const out = (exit: number, cause: string, stage: SeedOutcome['stage']): SeedOutcome => ({
    exit,
    cause,
    mutations,
    problems: [...api.violations],
    stage,
  });
  if (plan.steps.length === 0) return out(0, '', 'empty');

  let alreadyDone: string[];
  try {
    alreadyDone = (await preflightSavedPlan(plan, api, { planFile: 'plan.json' })).alreadyDone;
  } catch (e) {
    if (!(e instanceof AcnsError)) throw e;
    return out(e.exitCode, e.message, e.code === 'plan_unsafe' ? 'unsafe' : 'preflight');
  }
  const concurrency = rng() < 0.5 ? 1 : 4;
  const glueFails = rng() < 0.05;
  const checkGlue: GlueChecker = async () => ({ blocking: glueFails, verdict: glueFails ? 'failed' : 'ok' });
  const result: ApplyResult = await executePlan(plan, api, {
    alreadyDone,
    checkGlue,
    concurrency,
    // between steps (one at a time, so no request of another step is in flight)
    onStepDone: () => {
      if (concurrency === 1 && rng() < 0.25) act();
    },
  });
  const problems = [...api.violations];
  const summary = renderApplySummary(result, { planFile: 'plan.json' });
  if (result.exitCode === 0) {
    problems.push(...endCheck(plan, result, mem, touched));
    if (mutations.length === 0) problems.push(...fullEndCheck(c, plan, mem));
    return { exit: 0, cause: '', mutations, problems, stage: 'executed' };
  }
  const failed = result.results.filter((r) => r.outcome === 'failed');
  if (failed.length === 0 || failed.some((r) => !r.error?.message))
    problems.push(`exit ${result.exitCode} without a failed step naming the cause`);
  if (result.stale && !summary.includes('the plan is stale')) problems.push('a stale stop the summary does not name');
  return {
    exit: result.exitCode,
    cause: failed.map((r) => r.error?.message).join('; '),
    mutations,
    problems,
    stage: 'executed',
  };
}

/** Every step the run reports done holds now, unless the actor changed that object afterwards. */
function endCheck(plan: Plan, result: ApplyResult, mem: MemoryApi, t: Touched): string[] {
  const out: string[] = [];
  const ok = new Set(
    result.results.filter((r) => r.outcome === 'done' || r.outcome === 'already_done').map((r) => r.id),
  );
  for (const s of plan.steps) {
    if (!ok.has(s.id)) out.push(`exit 0 but ${s.id} was not done`);
    if (s.kind === 'create_nameserver' && !t.names.has(s.target)) {
      const set = (s.after as { set: number }).set;
      if (mem.nameservers.get(s.target)?.set !== set) out.push(`${s.target} is not in set ${set}`);
    } else if (s.kind === 'delete_nameserver' && !t.names.has(s.target)) {
      const moved = plan.steps.some((o) => o.id === `create_nameserver:${s.target}`);
      if (!moved && mem.nameservers.has(s.target)) out.push(`${s.target} still exists`);
    } else if (s.kind === 'assign_zone' && !t.zones.has(s.target)) {
      const now = mem.zoneByName(s.target);
      if (JSON.stringify(now) !== JSON.stringify(s.after)) out.push(`zone ${s.target} is ${JSON.stringify(now)}`);
    } else if (s.kind === 'set_account_default' && !t.default) {
      if (mem.accountDefault !== (s.after as { value: string }).value) out.push(`default is ${mem.accountDefault}`);
    }
  }
  return out;
}

/**
 * With no interference, the account ends exactly as the file says (a safe plan is a complete one),
 * except for the deletions the plan holds for a later run: those names stay in their live set.
 */
function fullEndCheck(c: Case, plan: Plan, mem: MemoryApi): string[] {
  if (!plan.safe) return [];
  const out: string[] = [];
  const held = new Map((plan.held ?? []).map((h) => [h.name, h.set]));
  for (const [name, set] of held)
    if (mem.nameservers.get(name)?.set !== set) out.push(`end: held ${name} left set ${set}`);
  for (const [set, names] of Object.entries(c.desired.sets)) {
    for (const n of names)
      if (!held.has(n) && mem.nameservers.get(n)?.set !== Number(set)) out.push(`end: ${n} not in set ${set}`);
  }
  for (const [z, t] of Object.entries(c.desired.zones)) {
    if (t === 'advanced' || !mem.zoneByName(z)) continue;
    const want = zoneNs(t);
    if (JSON.stringify(mem.zoneByName(z)) !== JSON.stringify(want)) out.push(`end: zone ${z} is not ${t}`);
  }
  if (c.desired.accountDefault && mem.accountDefault !== c.desired.accountDefault)
    out.push(`end: default ${mem.accountDefault}`);
  return out;
}

describe('apply under a second actor (chaos)', () => {
  test(`${SEEDS} seeds: no request breaks Cloudflare's rules; apply completes or exits 3/1 with a cause`, async () => {
    const failures: string[] = [];
    const kinds = new Map<MutationKind, number>();
    const exits = new Map<string, number>();
    for (let i = 0; i < SEEDS && failures.length < 3; i++) {
      const seed = SEED + i;
      const o = await runSeed(seed);
      for (const k of o.mutations) kinds.set(k, (kinds.get(k) ?? 0) + 1);
      const key = `${o.stage}:${o.exit}`;
      exits.set(key, (exits.get(key) ?? 0) + 1);
      if (![0, 1, 3].includes(o.exit)) o.problems.push(`exit ${o.exit}`);
      if (o.exit !== 0 && !o.cause) o.problems.push(`exit ${o.exit} without a cause`);
      if (o.problems.length > 0)
        failures.push(`seed ${seed} (mutations: ${o.mutations.join(', ') || 'none'}): ${o.problems.join('; ')}`);
    }
    if (process.env.ACNS_CHAOS_VERBOSE) console.log(Object.fromEntries(kinds), Object.fromEntries(exits));
    expect(failures).toEqual([]);
    for (const k of KINDS) expect({ [k]: (kinds.get(k) ?? 0) > 10 }).toEqual({ [k]: true });
    // meaningful: many seeds apply to the end, many are caught as stale before or during the run
    expect(exits.get('executed:0') ?? 0).toBeGreaterThan(SEEDS * 0.2);
    expect(exits.get('preflight:3') ?? 0).toBeGreaterThan(SEEDS * 0.05);
    expect(exits.get('executed:3') ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
