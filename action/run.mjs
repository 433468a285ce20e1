#!/usr/bin/env node
/**
 * The run step of the acns action. The step's bash `exec`s this script, so it is the process the
 * runner signals on cancel (SIGINT, then SIGTERM a few seconds later): it forwards both to acns,
 * which stops starting steps, lets running ones finish and prints what was done (exit 130).
 * stdout goes to the log and to a file; the exit code, that file and the saved plan become outputs.
 *
 * Environment: ACNS_ACTION_COMMAND (split on any whitespace, every line kept), ACNS_ACTION_ARGS (one
 * argument per line, verbatim), ACNS_ACTION_MAIN (the CLI), ACNS_ACTION_OK_CODES, GITHUB_OUTPUT, RUNNER_TEMP.
 * No shell ever sees the arguments: nothing is globbed, expanded or run.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, createWriteStream, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The argument list: the words of `command` (all lines), then each non-empty line of `args`. */
export function actionArgs(command = '', extra = '') {
  const words = command.split(/\s+/).filter(Boolean);
  const lines = extra
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  return [...words, ...lines];
}

/** The plan file named by -o FILE, --out FILE, --out=FILE or -oFILE (the last one wins), or ''. */
export function planFileOf(args) {
  let plan = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-o' || a === '--out') plan = args[i + 1] ?? '';
    else if (a.startsWith('--out=')) plan = a.slice('--out='.length);
    else if (/^-o./.test(a)) plan = a.slice(2);
  }
  return plan;
}

async function main() {
  const env = process.env;
  const args = actionArgs(env.ACNS_ACTION_COMMAND, env.ACNS_ACTION_ARGS);
  if (args.length === 0) {
    console.log(
      '::error title=acns::the input "command" is empty: give the acns command to run, e.g. "plan -o plan.json"',
    );
    process.exit(1);
  }
  const okCodes = (env.ACNS_ACTION_OK_CODES ?? '0 2').split(/\s+/).filter(Boolean);
  const outFile = join(mkdtempSync(join(env.RUNNER_TEMP || tmpdir(), 'acns-output-')), 'stdout.txt');
  const out = createWriteStream(outFile);

  // A process group of its own: a signal sent to this script's group reaches acns once, through us.
  const child = spawn(process.execPath, [env.ACNS_ACTION_MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on('SIGINT', () => forward('SIGINT'));
  process.on('SIGTERM', () => forward('SIGTERM'));
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    out.write(chunk);
  });

  const code = await new Promise((done) => {
    child.on('error', (e) => {
      console.log(`::error title=acns::could not start acns (${e.message})`);
      done(1);
    });
    child.on('close', (c, signal) => done(c ?? (signal === 'SIGKILL' ? 137 : 130)));
  });
  await new Promise((done) => out.end(done));

  let plan = planFileOf(args);
  if (plan) {
    plan = isAbsolute(plan) ? plan : resolve(plan);
    if (!existsSync(plan)) plan = '';
  }
  if (env.GITHUB_OUTPUT) {
    appendFileSync(env.GITHUB_OUTPUT, `exit-code=${code}\noutput-file=${outFile}\nplan-file=${plan}\n`);
  }
  if (okCodes.includes(String(code))) process.exit(0);
  const what = code === 130 ? 'was interrupted' : `exited with code ${code}`;
  console.log(`::error title=acns ${args[0]}::acns ${what} (see the log above for the message and the hint)`);
  process.exit(code);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await main();
