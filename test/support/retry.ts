import type { CliIO } from '../../src/cli/io.js';

/**
 * The client's pause between retries in tests that run the CLI in-process: a few milliseconds, so a
 * provoked 5xx or an unreachable API costs no more than the requests themselves.
 */
export const TEST_RETRY_BACKOFF: NonNullable<CliIO['retryBackoff']> = { baseMs: 1, capMs: 5 };
