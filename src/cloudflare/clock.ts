/**
 * Time as the client sees it: every wait of the HTTP layers (pacing, rate-limit pauses, backoff)
 * goes through a Clock, so tests drive time instead of waiting for it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { AcnsError } from '../errors.js';

export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with InterruptedError as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A wait was cancelled (Ctrl-C): nothing more is sent. */
export class InterruptedError extends AcnsError {
  constructor() {
    super('interrupted', 'interrupted while waiting to send a request to Cloudflare; it was not sent', {
      exitCode: 130,
    });
    this.name = 'InterruptedError';
  }
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    delay(Math.max(0, ms), undefined, signal ? { signal } : undefined).catch((e: unknown) => {
      throw (e as { name?: string }).name === 'AbortError' ? new InterruptedError() : e;
    }),
};

/** `p`, or an InterruptedError as soon as `signal` aborts (no timer is left behind). */
export function untilAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new InterruptedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new InterruptedError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
