/**
 * The .acns records that time holds: a damaged delegation-moves or takeovers record stops the run
 * with a message naming the file and the fix. Read as empty, it would release held deletions at
 * once (and the next write would erase it for good). A missing one holds the deletions from the run
 * that finds it missing; and each account keeps its own records in the shared files.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACCOUNT,
  accountRecord,
  backdateMoves,
  editAccountRecord,
  startWorld,
  seedApplied,
  type World,
} from './harness.js';

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
  writeFileSync(path, whole);
  editAccountRecord<{ moves: Record<string, unknown>[] }>(w, 'delegation-moves.json', (doc) => {
    doc.moves[0]!.moved_at = 'yesterday';
  });
  const r = await w.cli(['plan']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/delegation-moves\.json is damaged \(moves\[0\] is not a valid record\)/);

  writeFileSync(path, whole); // restored: the hold is back
  expect((await w.cli(['plan'])).stdout).toMatch(/No changes in this run: 4 deletions are held/);
});

test('a missing delegation-moves record holds the deletions from now, not never; the end time is kept', async () => {
  // the retire-a-set runbook: the zones move to standard, then the registrar steps
  w.writeConfig(REMOVE_ALL);
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  w.delegate('com', []);
  w.delegate('net', []);
  expect((await w.cli(['plan'])).stdout).toMatch(/No changes in this run: 4 deletions are held/);

  rmSync(join(w.dir, MOVES)); // a fresh CI checkout: the cache was evicted or its key changed
  const before = Date.now();
  const p = await w.cli(['plan', '--detailed-exitcode']);
  expect(p.code).toBe(0);
  expect(p.stdout).not.toMatch(/delete_nameserver/);
  expect(p.stdout).toMatch(/No changes in this run: 4 deletions are held/);
  const flat = p.stdout.replace(/\s+/g, ' ');
  expect(flat).toMatch(
    /deleting ns1\.example\.com, ns2\.example\.com \(set 1\) is held until (\S+): there was no record of when /,
  );
  expect(flat).toContain('.acns/delegation-moves.json had no record of this account at');
  expect(flat).toContain('restore .acns/delegation-moves.json from your CI cache or a backup');
  expect(flat).toContain('`acns apply --allow-unknown-delegation` (without a plan file) deletes them now');
  const until = Date.parse(/is held until (\S+):/.exec(flat)![1]!);
  // counted from now: the parent's NS TTL is not known (which zones moved is not), so 2 days count
  expect(until).toBeGreaterThanOrEqual(before + 172800 * 1000);
  expect(until).toBeLessThanOrEqual(Date.now() + 172800 * 1000);
  // the record begun now starts its history now: the hold's start is kept for any later deletion
  const recorded = accountRecord<{ history_from?: string; moves: unknown[] }>(w, 'delegation-moves.json');
  expect(Date.parse(recorded.history_from!)).toBe(until - 172800 * 1000);
  expect(recorded.moves).toEqual([]);

  // the next run keeps the same end time (the hold was recorded), and a saved plan is no way around it
  const again = await w.cli(['plan', '-o', 'plan.json']);
  expect(again.stdout.replace(/\s+/g, ' ')).toContain(`is held until ${new Date(until).toISOString()}`);
  expect(again.stdout).toMatch(/No changes in this run: 4 deletions are held/);

  backdateMoves(w, 2 * 86400 + 60); // two days later: the names go
  expect((await w.cli(['plan'])).stdout).toMatch(/Plan: 0 to create, 0 to change, 4 to delete/);
});

const KEEP_SET_2 = REMOVE_ALL.replace(
  'zones:',
  'nameserver_sets:\n  2:\n    names: [ns1.example.net, ns2.example.net]\n    registrar: cloudflare\nzones:',
);

test('a record begun without one holds every later deletion from its start, not only the first run’s', async () => {
  w.writeConfig(REMOVE_ALL);
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  w.delegate('com', []);
  w.delegate('net', []);
  expect((await w.cli(['plan'])).stdout).toMatch(/4 deletions are held/); // both sets' zones left them
  rmSync(join(w.dir, MOVES)); // the cache is evicted: when set 2's zones left it is lost
  w.writeConfig(KEEP_SET_2);
  const first = await w.cli(['plan']);
  expect(first.stdout).toMatch(/No changes in this run: 2 deletions are held/); // set 1's names
  const until = /is held until (\S+):/.exec(first.stdout.replace(/\s+/g, ' '))![1]!;
  w.writeConfig(REMOVE_ALL); // shortly after, set 2 goes too: its zones may still be cached as delegated to it
  const second = await w.cli(['plan']);
  expect(second.stdout).not.toMatch(/delete_nameserver/);
  expect(second.stdout).toMatch(/No changes in this run: 4 deletions are held/);
  const flat = second.stdout.replace(/\s+/g, ' ');
  expect(flat).toMatch(/deleting ns1\.example\.net, ns2\.example\.net \(set 2\) is held until (\S+): there was no/);
  expect(flat).toContain(`ns2.example.net (set 2) is held until ${until}`); // the same start, never reset
  backdateMoves(w, 2 * 86400 + 60);
  expect((await w.cli(['plan'])).stdout).toMatch(/Plan: 0 to create, 0 to change, 4 to delete/);
});

test('a saved plan applied where the record is missing is refused: the caches are waited for from then', async () => {
  w.writeConfig(REMOVE_ALL);
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  w.delegate('com', []);
  w.delegate('net', []);
  expect((await w.cli(['plan'])).stdout).toMatch(/4 deletions are held/); // the moves are seen
  backdateMoves(w, 3 * 86400);
  expect((await w.cli(['plan', '-o', 'plan.json'])).stdout).toMatch(/4 to delete/);
  rmSync(join(w.dir, MOVES)); // applied in a job without the cache
  w.emu.resetLog();
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.code).toBe(3);
  expect(a.stderr).toMatch(/error: what DNS says now makes this plan unsafe; nothing was changed/);
  expect(a.stderr).toMatch(/there was no record of when the delegations/);
  expect(w.writes()).toEqual([]);
});

test('names known never to be used: apply --allow-unknown-delegation deletes them without the wait', async () => {
  w.writeConfig(REMOVE_ALL);
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  w.delegate('com', []);
  w.delegate('net', []);
  rmSync(join(w.dir, MOVES));
  expect((await w.cli(['plan'])).stdout).toMatch(/4 deletions are held/); // and the hold is recorded
  const a = await w.cli(['apply', '--auto-approve', '--allow-unknown-delegation']);
  expect(a.stderr).not.toMatch(/error:/);
  expect(a.code).toBe(0);
  expect(w.emu.state.customNs).toEqual([]);
});

const OTHER = 'f'.repeat(32);

test("two configs for two accounts in one directory: one account's run keeps the other's records", async () => {
  // account A retires its sets: its holds are recorded
  w.writeConfig(REMOVE_ALL);
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  w.delegate('com', []);
  w.delegate('net', []);
  expect((await w.cli(['plan'])).stdout).toMatch(/No changes in this run: 4 deletions are held/);
  const moves = readFileSync(join(w.dir, MOVES), 'utf8');
  const applied = accountRecord<{ values: Record<string, unknown> }>(w, 'last-applied.json').values;

  // another account's records written into the same files (its own config, run from this directory)
  const other = JSON.parse(moves) as { accounts: Record<string, unknown> };
  other.accounts = { [OTHER]: { updated_at: '2025-01-01T00:00:00.000Z', moves: [] } };
  const theirs = other.accounts[OTHER];
  for (const file of [MOVES, '.acns/last-applied.json']) {
    const doc = JSON.parse(readFileSync(join(w.dir, file), 'utf8')) as { accounts: Record<string, unknown> };
    doc.accounts[OTHER] = file === MOVES ? theirs : { updated_at: '2025-01-01T00:00:00.000Z', values: { x: 1 } };
    writeFileSync(join(w.dir, file), JSON.stringify(doc));
  }
  // account A plans and applies again: its holds are still there, the other account's records too
  expect((await w.cli(['plan'])).stdout).toMatch(/No changes in this run: 4 deletions are held/);
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  const after = JSON.parse(readFileSync(join(w.dir, MOVES), 'utf8')) as { accounts: Record<string, unknown> };
  expect(after.accounts[OTHER]).toEqual(theirs);
  const base = JSON.parse(readFileSync(join(w.dir, '.acns/last-applied.json'), 'utf8')) as {
    accounts: Record<string, { values: unknown }>;
  };
  expect(base.accounts[OTHER]!.values).toEqual({ x: 1 });
  expect(base.accounts[ACCOUNT]!.values).toEqual(applied);
});

test('a format 1 record of another account (acns before per-account records) is kept, not overwritten', async () => {
  mkdirSync(join(w.dir, '.acns'), { recursive: true });
  const v1 = {
    format_version: 1,
    account_id: OTHER,
    updated_at: '2025-01-01T00:00:00.000Z',
    moves: [{ subject: 'theirs.example', set: 1, names: ['ns9.example.com'], moved_at: '2025-01-01T00:00:00.000Z' }],
  };
  writeFileSync(join(w.dir, MOVES), JSON.stringify(v1));
  w.writeConfig(REMOVE_ALL);
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0); // records this account's switches
  const doc = JSON.parse(readFileSync(join(w.dir, MOVES), 'utf8')) as {
    format_version: number;
    accounts: Record<string, { moves: unknown[] }>;
  };
  expect(doc.format_version).toBe(2);
  expect(doc.accounts[OTHER]!.moves).toEqual(v1.moves);
  expect(doc.accounts[ACCOUNT]!.moves).toHaveLength(4);
});

test('apply --allow-unknown-delegation not approved keeps the recorded missing-record hold', async () => {
  w.writeConfig(REMOVE_ALL);
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  w.delegate('com', []);
  w.delegate('net', []);
  rmSync(join(w.dir, MOVES));
  expect((await w.cli(['plan'])).stdout).toMatch(/4 deletions are held/); // the hold is recorded
  const refused = await w.cli(['apply', '--allow-unknown-delegation']); // no terminal to answer yes
  expect(refused.code).not.toBe(0);
  expect(w.emu.state.customNs).toHaveLength(4);
  // the user did not let it delete them: the next run still holds them until the same time
  expect((await w.cli(['plan'])).stdout).toMatch(/No changes in this run: 4 deletions are held/);
});
