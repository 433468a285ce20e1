/**
 * When delegations moved: `.acns/delegation-moves.json` beside the last-applied record. Apply adds
 * each zone it switched off a set (with the set's names and the time); plan, apply and drift add
 * the moment a read first shows that zone's parent listing none of those names (with the parent's NS
 * TTL), the longest A/AAAA TTL of the names read so far, and zones (or the domain holding the names)
 * found still delegated to names a plan deletes (so their later move is waited for too). A name of
 * the set is deleted only once the caches that may hold the old delegation have expired after that
 * moment (plan/leaving.ts). Advisory like the last-applied record: a damaged or missing file counts as no
 * records, and a failure to write it is a warning. Keep the folder between runs (CI caches it):
 * without it, deletions wait again from the next time the delegations are seen.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files.js';
import type { DelegationMove } from '../plan/leaving.js';
import type { TakeoverRecord } from '../plan/takeover.js';

export const MOVES_PATH = '.acns/delegation-moves.json';

interface MovesDocument {
  format_version: 1;
  account_id: string;
  updated_at: string;
  moves: {
    subject: string;
    set: number;
    names: string[];
    switched_at?: string;
    moved_at?: string;
    parent_ns_ttl?: number;
    /** Added later: files without it are read as "not read yet" (the default TTL counts). */
    address_ttl?: number;
  }[];
}

export function movesPath(cwd: string): string {
  return join(cwd, MOVES_PATH);
}

/** The recorded moves of this account ([] when there is no usable record). */
export async function readMoves(path: string, accountId: string): Promise<DelegationMove[]> {
  const moves = (await readRecordList(path, accountId, 'moves')) as MovesDocument['moves'];
  return moves
    .filter((m) => typeof m?.subject === 'string' && Number.isInteger(m.set) && Array.isArray(m.names))
    .map((m) => ({
      subject: m.subject,
      set: m.set,
      names: m.names.filter((n): n is string => typeof n === 'string'),
      ...(typeof m.switched_at === 'string' ? { switchedAt: m.switched_at } : {}),
      ...(typeof m.moved_at === 'string' ? { movedAt: m.moved_at } : {}),
      ...(typeof m.parent_ns_ttl === 'number' ? { parentNsTtl: m.parent_ns_ttl } : {}),
      ...(typeof m.address_ttl === 'number' ? { addressTtl: m.address_ttl } : {}),
    }));
}

/** Writes the records whole or not at all; returns why it failed (never throws: advisory). */
export async function writeMoves(
  cwd: string,
  accountId: string,
  moves: DelegationMove[],
  now: Date,
): Promise<string | undefined> {
  const doc: MovesDocument = {
    ...envelope(accountId, now),
    moves: moves.map((m) => ({
      subject: m.subject,
      set: m.set,
      names: [...m.names],
      ...(m.switchedAt ? { switched_at: m.switchedAt } : {}),
      ...(m.movedAt ? { moved_at: m.movedAt } : {}),
      ...(m.parentNsTtl !== undefined ? { parent_ns_ttl: m.parentNsTtl } : {}),
      ...(m.addressTtl !== undefined ? { address_ttl: m.addressTtl } : {}),
    })),
  };
  return writeRecord(cwd, MOVES_PATH, doc, 'the delegation moves record');
}

/** The list under `key` of this account's record at `path` ([] when missing, damaged or another account's). */
async function readRecordList(path: string, accountId: string, key: string): Promise<unknown[]> {
  try {
    const doc = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown> | null;
    if (doc?.format_version !== 1 || doc.account_id !== accountId || !Array.isArray(doc[key])) return [];
    return doc[key] as unknown[];
  } catch {
    return [];
  }
}

/** What every record under .acns starts with: its format, its account and when it was written. */
function envelope(accountId: string, now: Date): { format_version: 1; account_id: string; updated_at: string } {
  return { format_version: 1, account_id: accountId, updated_at: now.toISOString() };
}

/** Writes one record under .acns whole or not at all; returns why it failed (never throws: advisory). */
async function writeRecord(cwd: string, path: string, doc: unknown, what: string): Promise<string | undefined> {
  try {
    await mkdir(join(cwd, '.acns'), { recursive: true });
    await writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`, { cwd, what });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Whether two lists of records say the same (so an unchanged record is not rewritten). */
export function sameMoves(a: DelegationMove[], b: DelegationMove[]): boolean {
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

interface TakeoversDocument {
  format_version: 1;
  account_id: string;
  updated_at: string;
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

/** The recorded takeovers of this account ([] when there is no usable record). */
export async function readTakeoverRecords(path: string, accountId: string): Promise<TakeoverRecord[]> {
  const takeovers = (await readRecordList(path, accountId, 'takeovers')) as TakeoversDocument['takeovers'];
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
  return takeovers
    .filter(
      (t) =>
        Number.isInteger(t?.set) &&
        Array.isArray(t.names) &&
        (typeof t.switched_at === 'string' || typeof t.detected_at === 'string'),
    )
    .map((t) => ({
      set: t.set,
      hostZone: typeof t.host_zone === 'string' ? t.host_zone : '',
      names: t.names.filter((n) => typeof n?.name === 'string').map((n) => ({ name: n.name, old: strings(n.old) })),
      zones: strings(t.zones),
      ...(typeof t.switched_at === 'string' ? { switchedAt: t.switched_at } : {}),
      ...(typeof t.detected_at === 'string' ? { detectedAt: t.detected_at } : {}),
      glueTtl: typeof t.glue_ttl === 'number' ? t.glue_ttl : 172800,
      repointed: (Array.isArray(t.repointed) ? t.repointed : [])
        .filter((r) => typeof r?.name === 'string' && typeof r.at === 'string')
        .map((r) => ({ name: r.name, at: r.at })),
    }));
}

export async function writeTakeoverRecords(
  cwd: string,
  accountId: string,
  records: TakeoverRecord[],
  now: Date,
): Promise<string | undefined> {
  const doc: TakeoversDocument = {
    ...envelope(accountId, now),
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
  return writeRecord(cwd, TAKEOVERS_PATH, doc, 'the takeovers record');
}
