#!/usr/bin/env node
/** The `acns` executable: wires the real process into cli/program.ts. */
import { endOpenJournals } from '../apply/journal.js';
import { run } from './program.js';

const argv = process.argv.slice(2);
const command = argv.find((a) => !a.startsWith('-'));
const controller = new AbortController();

// A reader that goes away (`acns plan | head -1`) closes stdout: what is left to print is dropped
// quietly and the command still finishes its work — an apply is not turned into a failure by it.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}
let interrupted = 0;

process.on('SIGINT', () => {
  interrupted++;
  if (command === 'apply' && interrupted === 1) {
    // apply stops starting steps, lets running ones finish and prints what was done (exit 130).
    process.stderr.write(
      '\nacns: interrupt received: finishing the steps already running, starting no new ones ' +
        '(Ctrl-C again to exit now).\n',
    );
    controller.abort();
    return;
  }
  if (command === 'emulator' && interrupted === 1) {
    controller.abort(); // stops the server cleanly
    return;
  }
  if (command === 'apply') {
    endOpenJournals({ exit_code: 130, error: 'interrupted_twice' }); // synchronous: apply_end stays the last line
    process.stderr.write(
      '\nacns: interrupted twice: exiting now; steps that were running may or may not have completed — ' +
        'run `acns plan` to see where the account stands.\n',
    );
  } else {
    process.stderr.write('\nacns: interrupted; nothing was changed.\n');
  }
  process.exit(130);
});

// The emulator also stops cleanly on SIGTERM (service managers, `kill`), so `--save` still writes its state.
if (command === 'emulator') process.on('SIGTERM', () => controller.abort());

const code = await run(argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  signal: controller.signal,
});
process.exitCode = code;
