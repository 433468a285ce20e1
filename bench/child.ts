/**
 * Whole-process measurement of the built CLI: wall time from spawn to exit, and the child's own CPU
 * time (user + system) and peak RSS, which a tiny probe loaded with `--import` writes at exit (it
 * costs the child about a millisecond; every timed run carries it, so runs stay comparable).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The built CLI: build/bench/child.js → dist/cli/main.js. */
export const CLI_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface ProcessRun {
  code: number;
  wallMs: number;
  /** user + system CPU of the child, ms */
  cpuMs: number;
  maxRssBytes: number;
  /** Date.now() at spawn, to place the emulator's request log on the process's timeline. */
  spawnedAt: number;
  stdout: string;
  stderr: string;
}

export interface NodeRunner {
  /** `node <flags> <script> <args>`; script defaults to the CLI. */
  run(args: string[], o?: { cwd?: string; env?: Record<string, string>; script?: string }): Promise<ProcessRun>;
  close(): void;
}

export function nodeRunner(defaultCwd: string): NodeRunner {
  const dir = mkdtempSync(join(tmpdir(), 'acns-probe-'));
  const probe = join(dir, 'probe.mjs');
  writeFileSync(
    probe,
    "import { writeFileSync } from 'node:fs';\n" +
      "process.on('exit', () => { const u = process.resourceUsage(); " +
      'writeFileSync(process.env.ACNS_BENCH_PROBE_OUT, JSON.stringify(' +
      '{ cpu: (u.userCPUTime + u.systemCPUTime) / 1000, rss: u.maxRSS * 1024 })); });\n',
  );
  let n = 0;
  return {
    async run(args, o = {}) {
      const out = join(dir, `usage-${n++}.json`);
      const env: Record<string, string | undefined> = {
        ...process.env,
        NO_COLOR: '1',
        ...o.env,
        ACNS_BENCH_PROBE_OUT: out,
      };
      delete env.NODE_OPTIONS; // the timed process is what a user runs: no inherited flags
      const r = await spawnTimed(
        ['--import', pathToFileURL(probe).href, o.script ?? CLI_MAIN, ...args],
        o.cwd ?? defaultCwd,
        env,
      );
      const usage = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { cpu: number; rss: number }) : null;
      return { ...r, cpuMs: usage?.cpu ?? Number.NaN, maxRssBytes: usage?.rss ?? 0 };
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function spawnTimed(
  argv: string[],
  cwd: string,
  env: Record<string, string | undefined>,
): Promise<Omit<ProcessRun, 'cpuMs' | 'maxRssBytes'>> {
  return new Promise((resolve, reject) => {
    const spawnedAt = Date.now();
    const t0 = performance.now();
    const child = spawn(process.execPath, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? 1, wallMs: performance.now() - t0, spawnedAt, stdout, stderr });
    });
  });
}
