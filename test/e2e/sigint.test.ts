/**
 * Process level: the BUILT CLI (dist/cli/main.js, built by `npm test` before jest) applying a
 * saved plan against a slow emulator gets SIGINT mid-apply: it stops starting steps, lets the
 * running one finish, prints the summary with what was not attempted, and exits 130.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_CONFIG, startWorld, type World } from './harness.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

let w: World;
beforeAll(async () => {
  w = await startWorld();
  // one request at a time, so the run is long enough to interrupt between steps
  w.writeConfig(`${BASE_CONFIG}cloudflare:\n  concurrency: 1\n`);
});
afterAll(() => w.close());

test('SIGINT during apply: exit 130, summary printed with "not attempted", no stack trace', async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test builds it before jest)`);
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  w.emu.options.latencyMs = 250;

  const child = spawn(process.execPath, [MAIN, 'apply', 'plan.json'], {
    cwd: w.dir,
    env: { PATH: process.env.PATH ?? '', ...w.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
    // interrupt as soon as the first step has finished
    if (!sent && stderr.includes('✓')) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));

  expect(sent).toBe(true);
  expect(code).toBe(130);
  expect(stderr).toMatch(/interrupt/i);
  expect(stdout).toMatch(/Not attempted \(\d+\)/);
  expect(stdout).toMatch(/account default/);
  expect(stdout + stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  expect(stdout + stderr).not.toContain('demo-token');
  // it stopped early: the account default (last step) was never switched
  expect(w.emu.state.accountDefault).toBe('cloudflare.standard');
  expect(w.emu.state.customNs.length).toBeGreaterThanOrEqual(1);
  expect(w.emu.state.customNs.length).toBeLessThan(4);
  // nothing half-done without saying so: every step that sent a request ended with an outcome line
  // (the one running at the interrupt finished), and the journal closes with apply_end exit 130
  const journal = readFileSync(join(w.dir, '.acns/journal.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as { type: string; step: string | null; outcome?: string; event?: string; exit_code?: number },
    );
  const requested = new Set(journal.filter((l) => l.type === 'request' && l.step).map((l) => l.step as string));
  const finished = new Map(journal.filter((l) => l.type === 'step').map((l) => [l.step as string, l.outcome]));
  expect(requested.size).toBeGreaterThan(0);
  for (const id of requested) expect(['done', 'failed']).toContain(finished.get(id));
  expect([...finished.values()]).toContain('not_attempted');
  expect(journal.at(-1)).toMatchObject({ type: 'event', event: 'apply_end', exit_code: 130 });
});

test('a second SIGINT during apply exits at once, and the journal still ends with apply_end', async () => {
  w.emu.options.latencyMs = 0;
  expect((await w.cli(['plan', '-o', 'twice.json'])).code).toBe(0);
  w.emu.options.latencyMs = 800; // the step running at the second Ctrl-C is still waiting for its answer
  const child = spawn(process.execPath, [MAIN, 'apply', 'twice.json', '--journal', 'twice.jsonl'], {
    cwd: w.dir,
    env: { PATH: process.env.PATH ?? '', ...w.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let sent = 0;
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
    if (sent === 0 && stderr.includes('✓')) {
      sent = 1;
      child.kill('SIGINT');
    } else if (sent === 1 && stderr.includes('interrupt received')) {
      sent = 2;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  w.emu.options.latencyMs = 0;
  for (let i = 0; i < 150 && w.emu.requests().some((r) => r.status === 0); i++)
    await new Promise((r) => setTimeout(r, 20));
  expect(sent).toBe(2);
  expect(code).toBe(130);
  expect(stderr).toContain('interrupted twice');
  const lines = readFileSync(join(w.dir, 'twice.jsonl'), 'utf8').trim().split('\n');
  expect(JSON.parse(lines.at(-1) as string)).toMatchObject({
    event: 'apply_end',
    exit_code: 130,
    error: 'interrupted_twice',
  });
  expect(lines.filter((l) => l.includes('"apply_end"'))).toHaveLength(1);
  // the next apply still says the run before it was cut short, with any write it left in flight
  const next = await w.cli(['apply', 'twice.json', '--journal', 'twice.jsonl']);
  expect(next.stderr).toContain('did not end — a second Ctrl-C cut it short');
});

test('SIGINT during a read-only command (plan): exits 130 at once, says nothing was changed', async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test builds it before jest)`);
  w.emu.options.latencyMs = 2000; // every read is slow: the plan cannot finish before the interrupt
  w.emu.resetLog();
  const child = spawn(process.execPath, [MAIN, 'plan'], {
    cwd: w.dir,
    env: { PATH: process.env.PATH ?? '', ...w.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  // wait until the emulator has seen the first request, then interrupt
  while (w.emu.requests().length === 0) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  w.emu.options.latencyMs = 0;
  // let the emulator finish the slow answers it started, so no timer outlives the test
  for (let i = 0; i < 150 && w.emu.requests().some((r) => r.status === 0); i++)
    await new Promise((r) => setTimeout(r, 20));
  expect(code).toBe(130);
  expect(stderr).toContain('acns: interrupted; nothing was changed.');
  expect(stdout).not.toContain('Plan:');
  expect(w.emu.requests().filter((r) => r.method !== 'GET')).toHaveLength(0);
});

test('a reader closing stdout early: apply finishes, exits 0, journals apply_end, records what it did', async () => {
  w.emu.options.latencyMs = 0;
  w.glue(1, true);
  w.glue(2, true);
  expect((await w.cli(['plan', '-o', 'closed.json'])).code).toBe(0);
  const child = spawn(process.execPath, [MAIN, 'apply', 'closed.json'], {
    cwd: w.dir,
    env: { PATH: process.env.PATH ?? '', ...w.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy(); // like `| head -0`
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(code).toBe(0);
  const lines = readFileSync(join(w.dir, '.acns/journal.jsonl'), 'utf8').trim().split('\n');
  expect(JSON.parse(lines[lines.length - 1] as string)).toMatchObject({ event: 'apply_end', exit_code: 0 });
  expect(existsSync(join(w.dir, '.acns/last-applied.json'))).toBe(true);
});
