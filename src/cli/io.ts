/**
 * What a command may touch of the outside world. The CLI passes the real process streams and
 * environment; tests pass their own, so every command runs in-process without mocks.
 */
import type { RetryBackoff } from '../operations/session.js';

export interface Out {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CliIO {
  stdout: Out;
  stderr: Out;
  env: Record<string, string | undefined>;
  cwd: string;
  /** For the `yes` prompt of apply; absent when no terminal can answer. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Aborted on SIGINT: long operations stop starting new work. */
  signal?: AbortSignal;
  /** The Cloudflare client's pause between retries (see Session); absent means the client's defaults. */
  retryBackoff?: RetryBackoff;
}

/** Colour only on a TTY and never with NO_COLOR (https://no-color.org). */
export function useColour(out: Out, env: CliIO['env']): boolean {
  return Boolean(out.isTTY) && !('NO_COLOR' in env && env.NO_COLOR !== '');
}
