/**
 * The emulator's rate limits, as Cloudflare documents them: a per-user window (1200 requests per
 * 300 s by default) whose overrun blocks every call for five minutes, and a per-IP limit of 200
 * requests per second. Answers carry the IETF-draft `Ratelimit` / `Ratelimit-Policy` headers, and
 * `retry-after` only on a 429. The older `x-ratelimit-*` headers and the older "429 only until the
 * window has room" behaviour are kept behind switches. Time comes from an injected clock.
 */

export interface RateWindow {
  requests: number;
  seconds: number;
}

/** Which rate-limit headers answers carry; 'none' is a proxy that strips them (retry-after stays on a 429). */
export type RateHeaders = 'current' | 'legacy' | 'both' | 'none';

export interface RateSettings {
  /** Per-user window (sliding); false: none. */
  rate: RateWindow | false;
  /** How long an overrun of the per-user window blocks every call; 0: only until the window has room. */
  blockSeconds: number;
  /** Per-IP requests per second; false: none. */
  ipRate: number | false;
  /** Which rate-limit headers answers carry. */
  headers: RateHeaders;
}

export const DEFAULT_RATE: RateWindow = { requests: 1200, seconds: 300 };
export const DEFAULT_BLOCK_SECONDS = 300;
export const DEFAULT_IP_RATE = 200;

export type Admission =
  | { limited: false; headers: Record<string, string> }
  | { limited: true; reason: 'user' | 'ip'; headers: Record<string, string> };

export class RateLimiter {
  private accepted: number[] = []; // receive times inside the per-user window, oldest first
  private blockedUntil = 0;
  private perIp = new Map<string, number[]>(); // receive times within the last second, per address

  constructor(
    private readonly settings: () => RateSettings,
    private readonly clock: () => number,
  ) {}

  /** Counts one request from `ip`; says whether it is refused and which headers its answer carries. */
  admit(ip: string): Admission {
    const s = this.settings();
    const now = this.clock();
    if (s.ipRate !== false) {
      const hits = (this.perIp.get(ip) ?? []).filter((t) => t + 1000 > now);
      this.perIp.set(ip, hits);
      if (hits.length >= s.ipRate) {
        const wait = ((hits[0] as number) + 1000 - now) / 1000;
        return { limited: true, reason: 'ip', headers: this.limitedHeaders(s, now, wait) };
      }
      hits.push(now);
    }
    if (s.rate === false) return { limited: false, headers: {} };
    if (now < this.blockedUntil) {
      return { limited: true, reason: 'user', headers: this.limitedHeaders(s, now, (this.blockedUntil - now) / 1000) };
    }
    this.prune(s.rate, now);
    if (this.accepted.length >= s.rate.requests) {
      if (s.blockSeconds > 0) {
        this.blockedUntil = now + s.blockSeconds * 1000;
        return { limited: true, reason: 'user', headers: this.limitedHeaders(s, now, s.blockSeconds) };
      }
      return { limited: true, reason: 'user', headers: this.limitedHeaders(s, now, this.windowReset(s.rate, now)) };
    }
    this.accepted.push(now);
    return { limited: false, headers: this.headers(s, now, s.rate.requests - this.accepted.length) };
  }

  /** Headers for an injected 429 (a fault): nothing left, `retry-after` as given. */
  faultHeaders(retryAfter: number): Record<string, string> {
    const s = this.settings();
    return { ...this.headers(s, this.clock(), 0, retryAfter), 'retry-after': String(retryAfter) };
  }

  /** Forgets every window and block. */
  reset(): void {
    this.accepted = [];
    this.blockedUntil = 0;
    this.perIp.clear();
  }

  private limitedHeaders(s: RateSettings, now: number, waitSeconds: number): Record<string, string> {
    const retry = Math.max(1, Math.ceil(waitSeconds));
    return { ...this.headers(s, now, 0, waitSeconds), 'retry-after': String(retry) };
  }

  /** The window's headers: `remaining` left, resetting in `resetSeconds` (default: the window's own). */
  private headers(s: RateSettings, now: number, remaining: number, resetSeconds?: number): Record<string, string> {
    const h: Record<string, string> = {};
    if (s.rate === false) return h;
    const reset = resetSeconds ?? this.windowReset(s.rate, now);
    const left = Math.max(0, remaining);
    if (s.headers === 'current' || s.headers === 'both') {
      h.ratelimit = `"default";r=${left};t=${Math.ceil(reset)}`;
      h['ratelimit-policy'] = `"default";q=${s.rate.requests};w=${sfNumber(s.rate.seconds)}`;
    }
    if (s.headers === 'legacy' || s.headers === 'both') {
      h['x-ratelimit-limit'] = String(s.rate.requests);
      h['x-ratelimit-remaining'] = String(left);
      // RFC 1123 date, rounded up so its whole-second resolution never ends the pause early.
      h['x-ratelimit-reset'] = new Date(Math.ceil((now + reset * 1000) / 1000) * 1000).toUTCString();
      // The old emulator also sent retry-after on the answer that spent the window.
      if (left === 0) h['retry-after'] = String(Math.max(1, Math.ceil(reset)));
    }
    return h;
  }

  private prune(w: RateWindow, now: number): void {
    const ms = w.seconds * 1000;
    let i = 0;
    while (i < this.accepted.length && (this.accepted[i] as number) + ms <= now) i++;
    if (i > 0) this.accepted.splice(0, i);
  }

  /** Seconds until the oldest counted request leaves the window. */
  private windowReset(w: RateWindow, now: number): number {
    this.prune(w, now);
    const oldest = this.accepted[0];
    return oldest === undefined ? 0 : Math.max(0, (oldest + w.seconds * 1000 - now) / 1000);
  }
}

/** A structured-field number: an integer, or a decimal with at most three fractional digits. */
function sfNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000);
}
