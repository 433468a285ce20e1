/**
 * Seeded generators of live accounts and desired files, and a model of the account's rules, shared
 * by the planner's ordering property test and apply's chaos test.
 */
import type { DesiredState } from '../../src/config/types.js';
import type { LiveState } from '../../src/state/types.js';
import type { ZoneNameservers } from '../../src/cloudflare/types.js';
import { relatedUnmanaged } from '../../src/state/read.js';
import {
  desired,
  live,
  zoneNs,
  type DesiredSpec,
  type LiveSpec,
  type LiveZoneSpec,
  type ZoneSpec,
} from './fixtures.js';

export const NAMES = [
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => `ns${i}.a.test`),
  ...[1, 2, 3, 4].map((i) => `ns${i}.b.test`),
];
export const ZONES = [
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
export const SET_IDS = [1, 2, 3, 4, 5];
export const MOVE_RATE = 0.15; // share of a desired set's new names taken from another live set
export const UNMANAGED_RATE = 0.1; // share of account zones the file does not list

export interface Case {
  live: LiveSpec & {
    sets: Record<number, string[]>;
    zones: Record<string, LiveZoneSpec>;
    other: Record<string, LiveZoneSpec>;
    accountDefault: string;
  };
  desired: DesiredSpec & { sets: Record<number, string[]>; zones: Record<string, ZoneSpec> };
}

export interface Model {
  sets: Map<number, Set<string>>;
  zones: Map<string, ZoneNameservers>;
  def: string;
}

/** The states buildPlan sees: every account zone known (as after state/set-users.ts), the default read. */
export function states(c: Case): { d: DesiredState; l: LiveState } {
  const d = desired(c.desired);
  const l = live({ ...c.live, accountZoneNames: [...Object.keys(c.live.zones), ...Object.keys(c.live.other)].sort() });
  return { d, l: { ...l, usersReadFor: SET_IDS } };
}

/**
 * As state/read.ts reads it: the default only when the file manages it, unmanaged zones only in a
 * file zone's hierarchy.
 */
export function cliStates(c: Case): { d: DesiredState; l: LiveState } {
  const d = desired(c.desired);
  const all = [...Object.keys(c.live.zones), ...Object.keys(c.live.other)].sort();
  const near = new Set(relatedUnmanaged(new Set(Object.keys(c.live.zones)), all));
  const other = Object.fromEntries(Object.entries(c.live.other).filter(([z]) => near.has(z)));
  const { accountDefault, ...rest } = c.live;
  const l = live({ ...rest, other, accountZoneNames: all, ...(c.desired.accountDefault ? { accountDefault } : {}) });
  return { d, l };
}

/** Whether zone z has an ancestor or descendant on `set` among `zones`. */
export function related(z: string, zones: Record<string, LiveZoneSpec | ZoneSpec>, set: number): boolean {
  return Object.entries(zones).some(([y, t]) => t === set && y !== z && (z.endsWith(`.${y}`) || y.endsWith(`.${z}`)));
}

export function genCase(rng: () => number): Case {
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

export function initialModel(c: Case): Model {
  const sets = new Map<number, Set<string>>();
  for (const [k, names] of Object.entries(c.live.sets)) sets.set(Number(k), new Set(names));
  const zones = new Map<string, ZoneNameservers>();
  for (const [z, t] of [...Object.entries(c.live.zones), ...Object.entries(c.live.other)]) zones.set(z, zoneNs(t));
  return { sets, zones, def: c.live.accountDefault };
}

/** (a)–(d): Cloudflare's rules, checked after every step. */
export function invariants(m: Model): string | null {
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
/** `held`: deletions the plan left out for now (they stay in their live set, and are not re-created elsewhere). */
export function finalState(m: Model, c: Case, held: { name: string; set: number }[] = []): string | null {
  const want = new Map<number, string[]>();
  const heldNames = new Set(held.map((h) => h.name));
  for (const [k, names] of Object.entries(c.desired.sets))
    want.set(
      Number(k),
      names.filter((n) => !heldNames.has(n)),
    );
  for (const h of held) (want.get(h.set) ?? want.set(h.set, []).get(h.set)!).push(h.name);
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

export function int(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function pick<T>(rng: () => number, a: readonly T[]): T {
  return a[Math.floor(rng() * a.length)];
}

export function shuffle<T>(rng: () => number, a: readonly T[]): T[] {
  const out = [...a];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
