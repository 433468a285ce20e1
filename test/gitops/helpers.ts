/** Runs one workflow-helper task the way the runner does (INPUT_* variables, output and summary files). */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../gitops/main.mjs';
import { GH_TOKEN, REPO } from './stub-api.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const GITOPS_MAIN = join(ROOT, 'gitops/main.mjs');

export interface TaskResult {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parses a $GITHUB_OUTPUT file (name=value and name<<DELIM … DELIM). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return out;
}

export function githubEnv(api: { url: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_API_URL: api.url,
    GITHUB_REPOSITORY: REPO,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '777',
    GITHUB_REF: 'refs/heads/main',
    'INPUT_GITHUB-TOKEN': GH_TOKEN,
    ...extra,
  };
}

function inputEnv(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
}

function files(dir?: string) {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'acns-task-'));
  const output = join(d, `output-${Math.random().toString(36).slice(2)}`);
  const summary = join(d, `summary-${Math.random().toString(36).slice(2)}`);
  writeFileSync(output, '');
  writeFileSync(summary, '');
  return { output, summary };
}

/** In-process: main() with the runner's environment. */
export async function runTask(
  task: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
  opts: { now?: number; dir?: string } = {},
): Promise<TaskResult> {
  const f = files(opts.dir);
  const chunks: string[] = [];
  const code = await main(
    [],
    { ...env, ...inputEnv({ task, ...inputs }), GITHUB_OUTPUT: f.output, GITHUB_STEP_SUMMARY: f.summary },
    { write: (s: string) => chunks.push(s) },
    () => opts.now ?? Date.now(),
  );
  return {
    code,
    stdout: chunks.join(''),
    outputs: parseOutputs(readFileSync(f.output, 'utf8')),
    summary: readFileSync(f.summary, 'utf8'),
  };
}

/** As a process, like the runner starts a node24 action (`node gitops/main.mjs` with INPUT_*). */
export async function spawnTask(
  task: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
  cwd: string,
): Promise<TaskResult> {
  const f = files(cwd);
  const child = spawn(process.execPath, [GITOPS_MAIN], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      ...inputEnv({ task, ...inputs }),
      GITHUB_OUTPUT: f.output,
      GITHUB_STEP_SUMMARY: f.summary,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stdout += b.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return {
    code,
    stdout,
    outputs: parseOutputs(readFileSync(f.output, 'utf8')),
    summary: readFileSync(f.summary, 'utf8'),
  };
}
