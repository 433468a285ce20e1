/**
 * When delegations moved: `.acns/delegation-moves.json` beside the last-applied record. Apply adds
 * each zone it switched off a set (with the set's names and the time); plan, apply and drift add
 * the moment a read first shows that zone's parent listing none of those names (with the parent's NS
 * TTL), the longest A/AAAA TTL of the names read so far, and zones (or the domain holding the names)
 * found still delegated to names a plan deletes (so their later move is waited for too). A name of
 * the set is deleted only once the caches that may hold the old delegation have expired after that
 * moment (plan/leaving.ts). No record of the account (a fresh checkout) is not a record of no moves:
 * the record it begins starts its history then (history_from), and every deletion waits for the
 * caches from then, whichever names later runs delete. A failure to write is a warning,
 * but a damaged file stops the run: read as empty (and then rewritten), it would release the holds it
 * times. Keep the folder between runs (CI caches it); each account has its own section (records.ts).
 */
import { join } from 'node:path';
import type { MovesRecord } from '../plan/leaving.js';
import type { TakeoverRecord } from '../plan/takeover.js';
import { damagedRecord as damaged, readSection, writeSection } from './records.js';

export const MOVES_PATH = '.acns/delegation-moves.json';
const MOVES_HOLD = 'when each zone left a set, which holds name deletions until the caches expired';

/** One account's section of the file (see records.ts for the file around it). */
interface MovesSection {
  /** When the section was begun by a run that found no record of this account (absent: complete history). */
  history_from?: string;
  moves: {
    subject: string;
    set: number;
    names: string[];
    switched_at?: string;
    moved_at?: string;
    parent_ns_ttl?: number;
    /** Added later: files without it are read as "not read yet" (the default TTL counts). */
    address_ttl?: number;
    /**
     * Written by acns before history_from: held from moved_at because no record of this account existed
     * then. Read as the start of the history (the section was begun by that run); no longer written.
     */
    record_missing?: true;
  }[];
}

export function movesPath(cwd: string): string {
  return join(cwd, MOVES_PATH);
}

/**
 * The recorded moves of this account; undefined when there is no record of it (no file, or a file
 * of other accounts only), which is not the same as a record of no moves. A damaged file is an error.
 */
export async function readMoves(path: string, accountId: string): Promise<MovesRecord | undefined> {
  const doc = (await readSection(path, MOVES_PATH, MOVES_HOLD, accountId)).section as Partial<MovesSection> | undefined;
  if (doc === undefined) return undefined;
  if (!Array.isArray(doc.moves)) throw damaged(MOVES_PATH, '"moves" is not a list', MOVES_HOLD);
  if (doc.history_from !== undefined && !isTime(doc.history_from))
    throw damaged(MOVES_PATH, '"history_from" is not a time', MOVES_HOLD);
  // the run that wrote record_missing entries began the section: its time starts the history
  const starts = [
    ...(doc.history_from !== undefined ? [doc.history_from] : []),
    ...doc.moves.filter((m) => m?.record_missing === true && isTime(m.moved_at)).map((m) => m.moved_at!),
  ].sort((a, b) => Date.parse(a) - Date.parse(b));
  const moves = doc.moves.map((m, i) => {
    const ok =
      typeof m?.subject === 'string' &&
      Number.isInteger(m.set) &&
      Array.isArray(m.names) &&
      m.names.every((n) => typeof n === 'string') &&
      optionalTime(m.switched_at) &&
      optionalTime(m.moved_at) &&
      optionalTtl(m.parent_ns_ttl) &&
      optionalTtl(m.address_ttl) &&
      (m.record_missing === undefined || (m.record_missing === true && m.moved_at !== undefined));
    if (!ok) throw damaged(MOVES_PATH, `moves[${i}] is not a valid record`, MOVES_HOLD);
    return {
      subject: m.subject,
      set: m.set,
      names: [...m.names],
      ...(m.switched_at !== undefined ? { switchedAt: m.switched_at } : {}),
      ...(m.moved_at !== undefined ? { movedAt: m.moved_at } : {}),
      ...(m.parent_ns_ttl !== undefined ? { parentNsTtl: m.parent_ns_ttl } : {}),
      ...(m.address_ttl !== undefined ? { addressTtl: m.address_ttl } : {}),
    };
  });
  return {
    moves: moves.filter((_, i) => doc.moves![i]!.record_missing !== true),
    ...(starts.length ? { historyFrom: starts[0]! } : {}),
  };
}

function isTime(v: unknown): v is string {
  return typeof v === 'string' && Number.isFinite(Date.parse(v));
}

function optionalTime(v: unknown): boolean {
  return v === undefined || isTime(v);
}

function optionalTtl(v: unknown): boolean {
  return v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
}

/** Writes the records whole or not at all; returns why it failed (never throws: advisory). */
export async function writeMoves(
  cwd: string,
  accountId: string,
  record: MovesRecord,
  now: Date,
): Promise<string | undefined> {
  const doc: MovesSection = {
    ...(record.historyFrom !== undefined ? { history_from: record.historyFrom } : {}),
    moves: record.moves.map((m) => ({
      subject: m.subject,
      set: m.set,
      names: [...m.names],
      ...(m.switchedAt ? { switched_at: m.switchedAt } : {}),
      ...(m.movedAt ? { moved_at: m.movedAt } : {}),
      ...(m.parentNsTtl !== undefined ? { parent_ns_ttl: m.parentNsTtl } : {}),
      ...(m.addressTtl !== undefined ? { address_ttl: m.addressTtl } : {}),
    })),
  };
  return writeSection(movesPath(cwd), MOVES_PATH, accountId, { ...doc }, now, {
    what: 'the delegation moves record',
  });
}

/** Whether two records say the same (so an unchanged record is not rewritten). */
export function sameMoves(a: MovesRecord | undefined, b: MovesRecord | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Takeovers of names already in production (`.acns/takeovers.json`, beside the moves): apply
 * records each set whose zones it switched while the names' glue still pointed at the old servers;
 * `acns glue` and `acns drift` add when they first see each name re-pointed to Cloudflare's
 * addresses, from which the old servers must keep answering for the glue TTL, and record a takeover
 * they found from DNS when this file was missing (`detected_at` instead of `switched_at`).
 */
export const TAKEOVERS_PATH = '.acns/takeovers.json';

interface TakeoversSection {
  takeovers: {
    set: number;
    host_zone: string;
    names: { name: string; old: string[] }[];
    zones: string[];
    switched_at?: string;
    /** found from DNS by glue or drift without apply's record */
    detected_at?: string;
    glue_ttl: number;
    repointed: { name: string; at: string }[];
  }[];
}

export function takeoversPath(cwd: string): string {
  return join(cwd, TAKEOVERS_PATH);
}

/** The recorded takeovers of this account ([] when there is none; a damaged file is an error). */
export async function readTakeoverRecords(path: string, accountId: string): Promise<TakeoverRecord[]> {
  const holds = 'the takeovers in progress, which time how long the old servers must keep answering';
  const doc = (await readSection(path, TAKEOVERS_PATH, holds, accountId)).section as
    | Partial<TakeoversSection>
    | undefined;
  if (doc === undefined) return [];
  if (!Array.isArray(doc.takeovers)) throw damaged(TAKEOVERS_PATH, '"takeovers" is not a list', holds);
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  return doc.takeovers.map((t, i) => {
    const ok =
      Number.isInteger(t?.set) &&
      typeof t.host_zone === 'string' &&
      Array.isArray(t.names) &&
      t.names.every((n) => typeof n?.name === 'string' && strings(n.old)) &&
      strings(t.zones) &&
      optionalTime(t.switched_at) &&
      optionalTime(t.detected_at) &&
      (t.switched_at !== undefined || t.detected_at !== undefined) &&
      optionalTtl(t.glue_ttl) &&
      Array.isArray(t.repointed) &&
      t.repointed.every((r) => typeof r?.name === 'string' && typeof r.at === 'string' && optionalTime(r.at));
    if (!ok) throw damaged(TAKEOVERS_PATH, `takeovers[${i}] is not a valid record`, holds);
    return {
      set: t.set,
      hostZone: t.host_zone,
      names: t.names.map((n) => ({ name: n.name, old: [...n.old] })),
      zones: [...t.zones],
      ...(t.switched_at !== undefined ? { switchedAt: t.switched_at } : {}),
      ...(t.detected_at !== undefined ? { detectedAt: t.detected_at } : {}),
      glueTtl: t.glue_ttl ?? 172800,
      repointed: t.repointed.map((r) => ({ name: r.name, at: r.at })),
    };
  });
}

export async function writeTakeoverRecords(
  cwd: string,
  accountId: string,
  records: TakeoverRecord[],
  now: Date,
): Promise<string | undefined> {
  const doc: TakeoversSection = {
    takeovers: records.map((r) => ({
      set: r.set,
      host_zone: r.hostZone,
      names: r.names.map((n) => ({ name: n.name, old: [...n.old] })),
      zones: [...r.zones],
      ...(r.switchedAt ? { switched_at: r.switchedAt } : {}),
      ...(r.detectedAt ? { detected_at: r.detectedAt } : {}),
      glue_ttl: r.glueTtl,
      repointed: r.repointed.map((p) => ({ ...p })),
    })),
  };
  return writeSection(takeoversPath(cwd), TAKEOVERS_PATH, accountId, { ...doc }, now, {
    what: 'the takeovers record',
  });
}
