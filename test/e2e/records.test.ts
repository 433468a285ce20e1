/**
 * The .acns records that time holds: a damaged delegation-moves or takeovers record stops the run
 * with a message naming the file and the fix. Read as empty, it would release held deletions at
 * once (and the next write would erase it for good).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNT, startWorld, seedApplied, type World } from './harness.js';

let w: World;
beforeEach(async () => {
  w = await startWorld();
  seedApplied(w.emu);
});
afterEach(() => w.close());

const REMOVE_ALL = `version: 1
account_id: ${ACCOUNT}
zones:
  example.org: standard
  shop.example.org: standard
  113.0.203.in-addr.arpa: standard
  10.113.0.203.in-addr.arpa: standard
account_default: cloudflare.standard
policy:
  prune: true
`;

const MOVES = '.acns/delegation-moves.json';

test('a damaged delegation-moves record stops plan and apply; it never releases held deletions', async () => {
  w.writeConfig(REMOVE_ALL);
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  w.delegate('com', []); // the registrar steps are done: only the caches hold the names now
  w.delegate('net', []);
  expect((await w.cli(['plan'])).stdout).toMatch(/No changes in this run: 4 deletions are held/);

  const path = join(w.dir, MOVES);
  const whole = readFileSync(path, 'utf8');
  const damaged = whole.slice(0, whole.length / 2); // e.g. a disk full or a cache cut short
  writeFileSync(path, damaged);
  for (const argv of [['plan'], ['apply', '--auto-approve']]) {
    w.emu.resetLog();
    const r = await w.cli(argv);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/delete_nameserver/);
    expect(r.stderr).toMatch(/error: \.acns\/delegation-moves\.json is damaged \(not JSON: .*\); it records when/);
    expect(r.stderr).toMatch(/restore \.acns\/delegation-moves\.json from a backup or your CI cache/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(w.writes()).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(damaged); // not overwritten
  }

  // a record whose time is not a time would end the hold just the same
  const doc = JSON.parse(whole) as { moves: Record<string, unknown>[] };
  doc.moves[0]!.moved_at = 'yesterday';
  writeFileSync(path, JSON.stringify(doc));
  const r = await w.cli(['plan']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/delegation-moves\.json is damaged \(moves\[0\] is not a valid record\)/);

  writeFileSync(path, whole); // restored: the hold is back
  expect((await w.cli(['plan'])).stdout).toMatch(/No changes in this run: 4 deletions are held/);
});
