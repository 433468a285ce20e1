/**
 * When delegations moved: `.acns/delegation-moves.json` beside the last-applied record. Apply adds
 * each zone it switched off a set (with the set's names and the time); plan, apply and drift add
 * the moment a read first shows that zone's parent listing none of those names (with the parent's NS
 * TTL), the longest A/AAAA TTL of the names read so far, and zones (or the domain holding the names)
 * found still delegated to names a plan deletes (so their later move is waited for too). A name of
 * the set is deleted only once the caches that may hold the old delegation have expired after that
 * moment (plan/leaving.ts). A missing file counts as no records and a failure to write it is a warning,
 * but a damaged one stops the run: read as empty (and then rewritten), it would release the holds it
 * times. Keep the folder between runs (CI caches it).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AcnsError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import type { DelegationMove } from '../plan/leaving.js';
import type { TakeoverRecord } from '../plan/takeover.js';

export const MOVES_PATH = '.acns/delegation-moves.json';
const MOVES_HOLD = 'when each zone left a set, which holds name deletions until the caches expired';

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

/** The recorded moves of this account ([] when there is none; a damaged file is an error). */
export async function readMoves(path: string, accountId: string): Promise<DelegationMove[]> {
  const doc = (await readRecord(path, MOVES_PATH, MOVES_HOLD)) as Partial<MovesDocument> | undefined;
  if (doc === undefined) return [];
  if (doc.account_id !== accountId) return [];
  if (!Array.isArray(doc.moves)) throw damaged(MOVES_PATH, '"moves" is not a list', MOVES_HOLD);
  return doc.moves.map((m, i) => {
    const ok =
      typeof m?.subject === 'string' &&
      Number.isInteger(m.set) &&
      Array.isArray(m.names) &&
      m.names.every((n) => typeof n === 'string') &&
      optionalTime(m.switched_at) &&
      optionalTime(m.moved_at) &&
      optionalTtl(m.parent_ns_ttl) &&
      optionalTtl(m.address_ttl);
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
}

/**
 * One record under .acns, parsed: undefined when the file does not exist (a fresh checkout); an
 * error when it cannot be read or is not a record of this format. Treated as empty, a damaged
 * record would release the holds it times, and the next write would erase it for good.
 */
async function readRecord(path: string, shown: string, holds: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AcnsError('record_unreadable', `cannot read ${shown} (${(e as Error).message}): it records ${holds}`, {
      hint: `make ${shown} readable (or run from the directory that holds .acns/)`,
    });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw damaged(shown, `not JSON: ${(e as Error).message}`, holds);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw damaged(shown, 'not a JSON object', holds);
  const d = doc as Record<string, unknown>;
  if (d.format_version !== 1)
    throw damaged(shown, `format_version is ${JSON.stringify(d.format_version)}, not 1`, holds);
  if (typeof d.account_id !== 'string') throw damaged(shown, 'account_id is missing', holds);
  return d;
}

function damaged(shown: string, why: string, holds: string): AcnsError {
  return new AcnsError('record_damaged', `${shown} is damaged (${why}); it records ${holds}`, {
    hint:
      `restore ${shown} from a backup or your CI cache; acns does not read it as empty, which would end ` +
      'the holds it times. Remove it only once you know those holds are over (the notes of the last plan said ' +
      'until when)',
  });
}

function optionalTime(v: unknown): boolean {
  return v === undefined || (typeof v === 'string' && Number.isFinite(Date.parse(v)));
}

function optionalTtl(v: unknown): boolean {
  return v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
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

/** The recorded takeovers of this account ([] when there is none; a damaged file is an error). */
export async function readTakeoverRecords(path: string, accountId: string): Promise<TakeoverRecord[]> {
  const holds = 'the takeovers in progress, which time how long the old servers must keep answering';
  const doc = (await readRecord(path, TAKEOVERS_PATH, holds)) as Partial<TakeoversDocument> | undefined;
  if (doc === undefined || doc.account_id !== accountId) return [];
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
