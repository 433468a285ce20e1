/**
 * The records acns keeps under `.acns/` between runs (last-applied values, delegation moves,
 * takeovers), one section per account in each file: two configurations for different accounts run
 * from one directory share the files (and the CI cache paths) without erasing each other's records.
 *
 * Format 2: `{ format_version: 2, updated_at, accounts: { "<account id>": { updated_at, ... } } }`.
 * Format 1 (one account: `{ format_version: 1, account_id, updated_at, ... }`) is still read, and
 * becomes format 2 with that account kept on the next write. A later format (from a newer acns) is
 * never read nor overwritten: its other accounts' sections, and what it records, would be lost.
 */
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AcnsError } from '../errors.js';
import { writeFileAtomic } from '../files.js';

export const RECORD_FORMAT = 2;

/** One record file as read: undefined when the file does not exist. */
interface RecordFile {
  /** The sections by account id. */
  accounts: Record<string, Record<string, unknown>>;
}

/**
 * This account's section of a record: `file: false` when the file does not exist, `section`
 * undefined when it exists without one for this account. A file that cannot be read or is not a
 * record of a known format is an error naming `shown` and what it `holds`.
 */
export async function readSection(
  path: string,
  shown: string,
  holds: string,
  accountId: string,
): Promise<{ file: boolean; section?: Record<string, unknown> }> {
  const doc = await readRecordFile(path, shown, holds);
  if (!doc) return { file: false };
  const section = doc.accounts[accountId];
  return section ? { file: true, section } : { file: true };
}

async function readRecordFile(path: string, shown: string, holds: string): Promise<RecordFile | undefined> {
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
    throw damagedRecord(shown, `not JSON: ${(e as Error).message}`, holds);
  }
  if (!isObject(doc)) throw damagedRecord(shown, 'not a JSON object', holds);
  if (doc.format_version === 1) {
    if (typeof doc.account_id !== 'string') throw damagedRecord(shown, 'account_id is missing', holds);
    const { format_version: _v, account_id: id, ...section } = doc;
    return { accounts: { [id]: section } };
  }
  if (Number.isInteger(doc.format_version) && (doc.format_version as number) > RECORD_FORMAT) {
    throw new AcnsError(
      'record_newer_format',
      `${shown} was written by a newer acns (format_version ${doc.format_version as number}; this acns reads 1 ` +
        `and 2); it records ${holds}`,
      {
        hint:
          `upgrade acns to the version that wrote ${shown} or a later one; acns does not read it as empty nor ` +
          'overwrite it, which would lose what it records for every account',
      },
    );
  }
  if (doc.format_version !== RECORD_FORMAT) {
    throw damagedRecord(shown, `format_version is ${JSON.stringify(doc.format_version)}, not 1 or 2`, holds);
  }
  if (!isObject(doc.accounts)) throw damagedRecord(shown, '"accounts" is not an object', holds);
  for (const [id, s] of Object.entries(doc.accounts))
    if (!isObject(s)) throw damagedRecord(shown, `accounts["${id}"] is not an object`, holds);
  return { accounts: doc.accounts as RecordFile['accounts'] };
}

export function damagedRecord(shown: string, why: string, holds: string): AcnsError {
  return new AcnsError('record_damaged', `${shown} is damaged (${why}); it records ${holds}`, {
    hint:
      `restore ${shown} from a backup or your CI cache; acns does not read it as empty, which would end ` +
      'the holds it times. Remove it only once you know those holds are over (the notes of the last plan said ' +
      'until when)',
  });
}

/**
 * Replaces this account's section and keeps every other account's, whole or not at all. The file is
 * read again right before the write, so a run for another account in between is kept. Never throws
 * (the records are advisory to the run that writes them): returns why it failed. A damaged file, or
 * one of a newer format, is kept as it is (the error says why): set a damaged one aside first
 * (setAside) to start afresh.
 */
export async function writeSection(
  path: string,
  shown: string,
  accountId: string,
  section: Record<string, unknown>,
  now: Date,
  opts: { what: string },
): Promise<string | undefined> {
  try {
    const accounts = (await readRecordFile(path, shown, opts.what))?.accounts ?? {};
    const doc = {
      format_version: RECORD_FORMAT,
      updated_at: now.toISOString(),
      accounts: { ...accounts, [accountId]: { updated_at: now.toISOString(), ...section } },
    };
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`, { cwd: dirname(path), what: opts.what });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Renames a damaged record to `<file>.damaged-<time>` beside it, so that a fresh one can be started
 * without losing what was in it (another account's section may still be read from it by hand).
 * Returns the new path; throws when the rename fails.
 */
export async function setAside(path: string, now: Date): Promise<string> {
  const aside = `${path}.damaged-${now.toISOString().replace(/:/g, '-')}`;
  await rename(path, aside);
  return aside;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
