/**
 * The one request budget of a run: it decides when each request may be sent. Four limits, all
 * checked for every send, in the order requests asked (first come, first served):
 * - the 429 gate (see gate.ts): closed during a rate-limit pause, then one probe first;
 * - Cloudflare's per-user window: N requests per S seconds, counted over a sliding window of send
 *   times. N and S are the configured guess until the server states its policy
 *   (`Ratelimit-Policy`), then the server's. What the server says remains (`Ratelimit`, or the
 *   older `x-ratelimit-remaining`) caps sends until its window resets;
 * - the per-IP pace: sends spaced evenly so that no second, as the server counts it, holds more
 *   than `requestsPerSecond` (Cloudflare refuses more than 200 per second from one address). The
 *   spacing leaves room for the jitter measured in the round trips (a send delayed on its way and
 *   a later one that is not arrive closer together than they left), never a flat share; a late
 *   timer may let one send catch up, never a burst;
 * - requests in flight: enough to keep the pace at the measured round trip (rate × round trip,
 *   with headroom), never more than `maxInFlight`.
 */
import { type Clock, systemClock, untilAborted } from './clock.js';
import type { RateLimitGate } from './gate.js';
import type { RateLimitInfo } from './ratelimit.js';

/** Progress the CLI can show on stderr. */
export type ProgressEvent =
  | { kind: 'requests'; done: number; total: number }
  | {
      kind: 'waiting';
      /** window: acns's own budget; server_window: the server says none remain; rate_limited: a 429. */
      reason: 'window' | 'server_window' | 'rate_limited';
      waitMs: number;
      /** When the wait ends (ms since the epoch, on the client's clock): for a countdown. */
      untilMs: number;
    }
  | { kind: 'resumed' }
  | {
      /** The server stated its rate-limit policy (first time, or a change). */
      kind: 'policy';
      quota: number;
      windowSeconds: number;
      configured: { requests: number; seconds: number };
      /** The configured budget asks for more than the server allows: the server's is used. */
      configuredExceedsServer: boolean;
    };

/** Cloudflare's per-IP limit of the client API. */
export const CLOUDFLARE_REQUESTS_PER_SECOND = 200;
/**
 * The jitter the pace leaves room for, in ms: the spread of recent round trips (the slowest of
 * about the last two seconds' answers against the fastest of the run), within these bounds; until
 * enough answers arrived, the largest. Two seconds, because a stall that bunched arrivals weighs on
 * every second that holds them, and its slow answers come back a round trip after it. A round
 * trip's spread bounds how much closer two sends can arrive than they left; it also counts delays
 * on the way back and a busy client, so it errs on the safe side; beyond the largest bound it no
 * longer slows the pace (a tenth of a second: 9 % slower).
 */
export const JITTER_MIN_MS = 10;
export const JITTER_MAX_MS = 100;
/** Round trips remembered: two seconds' worth at the pace, at least this many. */
const JITTER_MIN_SAMPLES = 64;
const JITTER_WARMUP = 16;
/** Requests in flight: rate × round trip, times this, plus IN_FLIGHT_SPARE (round trips vary). */
const IN_FLIGHT_HEADROOM = 2;
const IN_FLIGHT_SPARE = 2;

/**
 * The pace for a ceiling of `rps` per second and `jitterMs` of arrival jitter: the spacing between
 * sends and how early a send may go before its slot (so a timer that fires a little late does not
 * slow the whole run). With that tolerance, any span of S ms holds at most 1 + (S + tolerance) /
 * interval sends; the spacing keeps that within `rps` for a second stretched by the jitter.
 */
export function paceFor(rps: number, jitterMs: number): { intervalMs: number; toleranceMs: number } {
  const span = 1000 + Math.max(0, jitterMs);
  if (rps >= 3) {
    const intervalMs = span / (rps - 2);
    return { intervalMs, toleranceMs: intervalMs };
  }
  return { intervalMs: span / Math.min(1, rps), toleranceMs: 0 };
}

export interface BudgetOptions {
  requestsPerWindow: number;
  windowSeconds: number;
  /** The per-IP ceiling (default 200); the pace keeps just under it. */
  requestsPerSecond?: number;
  /** Most requests in flight at once (default 64). */
  maxInFlight?: number;
  /** A fixed arrival jitter to leave room for, in ms, instead of the one measured (tests). */
  jitterMs?: number;
  /** Extra wait past the window edge to absorb clock skew with the server (default 5 %, ≤ 1 s). */
  marginMs?: number;
  clock?: Clock;
  gate?: RateLimitGate;
  onProgress?: (e: ProgressEvent) => void;
}

/** Permission to send one request; hand it back to `settle` when the answer (or failure) arrives. */
export interface Ticket {
  /** Send order within the run: tells a newer answer from an older one that arrived late. */
  readonly seq: number;
  /** The first send after a rate-limit pause: the others wait for its answer. */
  readonly probe: boolean;
}

export class RequestBudget {
  readonly configured: { requests: number; seconds: number };
  readonly requestsPerSecond: number;
  readonly maxInFlight: number;
  private readonly clock: Clock;
  private readonly gate?: RateLimitGate;
  private readonly onProgress?: (e: ProgressEvent) => void;
  private readonly fixedMarginMs?: number;
  private readonly fixedJitterMs?: number;
  /**
   * The slowest of the last `rttSamples` round trips, kept without rescanning them on every send:
   * [sample number, ms] pairs, slowest first, each slower than every later one.
   */
  private readonly slowest: Array<[number, number]> = [];
  private readonly rttSamples: number;
  private rttCount = 0;
  private minRttMs = Number.POSITIVE_INFINITY;
  private limit: number;
  private windowMs: number;
  private learned?: { quota: number; windowSeconds: number };
  private sent: number[] = []; // send times inside the current window, oldest first
  private sentHead = 0;
  /** The pace's next slot (theoretical arrival time of the generic cell rate algorithm). */
  private nextSlot = Number.NEGATIVE_INFINITY;
  /** The server's last remaining figure, minus what was sent since, until its reset time. */
  private server?: { remaining: number; resetAt: number; seq: number };
  private total = 0;
  private flying = 0;
  private srttMs?: number;
  private freed?: { promise: Promise<void>; resolve: () => void };
  private tail: Promise<unknown> = Promise.resolve();
  private waiting?: 'window' | 'server_window';

  constructor(o: BudgetOptions) {
    if (!(o.requestsPerWindow >= 1) || !(o.windowSeconds > 0)) {
      throw new RangeError('requestsPerWindow must be ≥ 1 and windowSeconds > 0');
    }
    const rps = o.requestsPerSecond ?? CLOUDFLARE_REQUESTS_PER_SECOND;
    if (!(rps > 0)) throw new RangeError('requestsPerSecond must be > 0');
    this.configured = { requests: Math.floor(o.requestsPerWindow), seconds: o.windowSeconds };
    this.limit = this.configured.requests;
    this.windowMs = o.windowSeconds * 1000;
    this.requestsPerSecond = rps;
    if (o.jitterMs !== undefined) this.fixedJitterMs = Math.max(0, o.jitterMs);
    this.rttSamples = Math.max(JITTER_MIN_SAMPLES, Math.min(10_000, Math.ceil(2 * rps)));
    this.maxInFlight = Math.max(1, Math.floor(o.maxInFlight ?? 64));
    this.fixedMarginMs = o.marginMs;
    this.clock = o.clock ?? systemClock;
    this.gate = o.gate;
    this.onProgress = o.onProgress;
  }

  /** Requests granted so far in this run. */
  get granted(): number {
    return this.total;
  }

  get inFlight(): number {
    return this.flying;
  }

  /** How many requests may be in flight now: enough for the pace at the measured round trip. */
  get inFlightTarget(): number {
    if (this.srttMs === undefined) return this.maxInFlight;
    const perRoundTrip = this.srttMs / this.pace().intervalMs;
    const needed = Math.ceil(perRoundTrip * IN_FLIGHT_HEADROOM) + IN_FLIGHT_SPARE;
    return Math.max(1, Math.min(this.maxInFlight, needed));
  }

  /** The arrival jitter the pace leaves room for now (ms). */
  get jitterMs(): number {
    if (this.fixedJitterMs !== undefined) return this.fixedJitterMs;
    if (this.rttCount < JITTER_WARMUP) return JITTER_MAX_MS;
    const spread = (this.slowest[0]?.[1] ?? this.minRttMs) - this.minRttMs;
    return Math.min(JITTER_MAX_MS, Math.max(JITTER_MIN_MS, spread));
  }

  /** The spacing of sends now, and how early one may go. */
  pace(): { intervalMs: number; toleranceMs: number } {
    return paceFor(this.requestsPerSecond, this.jitterMs);
  }

  /** The window in force: the server's stated policy once known, else the configured one. */
  get window(): { requests: number; seconds: number; fromServer: boolean } {
    return { requests: this.limit, seconds: this.windowMs / 1000, fromServer: this.learned !== undefined };
  }

  /** Waits (in turn) until every limit allows one more send, then counts it. */
  acquire(signal?: AbortSignal): Promise<Ticket> {
    const turn = this.tail.then(() => this.waitForRoom(signal));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** Hands a ticket back; `rttMs` (the attempt's round trip) tunes how many may fly. */
  settle(_t: Ticket, rttMs?: number): void {
    this.flying = Math.max(0, this.flying - 1);
    if (rttMs !== undefined && Number.isFinite(rttMs) && rttMs >= 0) {
      this.srttMs = this.srttMs === undefined ? rttMs : 0.8 * this.srttMs + 0.2 * rttMs;
      const n = this.rttCount++;
      const q = this.slowest;
      while (q.length > 0 && (q.at(-1) as [number, number])[1] <= rttMs) q.pop();
      q.push([n, rttMs]);
      // sample numbers only grow, so at most the first one has left the remembered span
      if ((q[0] as [number, number])[0] <= n - this.rttSamples) q.shift();
      this.minRttMs = Math.min(this.minRttMs, rttMs);
    }
    const f = this.freed;
    this.freed = undefined;
    f?.resolve();
  }

  /** Takes in what an answer said about the rate limit (call before settling its ticket). */
  observe(info: RateLimitInfo, ticket?: Ticket): void {
    if (info.quota !== undefined && info.windowSeconds !== undefined && info.quota >= 1 && info.windowSeconds > 0)
      this.learnPolicy(info.quota, info.windowSeconds);
    if (info.remaining === undefined) return;
    const resetMs = info.resetMs ?? info.retryAfterMs ?? (this.learned ? this.windowMs : undefined);
    if (resetMs === undefined) return;
    // The other requests in flight may not be counted in that figure yet: assume they will be.
    const remaining = info.remaining - Math.max(0, this.flying - 1);
    // Later requests may not outrun what the server says is left of its window. Answers arrive out
    // of order, so an older, larger figure never raises the estimate before the window resets; the
    // answer to a request sent after the one behind the estimate is newer news and replaces it
    // (servers with sliding windows give back room before their announced reset time).
    const now = this.clock.now();
    const seq = ticket?.seq ?? -1;
    const cur = this.server && now < this.server.resetAt ? this.server : undefined;
    if (cur !== undefined && seq >= 0 && seq < cur.seq) return; // older news than what we hold
    const newer = cur !== undefined && seq >= 0 && seq > cur.seq;
    this.server =
      cur && !newer && cur.remaining <= remaining
        ? cur
        : { remaining, resetAt: now + resetMs, seq: Math.max(seq, cur?.seq ?? -1) };
  }

  private learnPolicy(quota: number, windowSeconds: number): void {
    if (this.learned && this.learned.quota === quota && this.learned.windowSeconds === windowSeconds) return;
    this.learned = { quota, windowSeconds };
    this.limit = Math.floor(quota);
    this.windowMs = windowSeconds * 1000;
    const c = this.configured;
    this.onProgress?.({
      kind: 'policy',
      quota,
      windowSeconds,
      configured: { ...c },
      configuredExceedsServer: c.requests / c.seconds > quota / windowSeconds,
    });
  }

  private marginMs(): number {
    return this.fixedMarginMs ?? Math.min(1000, Math.round(this.windowMs * 0.05));
  }

  private async waitForRoom(signal?: AbortSignal): Promise<Ticket> {
    for (;;) {
      if (signal?.aborted) await untilAborted(Promise.resolve(), signal);
      const gated = this.gate?.blocked(signal);
      if (gated) {
        await gated;
        continue;
      }
      if (this.flying >= this.inFlightTarget) {
        await untilAborted(this.slotFreed(), signal);
        continue;
      }
      const now = this.clock.now();
      if (this.server && now >= this.server.resetAt) this.server = undefined;
      if (this.server && this.server.remaining <= 0) {
        await this.wait('server_window', this.server.resetAt - now, signal);
        continue;
      }
      this.prune(now);
      if (this.sent.length - this.sentHead >= this.limit) {
        const oldest = this.sent[this.sentHead] ?? now;
        await this.wait('window', Math.max(1, oldest + this.windowMs + this.marginMs() - now), signal);
        continue;
      }
      const pace = this.pace();
      const earliest = this.nextSlot - pace.toleranceMs;
      if (now < earliest) {
        await this.clock.sleep(earliest - now, signal);
        continue;
      }
      return this.grant(now, pace.intervalMs);
    }
  }

  private grant(now: number, intervalMs: number): Ticket {
    this.sent.push(now);
    // A slot missed while the event loop was busy is skipped, not made up in a burst.
    this.nextSlot = Math.max(this.nextSlot, now) + intervalMs;
    this.total++;
    this.flying++;
    if (this.server) this.server.remaining--;
    if (this.waiting) {
      this.waiting = undefined;
      this.onProgress?.({ kind: 'resumed' });
    }
    const probe = this.gate?.pass() ?? false;
    return { seq: this.total, probe };
  }

  private slotFreed(): Promise<void> {
    if (!this.freed) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.freed = { promise, resolve };
    }
    return this.freed.promise;
  }

  private prune(now: number): void {
    const edge = now - this.windowMs - this.marginMs();
    while (this.sentHead < this.sent.length && (this.sent[this.sentHead] as number) <= edge) this.sentHead++;
    if (this.sentHead > 1024 && this.sentHead * 2 > this.sent.length) {
      this.sent = this.sent.slice(this.sentHead);
      this.sentHead = 0;
    }
  }

  private async wait(reason: 'window' | 'server_window', ms: number, signal?: AbortSignal): Promise<void> {
    if (this.waiting !== reason) {
      this.waiting = reason;
      this.onProgress?.({ kind: 'waiting', reason, waitMs: ms, untilMs: this.clock.now() + ms });
    }
    await this.clock.sleep(ms, signal);
  }
}
