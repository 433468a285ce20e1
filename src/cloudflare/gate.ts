/**
 * The 429 gate: one per run. A 429 closes it until `retry-after` (capped at Cloudflare's
 * five-minute block), which holds every request of the run, not only the one that was refused.
 * When it opens, a single probe goes first and the others follow only once the probe's answer
 * arrived, so a long 429 storm costs one request per pause instead of one per waiting request.
 * The gate decides nothing about pace: the budget asks it before granting each send.
 */
import { type Clock, systemClock, untilAborted } from './clock.js';

/** Cloudflare blocks every call for five minutes once the per-user limit is exceeded. */
export const FIVE_MINUTE_BLOCK_MS = 300_000;

export type GateEvent =
  | { kind: 'waiting'; reason: 'rate_limited'; waitMs: number; untilMs: number }
  | { kind: 'resumed' };

export interface GateOptions {
  clock?: Clock;
  /** Longest pause one 429 may impose (default five minutes). */
  maxPauseMs?: number;
  onProgress?: (e: GateEvent) => void;
}

export class RateLimitGate {
  private readonly clock: Clock;
  private readonly maxPauseMs: number;
  private readonly onProgress?: (e: GateEvent) => void;
  private pausedUntil = 0;
  private announcedUntil = 0;
  private probeDue = false;
  private probe?: { done: Promise<void>; release: () => void };
  private waiting = false;

  constructor(o: GateOptions = {}) {
    this.clock = o.clock ?? systemClock;
    this.maxPauseMs = o.maxPauseMs ?? FIVE_MINUTE_BLOCK_MS;
    this.onProgress = o.onProgress;
  }

  /** Closes the gate for `ms` (capped); returns the pause actually applied. */
  pause(ms: number): number {
    const applied = Math.min(this.maxPauseMs, Math.max(0, ms));
    const until = this.clock.now() + applied;
    if (until > this.pausedUntil) this.pausedUntil = until;
    this.probeDue = true;
    return applied;
  }

  /** When the gate is open for the caller: undefined now, or a promise to await before asking again. */
  blocked(signal?: AbortSignal): Promise<void> | undefined {
    const now = this.clock.now();
    if (now < this.pausedUntil) {
      if (this.pausedUntil > this.announcedUntil) {
        this.announcedUntil = this.pausedUntil;
        this.onProgress?.({
          kind: 'waiting',
          reason: 'rate_limited',
          waitMs: this.pausedUntil - now,
          untilMs: this.pausedUntil,
        });
      }
      this.waiting = true;
      return this.clock.sleep(this.pausedUntil - now, signal);
    }
    if (this.probe) {
      this.waiting = true;
      return untilAborted(this.probe.done, signal);
    }
    return undefined;
  }

  /** Called as a send is granted: true when this send is the probe after a pause. */
  pass(): boolean {
    if (this.waiting && !this.probeDue) {
      this.waiting = false;
      this.onProgress?.({ kind: 'resumed' });
    }
    if (!this.probeDue) return false;
    this.probeDue = false;
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    this.probe = { done, release };
    return true;
  }

  /** The probe's answer (or failure) arrived; a 429 must be reported with pause() before this. */
  probeDone(): void {
    const p = this.probe;
    this.probe = undefined;
    p?.release();
  }
}
