/**
 * Taking over names already in production. Zones are delegated at their parents to
 * ns1/ns2.vanity.com, whose glue points at the servers that serve them today (the old provider's).
 * Registering Cloudflare's addresses first would send every zone to servers that do not serve it
 * yet; the safe order is: create the names, switch the zones on Cloudflare (Cloudflare then
 * answers for them under those names), re-point the glue and the names' A/AAAA, and keep the old
 * servers answering until the glue TTL has passed. This module decides, from what DNS said, whether
 * a set is such a takeover and whether it is safe, folds it into the plan, and follows its progress
 * (glue still old, some names re-pointed, all re-pointed and until when the old servers must answer).
 * Pure: the reads come from dns/ through the operations.
 */
import { compareText } from '../order.js';
import { listShort, valueSet } from './describe.js';
import { DEFAULT_PARENT_NS_TTL } from './leaving.js';
import type { DelegationFinding } from './delegation.js';
import type { Plan, Takeover } from './types.js';

/** A zone switching to a set whose parent delegates it to (some of) the set's names today. */
export interface TakeoverZone {
  zone: string;
  stepId: string;
  nameservers: string[];
  glue: { name: string; type: 'A' | 'AAAA'; address: string }[];
  nsTtl?: number;
}

/** A set that may be a takeover: zones switching to it are in production on its names. */
export interface TakeoverCandidate {
  set: number;
  names: string[];
  zones: TakeoverZone[];
}

/** What DNS says about one name of a candidate set. */
export interface NameSighting {
  name: string;
  /** Cloudflare's addresses for the name (empty when it does not exist yet). */
  cloudflare: string[];
  /** Glue for the name at its domain's parent (the registry's host record), when visible. */
  glue: string[];
  /** What the names' domain's own servers answer for the name's A/AAAA. */
  answers: string[];
}

/** Whether the old servers answer one zone with authority (a lameness check of the old addresses). */
export interface ServingRead {
  zone: string;
  status: 'ok' | 'failed' | 'could_not_verify';
  problems: string[];
}

export interface TakeoverVerdict {
  set: number;
  /** safe: every old address answers every zone with AA=1; unsafe: one does not; unknown: DNS could not tell. */
  state: 'safe' | 'unsafe' | 'unknown';
  names: { name: string; old: string[]; new: string[] }[];
  zones: TakeoverZone[];
  problems: string[];
}

/** Where the names' glue is changed and how long resolvers keep it, as read with the glue. */
export interface TakeoverPlace {
  hostZone: string;
  where: string;
  /** The parent's NS TTL of the names' domain, when read. */
  nsTtl?: number;
}

/**
 * Sets the plan checks glue for (zones switch to them) whose switching zones are delegated today to
 * some of the set's names: only those can be a takeover, so DNS is asked no more for other plans.
 */
export function takeoverCandidates(plan: Pick<Plan, 'steps'>, findings: DelegationFinding[]): TakeoverCandidate[] {
  const checked = new Set(plan.steps.filter((s) => s.kind === 'glue_check').map((s) => s.id));
  const bySet = new Map<number, TakeoverCandidate>();
  for (const f of findings) {
    if (f.direction !== 'to_custom' || f.status === 'unknown') continue;
    const step = plan.steps.find((s) => s.id === f.stepId);
    const set = step ? valueSet(step.after) : undefined;
    if (set === undefined || !checked.has(`glue_check:${set}`)) continue;
    const names = new Set(f.customNames);
    if (!f.nameservers.some((n) => names.has(n))) continue;
    const c = bySet.get(set) ?? { set, names: [...f.customNames].sort(), zones: [] };
    c.zones.push(takeoverZone(f));
    bySet.set(set, c);
  }
  return [...bySet.values()].sort((a, b) => a.set - b.set);
}

/**
 * The addresses each name points at today besides Cloudflare's, or undefined when the set is not a
 * takeover: no name has glue (at its domain's parent, or served as sibling glue in a zone's
 * referral) that points elsewhere. A mismatch that is only missing glue is the ordinary glue check.
 */
export function oldAddresses(
  names: NameSighting[],
  zones: Pick<TakeoverZone, 'glue'>[],
): Map<string, string[]> | undefined {
  const out = new Map<string, string[]>();
  let elsewhere = false;
  for (const n of names) {
    const mine = new Set(n.cloudflare);
    const sibling = zones.flatMap((z) => z.glue.filter((g) => g.name === n.name).map((g) => g.address));
    const glue = [...new Set([...n.glue, ...sibling])].filter((a) => !mine.has(a));
    if (glue.length > 0) elsewhere = true;
    const old = [...new Set([...glue, ...n.answers.filter((a) => !mine.has(a))])].sort();
    out.set(n.name, old);
  }
  return elsewhere ? out : undefined;
}

/** Safe only when every old address answers every zone with authority; unknown never passes. */
export function judgeTakeover(
  c: TakeoverCandidate,
  sightings: NameSighting[],
  old: Map<string, string[]>,
  serving: ServingRead[],
): TakeoverVerdict {
  const names = c.names.map((name) => ({
    name,
    old: old.get(name) ?? [],
    new: [...(sightings.find((s) => s.name === name)?.cloudflare ?? [])].sort(),
  }));
  const problems: string[] = [];
  let state: TakeoverVerdict['state'] = 'safe';
  for (const z of c.zones) {
    const r = serving.find((s) => s.zone === z.zone);
    if (!r || r.status === 'could_not_verify') {
      if (state === 'safe') state = 'unknown';
      problems.push(`${z.zone}: ${r?.problems.join('; ') || 'not checked'}`);
    } else if (r.status === 'failed') {
      state = 'unsafe';
      problems.push(`${z.zone}: ${r.problems.join('; ')}`);
    }
  }
  if (names.every((n) => n.old.length === 0)) {
    state = state === 'unsafe' ? state : 'unknown';
    problems.push('no address of the old servers is known');
  }
  return { set: c.set, state, names, zones: c.zones, problems };
}

/** The glue TTL: the longest NS TTL read for the names' domain and the zones (172800 s when unread). */
export function glueTtlOf(v: { zones: Pick<TakeoverZone, 'nsTtl'>[] }, place: Pick<TakeoverPlace, 'nsTtl'>): number {
  const ttls = [place.nsTtl, ...v.zones.map((z) => z.nsTtl)].filter((t): t is number => t !== undefined);
  return ttls.length > 0 ? Math.max(...ttls) : DEFAULT_PARENT_NS_TTL;
}

/**
 * Folds the verdicts into the plan: a safe takeover's glue check proves the old servers instead of
 * waiting for Cloudflare's addresses in the glue (reason glue_takeover), and the plan says the
 * registrar step and the hold that follow the switches; an unsafe one is a guard (not overridable),
 * an unknown one a delegation_unknown guard (fail closed).
 */
export function addTakeovers(plan: Plan, verdicts: { verdict: TakeoverVerdict; place: TakeoverPlace }[]): Plan {
  if (verdicts.length === 0) return plan;
  const steps = plan.steps.map((s) => ({ ...s }));
  const guards = [...plan.guards];
  const notes = [...plan.notes];
  const takeover: Takeover[] = [...(plan.takeover ?? [])];
  for (const { verdict: v, place } of verdicts) {
    const checkStep = `glue_check:${v.set}`;
    const zones = v.zones.map((z) => z.zone).sort();
    const names = v.names.map((n) => n.name);
    const old = [...new Set(v.names.flatMap((n) => n.old))].sort();
    const today =
      `${listShort(zones)} ${zones.length === 1 ? 'is' : 'are'} delegated to ${names.join(', ')} today, and ` +
      `${names.length === 1 ? 'its' : 'their'} glue points at other servers (${old.join(', ') || 'unknown'})`;
    const affected = [checkStep, ...v.zones.map((z) => z.stepId)];
    if (v.state === 'unsafe') {
      guards.push({
        id: `takeover:${v.set}`,
        kind: 'takeover',
        message:
          `taking over set ${v.set}'s names is unsafe: ${today}, but those servers do not answer as they should ` +
          `(${v.problems.slice(0, 3).join('; ')}) — resolvers following the glue would fail those zones; make the ` +
          "old servers answer each zone with authority (AA=1), or correct the glue or the zones' delegation, " +
          'then plan again',
        steps: affected,
      });
      continue;
    }
    if (v.state === 'unknown') {
      guards.push({
        id: `delegation_unknown:takeover:${v.set}`,
        kind: 'delegation_unknown',
        message:
          `set ${v.set}'s names are in production: ${today}, but whether those servers still answer for the ` +
          `zones could not be verified (${v.problems.slice(0, 3).join('; ')}) — run where DNS is reachable, or ` +
          'check that they answer each zone with authority and apply with --allow-unknown-delegation',
        override: 'delegation_unknown',
        steps: affected,
      });
    }
    const ttl = glueTtlOf(v, place);
    const step = steps.find((s) => s.id === checkStep);
    if (step) {
      step.reasonCode = 'glue_takeover';
      step.reason =
        `${today}: a takeover — this check proves the old servers still answer each zone with authority (AA=1) ` +
        "instead of waiting for Cloudflare's addresses in the glue; the glue is re-pointed only after the switches";
    }
    const after = v.zones.map((z) => z.stepId).filter((id) => steps.some((s) => s.id === id));
    takeover.push({
      set: v.set,
      hostZone: place.hostZone,
      where: place.where,
      names: v.names.map((n) => ({ name: n.name, old: [...n.old], new: [...n.new] })),
      zones,
      checkStep,
      after,
      glueTtl: ttl,
    });
    notes.push(repointNote(v.set, place.where, v.names, place.hostZone));
    notes.push(keepOldNote(old, zones, ttl));
  }
  return { ...plan, steps, guards, notes, safe: guards.length === 0, ...(takeover.length ? { takeover } : {}) };
}

/** The registrar step of a takeover, in words (also what apply repeats with the addresses it then knows). */
export function repointNote(
  set: number,
  where: string,
  names: { name: string; old: string[]; new: string[] }[],
  hostZone: string,
): string {
  const each = names.map(
    (n) =>
      `${n.name} from ${n.old.join(', ') || 'its old addresses'} to ` +
      (n.new.length ? n.new.join(', ') : "Cloudflare's addresses (shown once the name is created: `acns glue`)"),
  );
  return (
    `takeover of set ${set}, once the switches are applied (not before: the old servers serve the zones until ` +
    `then), ${where}: re-point the glue (host records) of ${each.join('; ')} — and the names' A/AAAA records ` +
    `at the DNS provider of ${hostZone}`
  );
}

/** The hold after the registrar step: both old and new servers answer until the glue TTL has passed. */
export function keepOldNote(old: string[], zones: string[], ttl: number): string {
  return (
    `then keep the old servers (${old.join(', ')}) answering ${listShort(zones)} with authority for ${ttl} s ` +
    `(${humanTtl(ttl)}, the glue TTL) after the glue is re-pointed — resolvers may keep the old glue that long; ` +
    '`acns glue` and `acns drift` record when they first see the change and say until when'
  );
}

/** A takeover carried out by apply, and what was seen of its registrar step since. */
export interface TakeoverRecord {
  set: number;
  hostZone: string;
  names: { name: string; old: string[] }[];
  zones: string[];
  /** ISO: when apply switched the zones; absent when the takeover was found from DNS without a record. */
  switchedAt?: string;
  /** ISO: when `acns glue` or `acns drift` found it from DNS (apply's record was missing). */
  detectedAt?: string;
  glueTtl: number;
  /** Names first seen re-pointed to Cloudflare's addresses, and when. */
  repointed: { name: string; at: string }[];
}

/** Records (or starts again) the takeover of a set after apply switched its zones. */
export function recordTakeover(records: TakeoverRecord[], t: Takeover, zones: string[], at: string): TakeoverRecord[] {
  const rest = records.filter((r) => r.set !== t.set);
  const rec: TakeoverRecord = {
    set: t.set,
    hostZone: t.hostZone,
    names: t.names.map((n) => ({ name: n.name, old: [...n.old] })),
    zones: [...zones].sort(),
    switchedAt: at,
    glueTtl: t.glueTtl,
    repointed: [],
  };
  return [...rest, rec].sort((a, b) => a.set - b.set);
}

/** What the glue check saw for one name of a set being taken over. */
export interface NameNow {
  name: string;
  /** The glue check verified the name: glue and A/AAAA are Cloudflare's addresses. */
  ok: boolean;
  /** Every address seen for it (glue at the parent and the domain's answers). */
  seen: string[];
  /** Cloudflare's addresses. */
  cloudflare: string[];
}

/**
 * A server that must keep answering a takeover's zone with authority until the hold is over, and
 * does not: an old server (resolvers may still hold the old glue) or one of Cloudflare's addresses
 * (resolvers that follow the new glue).
 */
export interface HoldFinding {
  zone: string;
  side: 'old' | 'cloudflare';
  status: 'failed' | 'could_not_verify';
  /** The addresses that did not answer with authority (or could not be asked). */
  servers: string[];
  message: string;
}

export interface TakeoverProgress {
  set: number;
  /** old: no name re-pointed yet (expected: next step at the registrar); mixed: some are; repointed: all are. */
  state: 'old' | 'mixed' | 'repointed';
  names: { name: string; state: 'old' | 'repointed' | 'unknown'; at?: string }[];
  /** repointed: until when the old servers must keep answering (ISO). */
  until?: string;
  /** repointed and `until` has passed: the old servers may be retired. */
  done?: boolean;
  /** Every name is either still on the recorded old addresses or re-pointed: nothing else is wrong. */
  explained: boolean;
  /** Found from DNS: apply's record of the switch is missing (first-seen times count from acns's sightings). */
  detected?: true;
  /** Servers that must keep answering the zones until the hold is over but do not (plan/takeover-hold.ts). */
  hold?: HoldFinding[];
  message: string;
}

/**
 * Where a recorded takeover stands, from a glue check of its set: glue still old (expected — the
 * next step is the registrar), mixed (a warning during a takeover, not a failure), or re-pointed
 * (first seen now or earlier; the old servers keep answering until the glue TTL has passed).
 */
export function takeoverProgress(
  rec: TakeoverRecord,
  now: NameNow[],
  at: Date,
): { progress: TakeoverProgress; record: TakeoverRecord } {
  const repointed = [...rec.repointed];
  const names: TakeoverProgress['names'] = rec.names.map((r) => {
    const n = now.find((x) => x.name === r.name);
    if (n?.ok) {
      let seen = repointed.find((p) => p.name === r.name);
      if (!seen) {
        seen = { name: r.name, at: at.toISOString() };
        repointed.push(seen);
      }
      return { name: r.name, state: 'repointed', at: seen.at };
    }
    // seen on the old addresses again: the earlier sighting no longer counts
    const i = repointed.findIndex((p) => p.name === r.name);
    if (i >= 0) repointed.splice(i, 1);
    const onOld = n?.seen.some((a) => r.old.includes(a)) === true;
    return { name: r.name, state: onOld ? 'old' : 'unknown' };
  });
  const done = names.filter((n) => n.state === 'repointed');
  const state: TakeoverProgress['state'] =
    done.length === names.length ? 'repointed' : done.length === 0 ? 'old' : 'mixed';
  const old = [...new Set(rec.names.flatMap((n) => n.old))].sort();
  const pending = names.filter((n) => n.state !== 'repointed').map((n) => n.name);
  const unknown = names.filter((n) => n.state === 'unknown').map((n) => n.name);
  const target = now
    .filter((n) => pending.includes(n.name))
    .map((n) => `${n.name} ${n.cloudflare.join(', ') || "(Cloudflare's addresses)"}`);
  const since = rec.switchedAt
    ? `switched ${rec.switchedAt}`
    : `found from DNS ${rec.detectedAt ?? at.toISOString()}, no record of the switch`;
  const head = `takeover of set ${rec.set} (${listShort(rec.zones)}, ${since})`;
  const unclear = unknown.length
    ? `; ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} on neither the old nor Cloudflare's addresses`
    : '';
  const freshUnknown = !rec.switchedAt && done.some((n) => Date.parse(n.at!) === at.getTime());
  const unknownFirstSeen =
    ' — when the glue was re-pointed is unknown (.acns/takeovers.json from apply is missing), so the hold is ' +
    'counted from now';
  let message: string;
  let until: string | undefined;
  let finished = false;
  if (state === 'repointed') {
    const last = Math.max(...done.map((n) => Date.parse(n.at!)));
    until = new Date(last + rec.glueTtl * 1000).toISOString();
    // fail safe: only a sighting recorded by an earlier run, older than the glue TTL, retires anything
    finished = Date.parse(until) <= at.getTime() && last < at.getTime();
    message = finished
      ? `${head}: the glue points at Cloudflare's addresses since ${new Date(last).toISOString()} and the glue TTL ` +
        `(${rec.glueTtl} s) has passed — the old servers (${old.join(', ')}) can be retired`
      : `${head}: the glue points at Cloudflare's addresses (first seen ${new Date(last).toISOString()}); keep the ` +
        `old servers (${old.join(', ')}) answering with authority until ${until}, then retire them` +
        (freshUnknown ? unknownFirstSeen : '');
  } else if (state === 'mixed') {
    message =
      `${head}: ${done.map((n) => `${n.name} re-pointed (first seen ${n.at})`).join(', ')}; ` +
      `${pending.join(', ')} still on the old servers — a warning during a takeover: re-point ` +
      `${pending.length === 1 ? 'it' : 'them'} too (${target.join('; ')}); the old servers keep answering until ` +
      `${rec.glueTtl} s after the last name is re-pointed${unclear}${freshUnknown ? unknownFirstSeen : ''}`;
  } else {
    message =
      `${head}: the glue still points at the old servers (${old.join(', ')}) — expected; next step: re-point it ` +
      `at the registrar of ${rec.hostZone} to Cloudflare's addresses (${target.join('; ')}), and the names' ` +
      `A/AAAA records${unclear}`;
  }
  const progress: TakeoverProgress = {
    set: rec.set,
    state,
    ...(rec.switchedAt ? {} : { detected: true as const }),
    names,
    ...(until ? { until } : {}),
    ...(finished ? { done: true } : {}),
    explained: unknown.length === 0,
    message,
  };
  return { progress, record: { ...rec, repointed: repointed.sort((a, b) => compareText(a.name, b.name)) } };
}

/** Sets whose failing glue check a takeover in progress explains (glue old or partly re-pointed: expected). */
export function explainedSets(progress: TakeoverProgress[]): Set<number> {
  return new Set(progress.filter((p) => p.explained).map((p) => p.set));
}

/** A candidate's zones, from the plan's findings, for apply's proof before the switches. */
export function candidateFromFindings(set: number, names: string[], findings: DelegationFinding[]): TakeoverCandidate {
  const own = new Set(names);
  return {
    set,
    names: [...names].sort(),
    zones: findings.filter((f) => f.status !== 'unknown' && f.nameservers.some((n) => own.has(n))).map(takeoverZone),
  };
}

function takeoverZone(f: DelegationFinding): TakeoverZone {
  return {
    zone: f.zone,
    stepId: f.stepId,
    nameservers: [...f.nameservers],
    glue: [...(f.glue ?? [])],
    ...(f.nsTtl !== undefined ? { nsTtl: f.nsTtl } : {}),
  };
}

function humanTtl(s: number): string {
  if (s % 86400 === 0) return `${s / 86400} day${s === 86400 ? '' : 's'}`;
  if (s % 3600 === 0) return `${s / 3600} hour${s === 3600 ? '' : 's'}`;
  return `${Math.ceil(s / 60)} min`;
}
