/**
 * .acns/delegation-moves.json: the names' address TTL is recorded with each move (address_ttl), and
 * files written before that field existed are still read (the TTL then counts as not read).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { movesPath, readMoves, writeMoves } from '../../src/apply/delegation-moves.js';

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
