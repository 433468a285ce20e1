/**
 * The one request budget of a run. It models Cloudflare's rate window (N requests per S seconds,
 * counted over a sliding window of send times): requests burst while the window has room and wait
 * only once it is spent. A 429 (or `x-ratelimit-remaining: 0`) closes a shared gate that pauses
 * every request of the run until `retry-after`; when the gate opens, a single probe request goes
 * first and the others follow only once it was not rate-limited, so a long 429 storm costs one
 * request per pause instead of one per waiting request.
 */

/** Progress the CLI can show on stderr. */
export type ProgressEvent =
  | { kind: 'requests'; done: number; total: number }
  | { kind: 'waiting'; reason: 'window' | 'rate_limited'; waitMs: number }
  | { kind: 'resumed' };

export interface BudgetOptions {
  requestsPerWindow: number;
  windowSeconds: number;
  /** Extra wait past the window edge to absorb clock skew with the server (default 5 %, ≤ 1 s). */
  marginMs?: number;
  onProgress?: (e: ProgressEvent) => void;
}

/** Permission to send one request; hand it back to `settle` when the answer (or failure) arrives. */
export interface Ticket {
  readonly probe: boolean;
  /** Send order within the run: tells a newer answer from an older one that arrived late. */
  readonly seq?: number;
}

export class RequestBudget {
  readonly requestsPerWindow: number;
  readonly windowMs: number;
  private readonly marginMs: number;
  private readonly onProgress?: (e: ProgressEvent) => void;
  private sent: number[] = []; // send times inside the current window, oldest first
  private pausedUntil = 0;
  private probeNeeded = false;
  private probe?: { done: Promise<void>; release: () => void };
  private waiting?: 'window' | 'rate_limited';
  /** The server's last `x-ratelimit-remaining`, minus what was sent since, until its reset time. */
  private server?: { remaining: number; resetAt: number; seq: number };
  private total = 0;
  private inFlight = 0;

  constructor(opts: BudgetOptions) {
    if (!(opts.requestsPerWindow >= 1) || !(opts.windowSeconds > 0)) {
      throw new RangeError('requestsPerWindow must be ≥ 1 and windowSeconds > 0');
    }
    this.requestsPerWindow = Math.floor(opts.requestsPerWindow);
    this.windowMs = opts.windowSeconds * 1000;
    this.marginMs = opts.marginMs ?? Math.min(1000, Math.round(this.windowMs * 0.05));
    this.onProgress = opts.onProgress;
  }

  /** Requests granted so far in this run. */
  get granted(): number {
    return this.total;
  }

  /** Waits until the window has room and no pause is in force, then counts one request. */
  async acquire(): Promise<Ticket> {
    for (;;) {
      const now = Date.now();
      if (now < this.pausedUntil) {
        await this.wait('rate_limited', this.pausedUntil - now);
        continue;
      }
      if (this.probe) {
        await this.probe.done;
        continue;
      }
      if (this.server && now >= this.server.resetAt) this.server = undefined;
      if (this.server && this.server.remaining <= 0) {
        await this.wait('rate_limited', this.server.resetAt - now);
        continue;
      }
      this.prune(now);
      if (this.sent.length >= this.requestsPerWindow) {
        const oldest = this.sent[0] ?? now;
        await this.wait('window', Math.max(1, oldest + this.windowMs + this.marginMs - now));
        continue;
      }
      this.sent.push(now);
      this.total++;
      this.inFlight++;
      if (this.server) this.server.remaining--;
      if (this.waiting) {
        this.waiting = undefined;
        this.onProgress?.({ kind: 'resumed' });
      }
      if (this.probeNeeded) {
        this.probeNeeded = false;
        let release!: () => void;
        const done = new Promise<void>((r) => (release = r));
        this.probe = { done, release };
        return { probe: true, seq: this.total };
      }
      return { probe: false, seq: this.total };
    }
  }

  /** Hands a ticket back; releases the requests queued behind a probe. */
  settle(t: Ticket): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (t.probe && this.probe) {
      const p = this.probe;
      this.probe = undefined;
      p.release();
    }
  }

  /** Pauses every request of the run for `ms` (a 429's retry-after). */
  pause(ms: number): void {
    const until = Date.now() + Math.max(0, ms);
    if (until > this.pausedUntil) this.pausedUntil = until;
    this.probeNeeded = true;
  }

  /** Reads Cloudflare's rate-limit headers: a spent server-side window pauses the run until it resets. */
  observe(headers: Record<string, string | string[] | undefined>, ticket?: Ticket): void {
    const raw = first(headers['x-ratelimit-remaining']);
    const reported = raw === undefined ? NaN : Number(raw);
    if (!Number.isFinite(reported)) return;
    // The other requests in flight may not be counted in that figure yet: assume they will be.
    const remaining = reported - Math.max(0, this.inFlight - 1);
    const wait = retryAfterMs(headers) ?? resetMs(first(headers['x-ratelimit-reset']));
    if (wait === undefined) return;
    // Later requests may not outrun what the server says is left of its window. Answers arrive out
    // of order, so an older, larger figure never raises the estimate before the window resets; the
    // answer to a request sent after the one behind the estimate is newer news and replaces it
    // (servers with sliding windows give back room before their announced reset time).
    const now = Date.now();
    const seq = ticket?.seq ?? -1;
    const cur = this.server && now < this.server.resetAt ? this.server : undefined;
    if (cur !== undefined && seq >= 0 && seq < cur.seq) return; // older news than what we hold
    const newer = cur !== undefined && seq >= 0 && seq > cur.seq;
    this.server =
      cur && !newer && cur.remaining <= remaining
        ? cur
        : { remaining, resetAt: now + wait, seq: Math.max(seq, cur?.seq ?? -1) };
    if (reported <= 0) this.pause(wait);
  }

  private prune(now: number): void {
    let i = 0;
    while (i < this.sent.length && (this.sent[i] as number) + this.windowMs + this.marginMs <= now) i++;
    if (i > 0) this.sent.splice(0, i);
  }

  private async wait(reason: 'window' | 'rate_limited', ms: number): Promise<void> {
    if (this.waiting !== reason) {
      this.waiting = reason;
      this.onProgress?.({ kind: 'waiting', reason, waitMs: ms });
    }
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** `retry-after` in ms (seconds or an HTTP date), or undefined when absent or unparsable. */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>): number | undefined {
  const ra = first(headers['retry-after']);
  if (ra === undefined || ra === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.round(Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function resetMs(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v.trim())) {
    const n = Number(v);
    // Either seconds from now, or an epoch timestamp in seconds.
    return n > 1e9 ? Math.max(0, n * 1000 - Date.now()) : n * 1000;
  }
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
