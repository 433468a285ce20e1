/**
 * The account API for one run: credentials from the environment only, the file's API settings,
 * and the client's waits reported through the session's progress.
 */
import { type AccountApiHandle, accountApiFromEnv } from '../cloudflare/account.js';
import type { ProgressEvent } from '../cloudflare/budget.js';
import type { RequestEvent } from '../cloudflare/client.js';
import type { DesiredState } from '../config/types.js';
import type { Session } from './session.js';

export interface ConnectOptions {
  accountId: string;
  cloudflare: DesiredState['cloudflare'];
  /** Whether the run writes (apply) or only reads (the default): decides the token permissions a hint names. */
  access?: 'read' | 'write';
  /** Every request, as the journal records it. */
  onRequest?: (e: RequestEvent) => void;
  /** A write is about to leave (journaled first, so a crash mid-request leaves a trace). */
  onRequestStart?: (e: { method: string; path: string; attempt: number }) => void;
}

export function connect(session: Session, o: ConnectOptions): AccountApiHandle {
  return accountApiFromEnv(session.env, {
    accountId: o.accountId,
    access: o.access ?? 'read',
    endpoints: o.cloudflare.endpoints,
    requestsPerWindow: o.cloudflare.requestsPerWindow,
    windowSeconds: o.cloudflare.windowSeconds,
    requestsPerSecond: o.cloudflare.requestsPerSecond,
    concurrency: o.cloudflare.concurrency,
    ...(session.retryBackoff
      ? { backoffBaseMs: session.retryBackoff.baseMs, backoffCapMs: session.retryBackoff.capMs }
      : {}),
    ...(o.onRequest ? { onRequest: o.onRequest } : {}),
    ...(o.onRequestStart ? { onRequestStart: o.onRequestStart } : {}),
    onProgress: (e) => {
      const note = progressNote(e, o.cloudflare);
      if (note) session.progress.note(note);
    },
  });
}

/** The line a client event is worth on stderr (a wait, a stated rate-limit policy), if any. */
export function progressNote(e: ProgressEvent, cf: DesiredState['cloudflare']): string | undefined {
  if (e.kind === 'waiting') {
    const secs = `${Math.ceil(e.waitMs / 1000)} s`;
    if (e.reason === 'window') {
      const budget = `${cf.requestsPerWindow} per ${cf.windowSeconds} s`;
      return `request budget for this window spent (${budget}): waiting ${secs}`;
    }
    if (e.reason === 'server_window')
      return `Cloudflare says this rate window is spent: waiting ${secs} for it to reset`;
    return `Cloudflare answered 429 (rate limited); pausing every request for ${secs}`;
  }
  if (e.kind === 'policy' && e.configuredExceedsServer) {
    return (
      `cloudflare.requests_per_window (${e.configured.requests} per ${e.configured.seconds} s) exceeds what ` +
      `Cloudflare allows this user (${e.quota} per ${e.windowSeconds} s); using Cloudflare's figure`
    );
  }
  return undefined;
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
