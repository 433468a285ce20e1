/**
 * `npm run bench [-- --quick] [-- --only plan,apply] [-- --out FILE]`: runs every scenario, each in
 * its own child process (`--child ID`, one JSON line on stdout) so peak memory is per scenario,
 * prints the table and the target checks, and writes bench/results.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { TOOL_VERSION } from '../src/cli/version.js';
import { SCENARIOS } from './scenarios.js';
import { formatMs, renderChecks, renderTable } from './table.js';
import type { BenchReport, ScenarioResult } from './types.js';

export interface BenchArgs {
  quick: boolean;
  only?: string[];
  child?: string;
  out: string;
}

const USAGE = 'usage: npm run bench [-- --quick] [-- --only ID[,ID…]] [-- --out FILE]';

/** Parses the benchmark's own flags; unknown ones are an error naming the usage. */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = { quick: false, out: 'bench/results.json' };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${f} needs a value`);
      return v;
    };
    if (f === '--quick') a.quick = true;
    else if (f === '--only')
      a.only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (f === '--child') a.child = value();
    else if (f === '--out') a.out = value();
    else throw new UsageError(`unknown option ${f}`);
  }
  const ids = new Set(SCENARIOS.map((s) => s.id));
  for (const id of [...(a.only ?? []), ...(a.child ? [a.child] : [])]) {
    if (!ids.has(id)) throw new UsageError(`unknown scenario ${id} (known: ${[...ids].join(', ')})`);
  }
  return a;
}

/** Runs the benchmark; returns the exit code (1 when a scenario crashed, not when a target was missed). */
export async function main(argv: string[]): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n${USAGE}\n`);
    return 1;
  }
  if (args.child) return runChild(args.child, args.quick);

  const started = new Date();
  const t0 = performance.now();
  const results: ScenarioResult[] = [];
  let crashed = 0;
  for (const s of SCENARIOS.filter((x) => !args.only || args.only.includes(x.id))) {
    process.stderr.write(`bench: ${s.id} …`);
    try {
      const r = await spawnChild(s.id, args.quick);
      results.push(r);
      process.stderr.write(` ${formatMs(r.wallMs)}\n`);
    } catch (e) {
      crashed++;
      process.stderr.write(` failed: ${(e as Error).message}\n`);
    }
  }
  const report: BenchReport = {
    tool: `acns ${TOOL_VERSION}`,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    quick: args.quick,
    startedAt: started.toISOString(),
    totalMs: Math.round(performance.now() - t0),
    scenarios: results,
  };
  process.stdout.write(`\n${renderTable(results)}\n`);
  process.stdout.write(
    'floor = max(requests / 200 per second (the per-IP limit), requests × latency / concurrency, ' +
      "window floor: ⌊(requests − 1) / 1200⌋ × 300 s + the last window's requests at the per-IP rate); " +
      'ratio = wall ÷ floor, after start-up for whole processes\n\n',
  );
  process.stdout.write(renderChecks(results));
  const failed = results.flatMap((r) => r.checks.filter((c) => !c.ok)).length;
  process.stdout.write(
    `\n${failed === 0 ? 'every target met' : `${failed} target(s) missed`}; total ${formatMs(report.totalMs)}\n`,
  );

  const out = resolve(args.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`results written to ${args.out}\n`);
  return crashed > 0 ? 1 : 0;
}

class UsageError extends Error {}

/** In the child: run one scenario and print its result as one JSON line. */
async function runChild(id: string, quick: boolean): Promise<number> {
  const s = SCENARIOS.find((x) => x.id === id);
  if (!s) return 1;
  try {
    const r = await s.run(quick);
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

function spawnChild(id: string, quick: boolean): Promise<ScenarioResult> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [self, '--child', id, ...(quick ? ['--quick'] : [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || line === '')
        return reject(new Error(err.trim().split('\n').slice(-3).join(' / ') || `exit ${code}`));
      try {
        resolvePromise(JSON.parse(line) as ScenarioResult);
      } catch {
        reject(new Error(`unreadable result: ${line.slice(0, 200)}`));
      }
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
