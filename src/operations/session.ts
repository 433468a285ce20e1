/**
 * What an operation may touch of the outside world, without knowing it is a CLI: the environment,
 * the working directory, the interrupt signal, a progress sink and a place for warnings. The CLI
 * builds one from the process; tests build their own.
 */
import { type DesiredState, type Diagnostic, formatDiagnostic } from '../config/types.js';
import { count } from '../config/words.js';
import { AcnsError } from '../errors.js';

export interface ProgressSink {
  /** A counter moved: `label` names what is counted ("zone settings", "steps"). */
  update(label: string, done: number, total: number): void;
  /** A one-off message (waiting for the rate window, glue check retrying…). */
  note(message: string): void;
  /** A line of the operation's own progress output (e.g. one finished apply step). */
  line(text: string): void;
  stop(): void;
}

export interface Session {
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted on an interrupt: long operations stop starting new work. */
  signal?: AbortSignal;
  progress: ProgressSink;
  /** A problem that does not stop the operation (printed on stderr by the CLI). */
  warn(message: string): void;
  /** The Cloudflare client's pause between retries; absent means the client's own defaults. */
  retryBackoff?: RetryBackoff;
}

/** Tests that provoke 5xx answers or an unreachable API set a few milliseconds, never the production wait. */
export interface RetryBackoff {
  baseMs: number;
  capMs: number;
}

export const SILENT_PROGRESS: ProgressSink = { update() {}, note() {}, line() {}, stop() {} };

/** The desired-state file is invalid: the diagnostics travel with the error so the caller can print them. */
export class InvalidConfigError extends AcnsError {
  readonly diagnostics: Diagnostic[];
  /** Problems found beyond those listed (a flood is counted, not kept). */
  readonly omitted: number;
  constructor(file: string, diagnostics: Diagnostic[], omitted = 0) {
    const problems = count(diagnostics.length + omitted, 'problem');
    const inEnvironmentOnly = omitted === 0 && diagnostics.every((d) => d.source === 'environment');
    super(
      'invalid_config',
      inEnvironmentOnly
        ? `the environment does not fit ${file} (${problems} above); nothing was sent to Cloudflare`
        : `${file} is not valid (${problems} above); nothing was sent to Cloudflare`,
      {
        hint: inEnvironmentOnly
          ? 'fix or unset the environment variable named above'
          : `fix the file, then run \`acns validate -c ${file}\``,
      },
    );
    this.name = 'InvalidConfigError';
    this.diagnostics = diagnostics;
    this.omitted = omitted;
  }
}

/** Loads the desired state; warnings go to the session, errors travel in InvalidConfigError. */
export async function loadConfig(
  session: Session,
  file: string,
  opts: { requireAccountId?: boolean } = {},
): Promise<DesiredState> {
  // Loaded here, not at the top: the CLI imports this module for InvalidConfigError on every run,
  // and the YAML parser and schema compiler are only needed once a file is read.
  const { loadDesiredState } = await import('../config/load.js');
  const res = await loadDesiredState(file, { cwd: session.cwd, env: session.env, ...opts });
  if (!res.ok) throw new InvalidConfigError(file, res.errors, res.omitted ?? 0);
  for (const d of res.warnings) session.warn(formatDiagnostic(d, 'warning'));
  return res.state;
}

/** The account id the run works on (the loader has already refused a file and environment that disagree). */
export function accountIdOf(desired: DesiredState): string {
  if (!desired.accountId) {
    throw new AcnsError(
      'missing_account_id',
      'no account id: set account_id in the file or CLOUDFLARE_ACCOUNT_ID in the environment',
      {
        hint:
          'find it in the Cloudflare dashboard URL (dash.cloudflare.com/<account id>) ' +
          'or under Account Home → Account details',
      },
    );
  }
  return desired.accountId;
}
