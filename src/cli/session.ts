/** The operations' view of the process: environment, folder, Ctrl-C, progress and warnings on stderr. */
import type { Session } from '../operations/session.js';
import type { CliIO } from './io.js';
import { createProgress } from './progress.js';

export function sessionFor(io: CliIO, opts: { quiet?: boolean } = {}): Session {
  return {
    env: io.env,
    cwd: io.cwd,
    ...(io.signal ? { signal: io.signal } : {}),
    ...(io.retryBackoff ? { retryBackoff: io.retryBackoff } : {}),
    progress: createProgress(io, opts),
    warn: (message) => void io.stderr.write(`${message}\n`),
  };
}
