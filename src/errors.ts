/**
 * The one error base of acns. Every failure a user can cause ends as an AcnsError with a stable
 * `code`, the exit code the CLI should use, and a message that says what went wrong and what to do.
 * The CLI prints `error: <message>` (and `hint` on its own line) — never a stack trace.
 */
export type ExitCode = 0 | 1 | 2 | 3 | 130;

export class AcnsError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint?: string;
  constructor(code: string, message: string, opts: { exitCode?: ExitCode; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AcnsError';
    this.code = code;
    this.exitCode = opts.exitCode ?? 1;
    this.hint = opts.hint;
  }
}

/** A problem the user must fix in their environment (missing variable, unreadable file…). */
export class UsageError extends AcnsError {
  constructor(message: string, hint?: string) {
    super('usage', message, { exitCode: 1, hint });
    this.name = 'UsageError';
  }
}
