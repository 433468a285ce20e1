/**
 * When delegations moved: `.acns/delegation-moves.json` beside the last-applied record. Apply adds
 * each zone it switched off a set (with the set's names and the time); plan, apply and drift add
 * the moment a read first shows that zone's parent listing none of those names (with the parent's NS
 * TTL), the longest A/AAAA TTL of the names read so far, and zones found still delegated to names a
 * plan deletes (so their later move is waited for too). A name of the set
 * is deleted only once the caches that may hold the old delegation have expired after that moment
 * (plan/leaving.ts). Advisory like the last-applied record: a damaged or missing file counts as no
 * records, and a failure to write it is a warning. Keep the folder between runs (CI caches it):
 * without it, deletions wait again from the next time the delegations are seen.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files.js';
import type { DelegationMove } from '../plan/leaving.js';

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
  try {
    const doc = JSON.parse(await readFile(path, 'utf8')) as Partial<MovesDocument> | null;
    if (doc?.format_version !== 1 || doc.account_id !== accountId || !Array.isArray(doc.moves)) return [];
    return doc.moves
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
  } catch {
    return [];
  }
}

/** Writes the records whole or not at all; returns why it failed (never throws: advisory). */
export async function writeMoves(
  cwd: string,
  accountId: string,
  moves: DelegationMove[],
  now: Date,
): Promise<string | undefined> {
  const doc: MovesDocument = {
    format_version: 1,
    account_id: accountId,
    updated_at: now.toISOString(),
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
  try {
    await mkdir(join(cwd, '.acns'), { recursive: true });
    await writeFileAtomic(MOVES_PATH, `${JSON.stringify(doc, null, 2)}\n`, {
      cwd,
      what: 'the delegation moves record',
    });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Whether two lists of records say the same (so an unchanged record is not rewritten). */
export function sameMoves(a: DelegationMove[], b: DelegationMove[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
