/**
 * Runs the acns action's run step the way the runner does: its `run:` text from action.yml in
 * `bash --noprofile --norc -eo pipefail FILE`, with the built CLI, against a test world.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseOutputs, ROOT } from './helpers.js';

export const MAIN = join(ROOT, 'dist/cli/main.js');
const ACTION = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8'));
export const RUN_SCRIPT: string = ACTION.runs.steps.find((s: { id?: string }) => s.id === 'run').run;

export interface ActionRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<{ code: number | null; outputs: Record<string, string>; stdout: string; stderr: string }>;
}

export function startAction(
  cwd: string,
  env: Record<string, string>,
  inputs: { command: string; args?: string; okCodes?: string },
): ActionRun {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test builds it before jest)`);
  const tmp = mkdtempSync(join(cwd, '.runner-'));
  const script = join(tmp, 'step.sh');
  const output = join(tmp, 'output');
  writeFileSync(script, RUN_SCRIPT);
  writeFileSync(output, '');
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      GITHUB_ACTION_PATH: ROOT,
      ACNS_ACTION_COMMAND: inputs.command,
      ACNS_ACTION_ARGS: inputs.args ?? '',
      ACNS_ACTION_MAIN: MAIN,
      ACNS_ACTION_OK_CODES: inputs.okCodes ?? '0 2',
      GITHUB_OUTPUT: output,
      RUNNER_TEMP: tmp,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<{ code: number | null; outputs: Record<string, string>; stdout: string; stderr: string }>(
    (resolve) =>
      child.on('close', (code) =>
        resolve({ code, outputs: parseOutputs(readFileSync(output, 'utf8')), stdout, stderr }),
      ),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

export function runAction(
  cwd: string,
  env: Record<string, string>,
  inputs: { command: string; args?: string; okCodes?: string },
) {
  return startAction(cwd, env, inputs).done;
}
