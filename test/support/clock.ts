/**
 * Virtual time for the client's layers: sleep() registers a timer that fires only when the test
 * advances the clock, so pacing, pauses and backoff are tested without waiting for real time.
 */
import { InterruptedError, type Clock } from '../../src/cloudflare/clock.js';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

const flush = () => new Promise<void>((r) => setImmediate(r));

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];
  /** Every sleep asked for, in ms (what the code under test chose to wait). */
  readonly sleeps: number[] = [];

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(new InterruptedError());
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          reject(new InterruptedError());
        },
        { once: true },
      );
    });
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in order (and letting their effects run). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      const next = this.earliest();
      if (!next || next.at > end) break;
      this.fire(next);
    }
    this.t = end;
    await flush();
  }

  /** Runs until `p` settles, jumping from timer to timer whenever nothing else is left to do. */
  async run<T>(p: Promise<T>): Promise<T> {
    let settled = false;
    p.then(
      () => (settled = true),
      () => (settled = true),
    );
    let idle = 0;
    while (!settled) {
      await flush();
      if (settled) break;
      const next = this.earliest();
      if (next) {
        idle = 0;
        this.fire(next);
        continue;
      }
      // Real I/O (a mock dispatcher) may still be on its way: give it a few turns.
      if (++idle > 200) throw new Error('FakeClock.run: nothing left to run but the promise is still pending');
    }
    return p;
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const x of this.timers) if (!best || x.at < best.at || (x.at === best.at && x.seq < best.seq)) best = x;
    return best;
  }

  private fire(x: Timer): void {
    this.timers = this.timers.filter((y) => y !== x);
    if (x.at > this.t) this.t = x.at;
    x.resolve();
  }
}
