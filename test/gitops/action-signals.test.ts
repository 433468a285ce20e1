/**
 * Cancel is graceful: the runner signals the step's process (SIGINT, then SIGTERM a few seconds later);
 * the step's bash `exec`s action/run.mjs, which forwards both to acns. acns stops starting steps, lets
 * the running one finish, prints its interrupted summary and exits 130 — and the step still sets its
 * outputs. Run against a slow emulator with the built CLI.
 */
import { readFileSync } from 'node:fs';
import { BASE_CONFIG, startWorld, type World } from '../e2e/harness.js';
import { startAction } from './action-run.js';

let w: World;
beforeEach(async () => {
  w = await startWorld();
  w.writeConfig(`${BASE_CONFIG}cloudflare:\n  concurrency: 1\n`); // one request at a time: a long apply
});
afterEach(async () => {
  w.emu.options.latencyMs = 0;
  await w.close();
});

test.each([
  ['SIGINT then SIGTERM, as the runner sends them', ['SIGINT', 'SIGTERM'] as const],
  ['SIGTERM alone (a container stop, kill)', ['SIGTERM'] as const],
])('%s: acns ends with its interrupted summary, exit 130, outputs set', async (_what, signals) => {
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  w.emu.options.latencyMs = 250;
  const run = startAction(w.dir, w.env, { command: 'apply plan.json' });
  // the first step done: interrupt, as a cancel in the middle of an apply would
  while (!run.stderr().includes('✓')) {
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const [i, signal] of signals.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, 200)); // a runner waits seconds before its SIGTERM
    run.child.kill(signal); // the step's process: bash became node run.mjs through exec
  }
  const r = await run.done;
  expect(r.code).toBe(130);
  expect(r.outputs['exit-code']).toBe('130');
  expect(r.stderr).toMatch(signals[0] === 'SIGINT' ? /interrupt received/ : /SIGTERM received: finishing/);
  expect(r.stdout).toMatch(/Not attempted \(\d+\)/);
  expect(readFileSync(r.outputs['output-file']!, 'utf8')).toMatch(/Not attempted/);
  expect(r.stdout).toMatch(/::error title=acns apply::acns was interrupted/);
  expect(r.stderr).not.toMatch(/interrupted twice/); // SIGTERM after SIGINT did not cut the running step
  expect(w.emu.state.accountDefault).toBe('cloudflare.standard'); // it stopped early
  // the journal closes the run: acns itself ended, it was not killed
  const journal = readFileSync(`${w.dir}/.acns/journal.jsonl`, 'utf8').trim().split('\n');
  expect(JSON.parse(journal.at(-1)!)).toMatchObject({ event: 'apply_end', exit_code: 130 });
});
