/**
 * The "leaving a set" rule for names: a name is deleted (pruned, or moved to another set) only when
 * nothing can still send resolvers to it. Every zone that is on its set, leaves it in this run or
 * recently left it (as recorded), and the domain that holds the name, is read from DNS; a name a
 * parent still lists is held, an unreadable delegation is a guard with a named override (never a
 * pass), and once the delegations moved, the deletion waits until the caches that may hold the old
 * delegation have expired: the parent's NS TTL, the apex NS TTL and the names' address TTL.
 * The zones a plan switches are read too: a parent that delegates one of them to a name the plan
 * deletes holds that deletion like any other (one rule, one message, never a second guard).
 * Pure: the reads come from dns/, the records of when delegations moved from the caller.
 */
import { compareText } from '../order.js';
import { listShort, valueSet } from './describe.js';
import type { Guard, HeldDeletion, Plan } from './types.js';

/** Cloudflare's TTL for a zone's apex NS records (seconds): how long resolvers keep a set's names. */
export const APEX_NS_TTL = 86400;
/** Used when a referral's NS TTL could not be read: what .com and .net publish. */
export const DEFAULT_PARENT_NS_TTL = 172800;
/** Used when the names' A/AAAA TTL could not be read: fail closed like an unread parent TTL. */
export const DEFAULT_ADDRESS_TTL = DEFAULT_PARENT_NS_TTL;

/** What DNS said about one delegation (a zone's, or the domain holding a set's names). */
export interface DelegationRead {
  subject: string;
  status: 'delegated' | 'elsewhere' | 'unknown';
  nameservers: string[]; // the NS the parent lists (union over its answering servers)
  glue?: { name: string; type: 'A' | 'AAAA'; address: string; ttl?: number }[];
  nsTtl?: number; // the parent's NS TTL (also the glue's, at registries)
  detail: string;
  /** Where the delegation is changed, in words ("at the registrar of example.org"). */
  where?: string;
}

/** A zone (or names' domain) that left a set, and when its delegation was first seen to move. */
export interface DelegationMove {
  subject: string;
  set: number;
  names: string[]; // the set's names when it left
  switchedAt?: string; // ISO: when apply switched the zone off the set
  movedAt?: string; // ISO: first read in which the parent listed none of `names`
  parentNsTtl?: number;
  /** The longest A/AAAA TTL of `names` read so far (seconds): how long resolvers may keep their addresses. */
  addressTtl?: number;
}

/**
 * One account's record of moves. `historyFrom` (ISO): the record began then, in a run that found
 * no record of this account (a fresh checkout, or a fresh setup): what moved before is unknown, so
 * every deletion waits until the caches from then have expired (HISTORY_TTL). A record begun by a
 * run that had one keeps its start; a record without one is complete history.
 */
export interface MovesRecord {
  moves: DelegationMove[];
  historyFrom?: string;
}

/** How long deletions wait after `historyFrom`: the longest default of the TTLs waited for. */
export const HISTORY_TTL = Math.max(DEFAULT_PARENT_NS_TTL, APEX_NS_TTL, DEFAULT_ADDRESS_TTL);

/** One delegation the rule reads for a name: a zone on (or recently on) its set, or its domain. */
export interface LeavingQuestion {
  subject: string;
  kind: 'zone' | 'names_domain';
  /** The names leaving that this subject may list. */
  names: string[];
}

export interface LeavingContext {
  /** Zones on each set now, as read (file zones and others). */
  zonesOnSet: Map<number, string[]>;
  /** The domain that holds a name (its registrable domain). */
  domainOf: (name: string) => string;
  /** Each name's addresses in Cloudflare (to tell a names' domain served by Cloudflare's names). */
  addresses: Map<string, { ipv4?: string; ipv6?: string }>;
  moves: DelegationMove[];
  /** The record of moves began then (see MovesRecord): every deletion waits HISTORY_TTL from then. */
  historyFrom?: string;
}

/** Names the plan deletes, by set (before any hold). */
export function deletedNames(plan: Pick<Plan, 'steps'>): { name: string; set: number; stepId: string }[] {
  return plan.steps
    .filter((s) => s.kind === 'delete_nameserver' && valueSet(s.before) !== undefined)
    .map((s) => ({ name: s.target, set: valueSet(s.before)!, stepId: s.id }));
}

/** The delegations to read before the plan's deletions may go ahead. */
export function leavingQuestions(plan: Pick<Plan, 'steps'>, ctx: LeavingContext): LeavingQuestion[] {
  const out = new Map<string, LeavingQuestion>();
  const ask = (subject: string, kind: LeavingQuestion['kind'], name: string): void => {
    const q = out.get(subject) ?? { subject, kind, names: [] };
    if (kind === 'names_domain') q.kind = 'names_domain';
    if (!q.names.includes(name)) q.names.push(name);
    out.set(subject, q);
  };
  const leaving = zonesLeaving(plan);
  const switched = plan.steps.filter((s) => s.kind === 'assign_zone').map((s) => s.target);
  for (const d of deletedNames(plan)) {
    if (leaving.has(d.set)) continue; // held by the planner: zones leave the set in this run
    // every zone on a set, not only on this one: a zone moved to another set (in the dashboard, or by a
    // run whose record is gone) may still be delegated to this set's names
    for (const zones of ctx.zonesOnSet.values()) for (const z of zones) ask(z, 'zone', d.name);
    // a zone the plan switches may still be delegated to names of any set (left long ago, or never moved)
    for (const z of switched) ask(z, 'zone', d.name);
    for (const m of ctx.moves) if (m.set === d.set && m.names.includes(d.name)) ask(m.subject, 'zone', d.name);
    ask(ctx.domainOf(d.name), 'names_domain', d.name);
  }
  return [...out.values()].sort((a, b) => compareText(a.subject, b.subject));
}

export interface LeavingVerdict {
  hold: HeldDeletion[];
  guards: Guard[];
  /** The records with what this run saw (delegations first seen to have moved). */
  moves: DelegationMove[];
}

/**
 * Decides, per deleted name, from the reads: held while a parent lists it, a guard when a
 * delegation could not be read, held until the caches expire once the delegations moved.
 */
export function evaluateLeaving(
  plan: Pick<Plan, 'steps'>,
  ctx: LeavingContext,
  reads: Map<string, DelegationRead>,
  now: Date,
  /** Each name's A/AAAA TTL as read (absent: not read, the default counts). */
  addressTtls: Map<string, number> = new Map(),
): LeavingVerdict {
  const questions = leavingQuestions(plan, ctx);
  const moves = updateMoves(ctx.moves, reads, now, addressTtls);
  const hold: HeldDeletion[] = [];
  const heldBy = new Map<string, string>();
  const missingSince = new Map<string, string>(); // held from when the record began
  const listing = new Map<string, DelegationMove>(); // zones seen listing a deleted name, by subject|set
  const guards: Guard[] = [];
  const unknownNames: { name: string; set: number; stepId: string; unknown: DelegationRead[] }[] = [];
  const listedBy = new Map<string, DelegationRead[]>();
  const leaving = zonesLeaving(plan);
  for (const d of deletedNames(plan)) {
    if (leaving.has(d.set)) continue;
    const mine = questions.filter((q) => q.names.includes(d.name));
    const listed: DelegationRead[] = [];
    const unknown: DelegationRead[] = [];
    for (const q of mine) {
      const r = reads.get(q.subject);
      if (!r || r.status === 'unknown') {
        unknown.push(r ?? { subject: q.subject, status: 'unknown', nameservers: [], detail: 'not read' });
        continue;
      }
      if (!r.nameservers.includes(d.name)) continue;
      // the domain holding the name may be served by other servers of the same name (glue elsewhere)
      if (q.kind === 'names_domain' && !servedByCloudflare(d.name, r, ctx.addresses)) continue;
      listed.push(r);
      // recorded, the names' own domain like a zone: once its delegation moves, the caches are waited for
      const key = `${r.subject}|${d.set}`;
      const m = listing.get(key) ?? { subject: r.subject, set: d.set, names: [] };
      m.names.push(d.name);
      listing.set(key, m);
    }
    if (listed.length > 0) {
      hold.push({ name: d.name, set: d.set, cause: 'listed', message: listedMessage([d.name], d.set, listed, ctx) });
      listedBy.set(d.name, listed);
      continue;
    }
    if (unknown.length > 0) {
      unknownNames.push({ ...d, unknown });
      continue;
    }
    const ends = cachesUntil(d, moves, ctx.historyFrom);
    if (ends && ends.at.getTime() > now.getTime()) {
      hold.push({ name: d.name, set: d.set, cause: 'caches', until: ends.at.toISOString(), message: '' });
      heldBy.set(d.name, ends.by);
      if (ends.recordMissing) missingSince.set(d.name, ends.recordMissing);
    }
  }
  if (unknownNames.length > 0) guards.push(unknownGuard(unknownNames));
  return {
    hold: groupListed(hold, listedBy, heldBy, missingSince, ctx),
    guards,
    moves: recordListing(moves, listing),
  };
}

/**
 * A zone (or the domain holding the names) seen delegated to names being deleted is recorded (once)
 * with those names: when its delegation later moves, the deletion waits for the caches like any zone
 * that left the set — resolvers may keep the old delegation of the names' domain just as long.
 */
function recordListing(moves: DelegationMove[], listing: Map<string, DelegationMove>): DelegationMove[] {
  const fresh = [...listing.values()].filter((l) => !moves.some((m) => m.subject === l.subject && m.set === l.set));
  if (fresh.length === 0) return moves;
  return [...moves, ...fresh.map((m) => ({ ...m, names: [...new Set(m.names)].sort() }))].sort(
    (a, b) => compareText(a.subject, b.subject) || a.set - b.set,
  );
}

/**
 * Records a zone or domain that leaves a set: apply calls it for each switch it made off a set.
 * An existing record of the same zone and set starts again (it left again).
 */
export function recordSwitch(moves: DelegationMove[], m: Omit<DelegationMove, 'movedAt'>): DelegationMove[] {
  const rest = moves.filter((x) => !(x.subject === m.subject && x.set === m.set));
  return [...rest, { ...m }].sort((a, b) => compareText(a.subject, b.subject) || a.set - b.set);
}

/**
 * The moment each recorded delegation was first seen to list none of the set's names, and the
 * longest address TTL of its names read so far (a TTL only grows: resolvers may hold the largest).
 */
function updateMoves(
  moves: DelegationMove[],
  reads: Map<string, DelegationRead>,
  now: Date,
  addressTtls: Map<string, number>,
): DelegationMove[] {
  return moves.map((prev) => {
    const ttls = prev.names.map((n) => addressTtls.get(n)).filter((t): t is number => t !== undefined);
    const m = ttls.length ? { ...prev, addressTtl: Math.max(prev.addressTtl ?? 0, ...ttls) } : prev;
    const r = reads.get(m.subject);
    if (!r || r.status === 'unknown') return { ...m };
    const lists = r.nameservers.some((n) => m.names.includes(n));
    if (lists) {
      const { movedAt: _gone, ...still } = m;
      return still;
    }
    if (m.movedAt) return { ...m };
    return { ...m, movedAt: now.toISOString(), ...(r.nsTtl !== undefined ? { parentNsTtl: r.nsTtl } : {}) };
  });
}

/**
 * When the caches that may hold a delegation naming `d` expire, and which TTL decides it
 * (undefined: nothing recorded). From the switch, the apex NS TTL; from the moment the delegation
 * was first seen to move, the longest of the parent's NS TTL, the apex NS TTL and the names'
 * address TTL — an unread TTL counts as its conservative default. From the start of a record begun
 * without one (`historyFrom`), the longest default: any delegation may have moved then.
 */
export function cachesUntil(
  d: { name: string; set: number },
  moves: DelegationMove[],
  historyFrom?: string,
): { at: Date; by: string; recordMissing?: string } | undefined {
  let latest: { t: number; by: string; missing?: string } | undefined;
  let missing: string | undefined;
  const consider = (t: number, by: string): void => {
    if (Number.isFinite(t) && (latest === undefined || t > latest.t))
      latest = { t, by, ...(missing ? { missing } : {}) };
  };
  const ttl = (s: number | undefined, fallback: number): string =>
    s === undefined ? `${fallback} s: not read, assumed` : `${s} s`;
  for (const m of moves) {
    if (m.set !== d.set || !m.names.includes(d.name)) continue;
    if (m.switchedAt) {
      consider(
        Date.parse(m.switchedAt) + APEX_NS_TTL * 1000,
        `the apex NS TTL of ${m.subject} (${APEX_NS_TTL} s) after its switch at ${m.switchedAt}`,
      );
    }
    if (!m.movedAt) continue;
    const from = Date.parse(m.movedAt);
    const seen = `after ${m.subject}'s delegation was first seen moved at ${m.movedAt}`;
    const whose = `of ${m.subject}`;
    consider(
      from + (m.parentNsTtl ?? DEFAULT_PARENT_NS_TTL) * 1000,
      `the parent's NS TTL ${whose} (${ttl(m.parentNsTtl, DEFAULT_PARENT_NS_TTL)}) ${seen}`,
    );
    consider(from + APEX_NS_TTL * 1000, `the apex NS TTL ${whose} (${APEX_NS_TTL} s) ${seen}`);
    consider(
      from + (m.addressTtl ?? DEFAULT_ADDRESS_TTL) * 1000,
      `the names' address TTL (${ttl(m.addressTtl, DEFAULT_ADDRESS_TTL)}) ${seen}`,
    );
  }
  if (historyFrom !== undefined) {
    missing = historyFrom;
    consider(
      Date.parse(historyFrom) + HISTORY_TTL * 1000,
      `${HISTORY_TTL} s from ${historyFrom}, when the record of this account's moves began`,
    );
  }
  return (
    latest && { at: new Date(latest.t), by: latest.by, ...(latest.missing ? { recordMissing: latest.missing } : {}) }
  );
}

function servedByCloudflare(name: string, r: DelegationRead, addresses: LeavingContext['addresses']): boolean {
  const mine = addresses.get(name);
  const glue = (r.glue ?? []).filter((g) => g.name === name);
  // no glue to compare, or glue at Cloudflare's address: the domain relies on this very name
  if (glue.length === 0 || !mine) return true;
  return glue.some((g) => g.address === (g.type === 'A' ? mine.ipv4 : mine.ipv6));
}

function listedMessage(names: string[], set: number, listed: DelegationRead[], ctx: LeavingContext): string {
  const zones = listed.map((r) => r.subject).sort();
  const where = [...new Set(listed.map((r) => r.where).filter((w): w is string => Boolean(w)))];
  const domains = [...new Set(names.map((n) => ctx.domainOf(n)))].filter((d) => zones.includes(d));
  const holdsNames = domains.length
    ? ` ${domains.join(', ')} hold${domains.length === 1 ? 's' : ''} the names of every set under ` +
      `${domains.length === 1 ? 'it' : 'them'}: deleting a name it is delegated to takes all of them down.`
    : '';
  const them = names.length === 1 ? 'it' : 'them';
  return (
    `deleting ${names.join(', ')} (set ${set}) is held: the parent still delegates ${listShort(zones)} to ${them}.` +
    `${holdsNames} Change those NS first${where.length ? ` (${where.slice(0, 3).join('; ')})` : ''}, then plan ` +
    `again: acns deletes ${them} once no parent lists ${them} and the caches have expired`
  );
}

/** Names of one set held by the same delegations share one note. */
function groupListed(
  hold: HeldDeletion[],
  listedBy: Map<string, DelegationRead[]>,
  heldBy: Map<string, string>,
  missingSince: Map<string, string>,
  ctx: LeavingContext,
): HeldDeletion[] {
  const groups = new Map<string, string[]>();
  for (const h of hold) {
    if (h.cause !== 'listed') continue;
    const key = `${h.set}|${(listedBy.get(h.name) ?? [])
      .map((r) => r.subject)
      .sort()
      .join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), h.name]);
  }
  const caches = new Map<string, string[]>();
  const cacheKey = (h: HeldDeletion): string => `${h.set}|${h.until}|${heldBy.get(h.name)}`;
  for (const h of hold) if (h.cause === 'caches') caches.set(cacheKey(h), [...(caches.get(cacheKey(h)) ?? []), h.name]);
  return hold.map((h) => {
    if (h.cause === 'caches') {
      const names = caches.get(cacheKey(h))!;
      const since = missingSince.get(h.name);
      if (since) return { ...h, message: missingRecordMessage(names, h, since) };
      return {
        ...h,
        message:
          `deleting ${names.join(', ')} (set ${h.set}) is held until ${h.until}: the delegations that named ` +
          `${names.length === 1 ? 'it' : 'them'} moved recently, and resolvers may keep the old ones until then ` +
          `(the longest of the parent's NS TTL, the zones' apex NS TTL and the names' address TTL: here ` +
          `${heldBy.get(h.name)}) — plan again after that time`,
      };
    }
    if (h.cause !== 'listed') return h;
    const key = `${h.set}|${(listedBy.get(h.name) ?? [])
      .map((r) => r.subject)
      .sort()
      .join(',')}`;
    const names = groups.get(key)!;
    return { ...h, message: listedMessage(names, h.set, listedBy.get(h.name) ?? [], ctx) };
  });
}

/** A hold from the start of the record: names the cause, the fix that keeps earlier timing, and the way out. */
function missingRecordMessage(names: string[], h: HeldDeletion, since: string): string {
  const them = names.length === 1 ? 'it' : 'them';
  return (
    `deleting ${names.join(', ')} (set ${h.set}) is held until ${h.until}: there was no record of when the ` +
    `delegations that may name ${them} moved before ${since} (.acns/delegation-moves.json had no record of this ` +
    `account at ${since}; the record begun then covers only what moved since), so resolvers' caches are waited ` +
    `for from then (${HISTORY_TTL} s, the longest default of the parent's NS TTL, the apex NS TTL and the names' ` +
    `address TTL). To keep the earlier timing, restore .acns/delegation-moves.json from your CI cache or a backup ` +
    `and plan again; otherwise plan again after that time. If no zone was ever delegated to ${them}, ` +
    `\`acns apply --allow-unknown-delegation\` (without a plan file) deletes ${them} now`
  );
}

/** One guard for every name whose delegations could not all be read (one line for the run, not one per name). */
function unknownGuard(names: { name: string; set: number; stepId: string; unknown: DelegationRead[] }[]): Guard {
  const subjects = [...new Set(names.flatMap((n) => n.unknown.map((r) => r.subject)))].sort();
  const why = names[0]!.unknown[0]?.detail ?? '';
  const listed = names.map((n) => `${n.name} (set ${n.set})`);
  return {
    id: 'delegation_unknown:names',
    kind: 'delegation_unknown',
    message:
      `cannot tell whether a parent still delegates to ${listShort(listed)}: the delegation of ` +
      `${listShort(subjects)} could not be read (${why}) — deleting a name a parent lists takes those zones ` +
      'down; run where DNS is reachable (or set dns.parent_servers), or check the delegations yourself and apply ' +
      'with --allow-unknown-delegation',
    override: 'delegation_unknown',
    steps: names.map((n) => n.stepId),
  };
}

function zonesLeaving(plan: Pick<Plan, 'steps'>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const s of plan.steps) {
    if (s.kind !== 'assign_zone' || s.before === null || !('type' in s.before)) continue;
    if (s.before.type !== 'custom.account') continue;
    const set = s.before.set ?? 1;
    (out.get(set) ?? out.set(set, []).get(set)!).push(s.target);
  }
  return out;
}
