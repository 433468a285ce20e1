/**
 * Builds the commander program and runs it against a CliIO. Commands live one per file in
 * cli/commands/ and only parse flags, call modules and map results to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { AcnsError } from '../errors.js';
import { createSecretScrubber, secretsFromEnv } from '../cloudflare/credentials.js';
import { formatDiagnostic, problemSummary } from '../config/types.js';
import { InvalidConfigError } from '../operations/session.js';
import type { CliIO } from './io.js';
import type { CommandRunner, Registry } from './registry.js';
import { TOOL_VERSION } from './version.js';
import { registerApply } from './commands/apply.js';
import { registerDoctor } from './commands/doctor.js';
import { registerDrift } from './commands/drift.js';
import { registerEmulator } from './commands/emulator.js';
import { registerImport } from './commands/import.js';
import { registerGlue } from './commands/glue.js';
import { registerPlan } from './commands/plan.js';
import { registerShow } from './commands/show.js';
import { registerValidate } from './commands/validate.js';

export async function run(argv: string[], io: CliIO): Promise<number> {
  let runner: CommandRunner | undefined;
  const program = new Command();
  program
    .name('acns')
    .description(
      'Plan and apply Cloudflare account custom nameservers as code, with a DNS glue check before any zone switches.',
    )
    .version(TOOL_VERSION, '-V, --version', 'print the acns version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  const reg: Registry = { program, io, setRunner: (r) => (runner = r) };
  registerValidate(reg);
  registerPlan(reg);
  registerApply(reg);
  registerShow(reg);
  registerGlue(reg);
  registerDrift(reg);
  registerEmulator(reg);
  registerImport(reg);
  registerDoctor(reg);

  // `acns help NAME` where NAME is no command: the "unknown command" error (with its did-you-mean) that
  // `acns NAME` gives, rather than the whole help and exit 1 without saying why.
  const known = (n: string): boolean => program.commands.some((c) => c.name() === n || c.aliases().includes(n));
  const topic = argv[0] === 'help' ? argv[1] : undefined;
  const args = topic && !topic.startsWith('-') && !known(topic) ? [topic] : argv;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exitCode 0; usage errors with 1.
      return e.exitCode === 0 ? 0 : 1;
    }
    return reportError(e, io);
  }
  if (!runner) return 0;
  try {
    return await runner(io);
  } catch (e) {
    return reportError(e, io);
  }
}

/** The last line of defence: a clear message and an exit code, never a stack trace. */
export function reportError(e: unknown, io: CliIO): number {
  // A server may echo a secret back in its error message: none of it reaches the terminal.
  const scrub = createSecretScrubber(secretsFromEnv(io.env));
  if (e instanceof InvalidConfigError) {
    for (const d of e.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
    if (e.omitted) io.stderr.write(`${problemSummary({ errors: e.diagnostics, omitted: e.omitted }, '')[0]}\n`);
  }
  if (e instanceof AcnsError) {
    io.stderr.write(scrub(`error: ${e.message}\n`));
    if (e.hint) io.stderr.write(scrub(`hint: ${e.hint}\n`));
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  io.stderr.write(scrub(`error: unexpected failure: ${msg}\n`));
  io.stderr.write(
    'hint: this is a bug in acns; please report it with the command you ran (set ACNS_DEBUG=1 for details).\n',
  );
  if (io.env.ACNS_DEBUG && e instanceof Error && e.stack) io.stderr.write(scrub(`${e.stack}\n`));
  return 1;
}
