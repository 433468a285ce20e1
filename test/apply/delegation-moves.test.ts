/**
 * .acns/delegation-moves.json and .acns/takeovers.json: the names' address TTL is recorded with each
 * move (address_ttl), files written before that field existed are still read (the TTL then counts as
 * not read), and a record that cannot be used (damaged, another account's, unknown format) counts as none.
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
import type { TakeoverRecord } from '../../src/plan/takeover.js';

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
  expect(await writeMoves(dir, ACCOUNT, [move], new Date())).toBeUndefined();
  const doc = JSON.parse(readFileSync(movesPath(dir), 'utf8')) as { moves: Record<string, unknown>[] };
  expect(doc.moves[0]).toMatchObject({ parent_ns_ttl: 3600, address_ttl: 7200 });
  expect(await readMoves(movesPath(dir), ACCOUNT)).toEqual([move]);
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
  expect(await readMoves(movesPath(dir), ACCOUNT)).toEqual([
    { subject: 'a.example', set: 1, names: ['ns1.one.com'], movedAt: '2025-01-01T00:00:00.000Z' },
  ]);
});

test('a takeover record is written and read back', async () => {
  const rec: TakeoverRecord = {
    set: 2,
    hostZone: 'one.com',
    names: [{ name: 'ns1.one.com', old: ['127.0.0.9'] }],
    zones: ['a.example'],
    switchedAt: '2025-01-01T00:00:00.000Z',
    glueTtl: 86400,
    repointed: [{ name: 'ns1.one.com', at: '2025-01-02T00:00:00.000Z' }],
  };
  expect(await writeTakeoverRecords(dir, ACCOUNT, [rec], new Date())).toBeUndefined();
  expect(await readTakeoverRecords(takeoversPath(dir), ACCOUNT)).toEqual([rec]);
  expect(await readTakeoverRecords(takeoversPath(dir), 'f'.repeat(32))).toEqual([]);
});

describe('a record that cannot be used counts as none (both records are advisory)', () => {
  const move = { subject: 'a.example', set: 1, names: ['ns1.one.com'], moved_at: '2025-01-01T00:00:00.000Z' };
  const takeover = { set: 2, names: [], zones: [], switched_at: '2025-01-01T00:00:00.000Z', repointed: [] };
  const cases: [string, string | object][] = [
    ['damaged JSON', '{"format_version": 1,'],
    ['JSON null', 'null'],
    ['another account', { format_version: 1, account_id: 'f'.repeat(32), moves: [move], takeovers: [takeover] }],
    ['an unknown format', { format_version: 2, account_id: ACCOUNT, moves: [move], takeovers: [takeover] }],
    ['no list', { format_version: 1, account_id: ACCOUNT, moves: {}, takeovers: 'x' }],
  ];
  test.each(cases)('%s', async (_, body) => {
    mkdirSync(join(dir, '.acns'));
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    writeFileSync(movesPath(dir), text);
    writeFileSync(takeoversPath(dir), text);
    expect(await readMoves(movesPath(dir), ACCOUNT)).toEqual([]);
    expect(await readTakeoverRecords(takeoversPath(dir), ACCOUNT)).toEqual([]);
  });
  test('a missing file', async () => {
    expect(await readMoves(movesPath(dir), ACCOUNT)).toEqual([]);
    expect(await readTakeoverRecords(takeoversPath(dir), ACCOUNT)).toEqual([]);
  });
  test('entries of the wrong shape are skipped, the rest kept', async () => {
    mkdirSync(join(dir, '.acns'));
    const doc = { format_version: 1, account_id: ACCOUNT };
    writeFileSync(movesPath(dir), JSON.stringify({ ...doc, moves: [null, { subject: 1 }, move] }));
    writeFileSync(takeoversPath(dir), JSON.stringify({ ...doc, takeovers: [null, { set: 'x' }, takeover] }));
    expect(await readMoves(movesPath(dir), ACCOUNT)).toEqual([
      { subject: 'a.example', set: 1, names: ['ns1.one.com'], movedAt: '2025-01-01T00:00:00.000Z' },
    ]);
    expect(await readTakeoverRecords(takeoversPath(dir), ACCOUNT)).toEqual([
      {
        set: 2,
        hostZone: '',
        names: [],
        zones: [],
        switchedAt: '2025-01-01T00:00:00.000Z',
        glueTtl: 172800,
        repointed: [],
      },
    ]);
  });
});
