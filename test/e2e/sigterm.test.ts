/**
 * Process level: SIGTERM (a CI cancel, `kill`, a container stop) gets the graceful stop of a first
 * Ctrl-C. The BUILT CLI applying a saved plan against a slow emulator stops starting steps, lets the
 * running one finish, prints the summary and exits 130; a read-only command exits 130 at once; and a
 * SIGTERM after a SIGINT (how CI runners escalate) does not cut the running step short.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_CONFIG, startWorld, type World } from './harness.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

let w: World;
beforeEach(async () => {
  w = await startWorld();
  w.writeConfig(`${BASE_CONFIG}cloudflare:\n  concurrency: 1\n`); // one request at a time: a long apply
});
afterEach(async () => {
  w.emu.options.latencyMs = 0;
  await w.close();
});

function start(argv: string[]) {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test builds it before jest)`);
  const child = spawn(process.execPath, [MAIN, ...argv], {
    cwd: w.dir,
    env: { PATH: process.env.PATH ?? '', ...w.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (b: Buffer) => (out.stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out.stderr += b.toString()));
  const code = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { child, out, code };
}

async function untilFirstStepDone(out: { stderr: string }) {
  while (!out.stderr.includes('✓')) await new Promise((r) => setTimeout(r, 20));
}

test.each([
  ['SIGTERM', ['SIGTERM']],
  ['SIGINT then SIGTERM', ['SIGINT', 'SIGTERM']],
] as const)('%s during apply: the running step finishes, summary, exit 130', async (_what, signals) => {
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  w.emu.options.latencyMs = 250;
  const { child, out, code } = start(['apply', 'plan.json']);
  await untilFirstStepDone(out);
  for (const [i, s] of signals.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, 200)); // a runner waits seconds before its SIGTERM
    child.kill(s);
  }
  expect(await code).toBe(130);
  expect(out.stderr).toMatch(signals[0] === 'SIGTERM' ? /SIGTERM received: finishing/ : /interrupt received/);
  expect(out.stderr).not.toMatch(/interrupted twice/);
  expect(out.stdout).toMatch(/Not attempted \(\d+\)/);
  expect(out.stdout + out.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(w.emu.state.accountDefault).toBe('cloudflare.standard');
  const journal = readFileSync(join(w.dir, '.acns/journal.jsonl'), 'utf8').trim().split('\n');
  expect(JSON.parse(journal.at(-1)!)).toMatchObject({ event: 'apply_end', exit_code: 130 });
});

test('SIGTERM during a read-only command (plan): exits 130 at once, says nothing was changed', async () => {
  w.emu.options.latencyMs = 2000;
  w.emu.resetLog();
  const { child, out, code } = start(['plan']);
  while (w.emu.requests().length === 0) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGTERM');
  expect(await code).toBe(130);
  w.emu.options.latencyMs = 0;
  // let the emulator finish the slow answers it started, so no timer outlives the test
  for (let i = 0; i < 150 && w.emu.requests().some((r) => r.status === 0); i++)
    await new Promise((r) => setTimeout(r, 20));
  expect(out.stderr).toContain('acns: interrupted; nothing was changed.');
  expect(out.stdout).not.toContain('Plan:');
});
