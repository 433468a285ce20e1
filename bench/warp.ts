/**
 * A clock for runs bound by Cloudflare's five-minute window, shared by the client and the
 * emulator: it runs in real time, except that a long sleep (a wait for the window to reopen) sleeps
 * a short real while and then moves the clock forward to the wake-up time. Everything acns does —
 * pacing, round trips, CPU, the order of events — still happens in real time; only the idle minutes
 * the window forces are skipped, and they are counted in the clock's time. So a run measured on
 * this clock takes what it would take in real time, with the real window (1,200 per 300 s), and its
 * ratio to the window floor means what it would mean unscaled.
 */
import { type Clock, systemClock } from '../src/cloudflare/clock.js';

export interface WarpClockOptions {
  /** Sleeps longer than this skip ahead; shorter ones (the pace, backoff) are real. Default 1 s. */
  skipAboveMs?: number;
  /**
   * Real time a skipping sleep still takes before the jump, so answers already on their way
   * arrive (and their round trips are measured) before the clock moves. Default 250 ms.
   */
  settleMs?: number;
  /** The real clock (tests drive it). */
  real?: Clock;
}

export class WarpClock implements Clock {
  private offset = 0;
  /** Milliseconds skipped so far. */
  skippedMs = 0;
  private readonly skipAboveMs: number;
  private readonly settleMs: number;
  private readonly real: Clock;

  constructor(o: WarpClockOptions = {}) {
    this.skipAboveMs = o.skipAboveMs ?? 1000;
    this.settleMs = Math.min(o.settleMs ?? 250, this.skipAboveMs);
    this.real = o.real ?? systemClock;
  }

  now = (): number => this.real.now() + this.offset;

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= this.skipAboveMs) return this.real.sleep(ms, signal);
    const wakeAt = this.now() + ms;
    await this.real.sleep(this.settleMs, signal);
    // Sleepers that overlap each wake at their own time: the clock only ever moves forward to it.
    const jump = wakeAt - this.now();
    if (jump > 0) {
      this.offset += jump;
      this.skippedMs += jump;
    }
  }
}
