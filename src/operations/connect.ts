/**
 * The account API for one run: credentials from the environment only, the file's API settings,
 * and the client's waits reported through the session's progress.
 */
import { type AccountApiHandle, accountApiFromEnv } from '../cloudflare/account.js';
import type { RequestEvent } from '../cloudflare/client.js';
import type { DesiredState } from '../config/types.js';
import type { Session } from './session.js';

export interface ConnectOptions {
  accountId: string;
  cloudflare: DesiredState['cloudflare'];
  /** Every request, as the journal records it. */
  onRequest?: (e: RequestEvent) => void;
  /** A write is about to leave (journaled first, so a crash mid-request leaves a trace). */
  onRequestStart?: (e: { method: string; path: string; attempt: number }) => void;
}

export function connect(session: Session, o: ConnectOptions): AccountApiHandle {
  return accountApiFromEnv(session.env, {
    accountId: o.accountId,
    endpoints: o.cloudflare.endpoints,
    requestsPerWindow: o.cloudflare.requestsPerWindow,
    windowSeconds: o.cloudflare.windowSeconds,
    concurrency: o.cloudflare.concurrency,
    ...(session.retryBackoff
      ? { backoffBaseMs: session.retryBackoff.baseMs, backoffCapMs: session.retryBackoff.capMs }
      : {}),
    ...(o.onRequest ? { onRequest: o.onRequest } : {}),
    ...(o.onRequestStart ? { onRequestStart: o.onRequestStart } : {}),
    onProgress: (e) => {
      if (e.kind !== 'waiting') return;
      const why =
        e.reason === 'window'
          ? `request budget for this window spent (${o.cloudflare.requestsPerWindow} per ${o.cloudflare.windowSeconds} s)`
          : 'Cloudflare answered 429 (rate limited); pausing every request';
      session.progress.note(`${why}: waiting ${Math.ceil(e.waitMs / 1000)} s`);
    },
  });
}

/** Runs `fn` with a connection that is closed whatever happens. */
export async function withConnection<T>(
  session: Session,
  o: ConnectOptions,
  fn: (api: AccountApiHandle) => Promise<T>,
): Promise<T> {
  const api = connect(session, o);
  try {
    return await fn(api);
  } finally {
    session.progress.stop();
    await api.close();
  }
}
