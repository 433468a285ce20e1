/**
 * .acns/delegation-moves.json and .acns/takeovers.json: the names' address TTL is recorded with each
 * move (address_ttl), files written before that field existed are still read (the TTL then counts as
 * not read), and a damaged record is an error rather than no record (that would end the holds it times).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  movesPath,
  readMoves,
  readTakeoverRecords,
  takeoversPath,
  writeMoves,
  writeTakeoverRecords,
} from '../../src/apply/delegation-moves.js';
import { AcnsError } from '../../src/errors.js';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'acns-moves-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('address_ttl is written and read back with the move', async () => {
  const move = {
    subject: 'a.example',
    set: 1,
    names: ['ns1.one.com'],
    movedAt: '2025-01-01T00:00:00.000Z',
    parentNsTtl: 3600,
    addressTtl: 7200,
  };
  expect(await writeMoves(dir, ACCOUNT, { moves: [move] }, new Date())).toBeUndefined();
  const file = JSON.parse(readFileSync(movesPath(dir), 'utf8')) as {
    format_version: number;
    accounts: Record<string, { moves: Record<string, unknown>[] }>;
  };
  expect(file.format_version).toBe(2);
  const doc = file.accounts[ACCOUNT]!;
  expect(doc.moves[0]).toMatchObject({ parent_ns_ttl: 3600, address_ttl: 7200 });
  expect(await readMoves(movesPath(dir), ACCOUNT)).toEqual({ moves: [move] });
});

test('a file from before address_ttl is read as it was: no address TTL known', async () => {
  mkdirSync(join(dir, '.acns'));
  writeFileSync(
    movesPath(dir),
    JSON.stringify({
      format_version: 1,
      account_id: ACCOUNT,
      updated_at: '2025-01-01T00:00:00.000Z',
      moves: [{ subject: 'a.example', set: 1, names: ['ns1.one.com'], moved_at: '2025-01-01T00:00:00.000Z' }],
    }),
  );
  expect(await readMoves(movesPath(dir), ACCOUNT)).toEqual({
    moves: [{ subject: 'a.example', set: 1, names: ['ns1.one.com'], movedAt: '2025-01-01T00:00:00.000Z' }],
  });
});

test('the start of a record begun without one is written and read back (history_from)', async () => {
  const start = '2025-01-01T00:00:00.000Z';
  expect(await writeMoves(dir, ACCOUNT, { moves: [], historyFrom: start }, new Date())).toBeUndefined();
  const file = JSON.parse(readFileSync(movesPath(dir), 'utf8')) as { accounts: Record<string, unknown> };
  expect(file.accounts[ACCOUNT]).toMatchObject({ history_from: start, moves: [] });
  expect(await readMoves(movesPath(dir), ACCOUNT)).toEqual({ moves: [], historyFrom: start });
});

test('a section with record_missing entries (older acns) starts its history at the earliest of them', async () => {
  mkdirSync(join(dir, '.acns'));
  const held = (subject: string, at: string) => ({ subject, set: 1, names: ['n'], moved_at: at, record_missing: true });
  const kept = { subject: 'a.example', set: 2, names: ['m'], switched_at: '2025-01-03T00:00:00.000Z' };
  const section = {
    moves: [held('one.com', '2025-01-02T00:00:00.000Z'), held('two.com', '2025-01-01T00:00:00.000Z'), kept],
  };
  writeFileSync(movesPath(dir), JSON.stringify({ format_version: 2, accounts: { [ACCOUNT]: section } }));
  expect(await readMoves(movesPath(dir), ACCOUNT)).toEqual({
    moves: [{ subject: 'a.example', set: 2, names: ['m'], switchedAt: '2025-01-03T00:00:00.000Z' }],
    historyFrom: '2025-01-01T00:00:00.000Z',
  });
});

describe('a damaged record is an error, never read as empty (that would end the holds it times)', () => {
  const valid = {
    format_version: 1,
    account_id: ACCOUNT,
    updated_at: '2025-01-01T00:00:00.000Z',
    moves: [{ subject: 'a.example', set: 1, names: ['ns1.one.com'], moved_at: '2025-01-01T00:00:00.000Z' }],
  };
  const write = (text: string) => {
    mkdirSync(join(dir, '.acns'), { recursive: true });
    writeFileSync(movesPath(dir), text);
  };
  test('a missing file is no record (undefined), not a record of no moves', async () => {
    expect(await readMoves(movesPath(dir), ACCOUNT)).toBeUndefined();
  });
  test.each([
    ['cut short', JSON.stringify(valid).slice(0, 40), /not JSON/],
    ['not an object', '[]', /not a JSON object/],
    ['another format', JSON.stringify({ ...valid, format_version: 'two' }), /format_version is "two", not 1 or 2/],
    ['format 2 without accounts', JSON.stringify({ ...valid, format_version: 2 }), /"accounts" is not an object/],
    ['no list', JSON.stringify({ ...valid, moves: {} }), /"moves" is not a list/],
    ['a start that is not a time', JSON.stringify({ ...valid, history_from: 'monday' }), /"history_from" is not/],
    [
      'a time that is not one',
      JSON.stringify({ ...valid, moves: [{ ...valid.moves[0], moved_at: 'x' }] }),
      /moves\[0\]/,
    ],
    [
      'a TTL that is not one',
      JSON.stringify({ ...valid, moves: [{ ...valid.moves[0], parent_ns_ttl: '1d' }] }),
      /moves\[0\]/,
    ],
    [
      'names not a list',
      JSON.stringify({ ...valid, moves: [{ ...valid.moves[0], names: 'ns1.one.com' }] }),
      /moves\[0\]/,
    ],
  ])('%s', async (_what, text, why) => {
    write(text);
    const err = await readMoves(movesPath(dir), ACCOUNT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AcnsError);
    expect((err as AcnsError).code).toBe('record_damaged');
    expect((err as AcnsError).message).toMatch(why);
    expect((err as AcnsError).hint).toMatch(/restore \.acns\/delegation-moves\.json from a backup or your CI cache/);
  });
  test('a newer format is not read (nor overwritten): the run stops, saying to upgrade', async () => {
    const newer = JSON.stringify({ ...valid, format_version: 3 });
    write(newer);
    const err = await readMoves(movesPath(dir), ACCOUNT).catch((e: unknown) => e);
    expect((err as AcnsError).code).toBe('record_newer_format');
    expect((err as AcnsError).message).toMatch(/delegation-moves\.json was written by a newer acns \(format_version 3/);
    expect((err as AcnsError).hint).toMatch(/^upgrade acns/);
    expect(await writeMoves(dir, ACCOUNT, { moves: [] }, new Date())).toMatch(/newer acns/);
    expect(readFileSync(movesPath(dir), 'utf8')).toBe(newer);
    writeFileSync(takeoversPath(dir), newer);
    await expect(readTakeoverRecords(takeoversPath(dir), ACCOUNT)).rejects.toThrow(/written by a newer acns/);
  });
  test('a damaged takeovers record too', async () => {
    mkdirSync(join(dir, '.acns'), { recursive: true });
    const base = { set: 1, host_zone: 'one.com', names: [], zones: [], glue_ttl: 60, repointed: [] };
    for (const t of [
      { ...base },
      { ...base, switched_at: 'soon' },
      { ...base, switched_at: '2025-01-01T00:00:00Z', repointed: [{ name: 'x', at: 'now' }] },
    ]) {
      writeFileSync(takeoversPath(dir), JSON.stringify({ format_version: 1, account_id: ACCOUNT, takeovers: [t] }));
      await expect(readTakeoverRecords(takeoversPath(dir), ACCOUNT)).rejects.toThrow(
        /takeovers\[0\] is not a valid record/,
      );
    }
  });
});

describe("one file, one section per account: a run for one account never erases another one's records", () => {
  const OTHER = 'f'.repeat(32);
  const move = (subject: string) => ({ subject, set: 1, names: ['ns1.one.com'], movedAt: '2025-01-01T00:00:00.000Z' });

  test('moves of two accounts are kept side by side; each reads only its own', async () => {
    expect(await writeMoves(dir, OTHER, { moves: [move('theirs.example')] }, new Date())).toBeUndefined();
    expect(await readMoves(movesPath(dir), ACCOUNT)).toBeUndefined(); // no record of this account
    expect(await writeMoves(dir, ACCOUNT, { moves: [move('mine.example')] }, new Date())).toBeUndefined();
    expect(await readMoves(movesPath(dir), OTHER)).toEqual({ moves: [move('theirs.example')] });
    expect(await readMoves(movesPath(dir), ACCOUNT)).toEqual({ moves: [move('mine.example')] });
    expect(await writeMoves(dir, ACCOUNT, { moves: [] }, new Date())).toBeUndefined();
    expect(await readMoves(movesPath(dir), ACCOUNT)).toEqual({ moves: [] }); // a record of no moves
    expect(await readMoves(movesPath(dir), OTHER)).toEqual({ moves: [move('theirs.example')] });
  });

  test('a format 1 file of another account is read for it and kept on the next write', async () => {
    mkdirSync(join(dir, '.acns'));
    const v1 = {
      format_version: 1,
      account_id: OTHER,
      updated_at: '2025-01-01T00:00:00.000Z',
      moves: [{ subject: 'theirs.example', set: 1, names: ['ns1.one.com'], moved_at: '2025-01-01T00:00:00.000Z' }],
    };
    writeFileSync(movesPath(dir), JSON.stringify(v1));
    expect(await readMoves(movesPath(dir), OTHER)).toEqual({ moves: [move('theirs.example')] });
    expect(await readMoves(movesPath(dir), ACCOUNT)).toBeUndefined();
    expect(await writeMoves(dir, ACCOUNT, { moves: [move('mine.example')] }, new Date())).toBeUndefined();
    expect(await readMoves(movesPath(dir), OTHER)).toEqual({ moves: [move('theirs.example')] });
  });

  test('takeovers of two accounts are kept side by side', async () => {
    const rec = (hostZone: string) => ({
      set: 1,
      hostZone,
      names: [{ name: `ns1.${hostZone}`, old: ['192.0.2.1'] }],
      zones: [hostZone],
      switchedAt: '2025-01-01T00:00:00.000Z',
      glueTtl: 60,
      repointed: [],
    });
    expect(await writeTakeoverRecords(dir, OTHER, [rec('theirs.example')], new Date())).toBeUndefined();
    expect(await writeTakeoverRecords(dir, ACCOUNT, [rec('mine.example')], new Date())).toBeUndefined();
    expect(await readTakeoverRecords(takeoversPath(dir), OTHER)).toEqual([rec('theirs.example')]);
    expect(await readTakeoverRecords(takeoversPath(dir), ACCOUNT)).toEqual([rec('mine.example')]);
  });

  test("a damaged file is not replaced by a write: the other accounts' holds would go with it", async () => {
    mkdirSync(join(dir, '.acns'));
    writeFileSync(movesPath(dir), '{"format_version": 2, "acc');
    expect(await writeMoves(dir, ACCOUNT, { moves: [move('mine.example')] }, new Date())).toMatch(/is damaged/);
    expect(readFileSync(movesPath(dir), 'utf8')).toBe('{"format_version": 2, "acc');
  });
});
