/**
 * Scenario 5: process start-up of the built CLI (`node dist/cli/main.js`), median of several runs.
 * Peak memory comes from one extra run that loads a tiny probe writing its own maxRSS at exit,
 * kept out of the timed runs so it cannot slow them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { DEMO_ZONES } from '../src/emulator/model.js';
import { desiredYaml } from './fixtures.js';
import { median } from './measure.js';
import type { ScenarioResult } from './types.js';

const TIME_TARGET_MS = 400;

/** The built CLI: build/bench/startup.js → dist/cli/main.js. */
export const CLI_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Median wall time of `acns <args>` over `runs` runs, after one untimed warm-up (disk cache). */
export async function runStartupScenario(
  id: string,
  title: string,
  args: string[],
  runs: number,
): Promise<ScenarioResult> {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} does not exist: build first (npx tsc -p tsconfig.json)`);
  const dir = mkdtempSync(join(tmpdir(), 'acns-bench-'));
  try {
    writeFileSync(
      join(dir, 'acns.yaml'),
      desiredYaml({ zones: [...DEMO_ZONES].filter((z) => !z.includes('arpa') && z !== 'shop.example.org') }),
    );
    const probe = join(dir, 'rss-probe.mjs');
    const rssFile = join(dir, 'rss.txt');
    writeFileSync(
      probe,
      `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, ` +
        `String(process.resourceUsage().maxRSS * 1024)));\n`,
    );
    await runCli(args, dir, []); // warm-up
    const times: number[] = [];
    const codes: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await runCli(args, dir, []);
      times.push(r.wallMs);
      codes.push(r.code);
    }
    await runCli(args, dir, ['--import', pathToFileURL(probe).href]);
    const peak = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : 0;
    const wallMs = median(times);
    return {
      id,
      title,
      wallMs,
      peakRssBytes: peak,
      params: { command: `acns ${args.join(' ')}`, runs, timesMs: times.map((t) => Math.round(t)) },
      checks: [
        {
          what: 'exits 0',
          ok: codes.every((c) => c === 0),
          detail: codes.every((c) => c === 0) ? undefined : `exit codes ${codes.join(', ')}`,
        },
        {
          what: `start-up under ${TIME_TARGET_MS} ms (median)`,
          ok: wallMs < TIME_TARGET_MS,
          detail: `${Math.round(wallMs)} ms`,
        },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runCli(args: string[], cwd: string, nodeFlags: string[]): Promise<{ code: number; wallMs: number }> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_OPTIONS; // the timed process is what a user runs: no inherited flags
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...nodeFlags, CLI_MAIN, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0 && stderr)
        process.stderr.write(`acns ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}\n`);
      resolve({ code: code ?? 1, wallMs });
    });
  });
}
