#!/usr/bin/env node
/** The `acns` executable: wires the real process into cli/program.ts. */
import { TOOL_VERSION } from './version.js';

const argv = process.argv.slice(2);
// A reader that goes away (`acns plan | head -1`) closes stdout: what is left to print is dropped
// quietly and the command still finishes its work — an apply is not turned into a failure by it.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}
// `acns --version` alone answers before the command definitions and their parser load: scripts and
// CI call it to check the install, and it is the one answer that needs none of them. The exit waits
// for the write: where stdout is asynchronous (a pipe on Windows) exiting at once could drop it.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  await new Promise<void>((done) => process.stdout.write(`${TOOL_VERSION}\n`, () => done()));
  process.exit(0);
}
const command = argv.find((a) => !a.startsWith('-'));
const controller = new AbortController();
// The journal module (and the executor behind it) is loaded for apply only, not for every start-up.
// A journal can only be open once apply has loaded that same module, so until this import resolves
// there is nothing to end on a second Ctrl-C.
let journals: typeof import('../apply/journal.js') | undefined;
if (command === 'apply') void import('../apply/journal.js').then((m) => (journals = m));

let stopping = false;

// SIGTERM (CI cancel, `kill`, container stop) asks for the same graceful stop as a first Ctrl-C: CI runners
// send SIGINT then SIGTERM a few seconds later, so only a second SIGINT (a person insisting) exits at once.
const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
  const graceful = command === 'apply' || command === 'emulator';
  if (graceful && !stopping) {
    stopping = true;
    if (command === 'apply') {
      // apply stops starting steps, lets running ones finish and prints what was done (exit 130).
      process.stderr.write(
        `\nacns: ${signal === 'SIGINT' ? 'interrupt' : 'SIGTERM'} received: finishing the steps already running, ` +
          'starting no new ones (Ctrl-C again to exit now).\n',
      );
    }
    controller.abort(); // the emulator stops its server cleanly (and `--save` still writes its state)
    return;
  }
  if (graceful && signal === 'SIGTERM') {
    if (command === 'apply') process.stderr.write('\nacns: SIGTERM received: still finishing the running steps.\n');
    return;
  }
  if (command === 'apply') {
    // synchronous: apply_end stays the last line
    journals?.endOpenJournals({ exit_code: 130, error: journals.INTERRUPTED_TWICE });
    process.stderr.write(
      '\nacns: interrupted twice: exiting now; steps that were running may or may not have completed — ' +
        'run `acns plan` to see where the account stands.\n',
    );
  } else {
    process.stderr.write('\nacns: interrupted; nothing was changed.\n');
  }
  process.exit(130);
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));

const { run } = await import('./program.js');
const code = await run(argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  signal: controller.signal,
});
process.exitCode = code;
