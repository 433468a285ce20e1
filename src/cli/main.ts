#!/usr/bin/env node
/** The `acns` executable: wires the real process into cli/program.ts. */
import { run } from './program.js';

const controller = new AbortController();
let interrupted = 0;
process.on('SIGINT', () => {
  interrupted++;
  if (interrupted > 1) {
    process.stderr.write('\nacns: interrupted twice, exiting now.\n');
    process.exit(130);
  }
  process.stderr.write('\nacns: interrupt received: finishing what is running, starting nothing new (Ctrl-C again to exit now).\n');
  controller.abort();
});

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  signal: controller.signal,
});
process.exitCode = code;
