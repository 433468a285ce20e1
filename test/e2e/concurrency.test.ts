/**
 * Interrupted and concurrent applies: the next apply says the previous one did not end and which
 * writes were in flight; a lock beside the journal keeps two applies of one directory apart; and
 * two applies that do run at once (separate journals) never both claim to have created a name.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ACCOUNT, BASE_CONFIG, startWorld, type World } from './harness.js';

let w: World;
beforeEach(async () => {
  w = await startWorld();
  w.writeConfig(BASE_CONFIG);
});
afterEach(() => w.close());

function journalLines(file = '.acns/journal.jsonl'): Record<string, unknown>[] {
  return readFileSync(join(w.dir, file), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('an apply that was killed: the next one says so and names the writes that were in flight', async () => {
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  mkdirSync(join(w.dir, '.acns'), { recursive: true });
  const post = `/accounts/${ACCOUNT}/custom_ns`;
  const killed = [
    { time: '2026-01-01T00:00:00.000Z', type: 'event', event: 'apply_start', step: null, plan: 'plan.json' },
    {
      time: '2026-01-01T00:00:01.000Z',
      type: 'sending',
      step: 'create_nameserver:ns1.example.com',
      method: 'POST',
      path: post,
      attempt: 1,
    },
    {
      time: '2026-01-01T00:00:01.000Z',
      type: 'sending',
      step: 'create_nameserver:ns2.example.com',
      method: 'POST',
      path: post,
      attempt: 1,
    },
    {
      time: '2026-01-01T00:00:01.200Z',
      type: 'request',
      step: 'create_nameserver:ns2.example.com',
      method: 'POST',
      path: post,
      status: 200,
      duration_ms: 200,
    },
  ];
  writeFileSync(join(w.dir, '.acns/journal.jsonl'), `${killed.map((l) => JSON.stringify(l)).join('\n')}\n`);
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.code).toBe(0);
  expect(a.stderr).toContain(
    'the previous apply here (started 2026-01-01T00:00:00.000Z, applying plan.json) did not end',
  );
  expect(a.stderr).toContain(`POST ${post} (create_nameserver:ns1.example.com)`);
  expect(a.stderr).not.toContain('(create_nameserver:ns2.example.com)');
  const ev = journalLines().find((l) => l.event === 'previous_run_unfinished');
  expect(ev?.in_flight).toEqual([{ method: 'POST', path: post, step: 'create_nameserver:ns1.example.com' }]);

  // that run ended: the next one has nothing to say about it
  const again = await w.cli(['apply', 'plan.json']);
  expect(again.stderr).not.toContain('did not end');
});

test('two applies in one directory: the second is refused while the first holds the lock', async () => {
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  const [a, b] = await Promise.all([w.cli(['apply', 'plan.json']), w.cli(['apply', 'plan.json'])]);
  const refused = [a, b].filter((r) => r.code === 1);
  expect(refused).toHaveLength(1);
  expect(refused[0]!.stderr).toMatch(/another acns apply is running in this directory \(pid \d+ on /);
  expect([a, b].filter((r) => r.code === 0)).toHaveLength(1);
  expect(existsSync(join(w.dir, '.acns/journal.jsonl.lock'))).toBe(false); // released
});

test('a lock left by a process that no longer runs is taken over', async () => {
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  mkdirSync(join(w.dir, '.acns'), { recursive: true });
  const dead = { pid: 2 ** 22 + 12345, host: hostname(), started_at: '2026-01-01T00:00:00.000Z' };
  writeFileSync(join(w.dir, '.acns/journal.jsonl.lock'), JSON.stringify(dead));
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.code).toBe(0);
  expect(a.stderr).toContain(`took over the apply lock left by pid ${dead.pid}`);
});

test('two applies at once with separate journals: a name is reported created by one run only', async () => {
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  // every create waits, so both runs pass their re-reads before either name exists
  w.emu.addFault({ method: 'POST', delayMs: 300, times: 8 });
  const [a, b] = await Promise.all([
    w.cli(['apply', 'plan.json', '--journal', 'a.jsonl']),
    w.cli(['apply', 'plan.json', '--journal', 'b.jsonl']),
  ]);
  const created = (r: { stdout: string }): number => Number(/(\d+) created/.exec(r.stdout)?.[1] ?? 0);
  expect(created(a) + created(b)).toBe(4);
  expect(`${a.stdout}${a.stderr}${b.stdout}${b.stderr}`).toContain('another run created it meanwhile');
  expect(w.emu.state.customNs).toHaveLength(4);
});
