/**
 * What a response says about the rate limit. Cloudflare states it in the structured-field headers
 * `Ratelimit: "default";r=<remaining>;t=<seconds to reset>` and
 * `Ratelimit-Policy: "default";q=<quota>;w=<window seconds>`; older responses carry
 * `x-ratelimit-limit/-remaining/-reset`, still accepted. `retry-after` comes with a 429.
 * Pure parsing: the budget decides what to do with it.
 */
import { parseList, type Item } from 'structured-headers';

export type Headers = Record<string, string | string[] | undefined>;

export interface RateLimitInfo {
  /** Requests left in the server's current window. */
  remaining?: number;
  /** Milliseconds until that window resets. */
  resetMs?: number;
  /** The server's quota per window and the window's length (from the policy). */
  quota?: number;
  windowSeconds?: number;
  /** A 429's `retry-after`, in milliseconds. */
  retryAfterMs?: number;
}

/** Reads every rate-limit header of a response; a malformed header is treated as absent. */
export function parseRateLimitHeaders(headers: Headers, now: number = Date.now()): RateLimitInfo {
  const out: RateLimitInfo = {};
  const retryAfter = retryAfterMs(headers, now);
  if (retryAfter !== undefined) out.retryAfterMs = retryAfter;

  const policies = items(headerValue(headers['ratelimit-policy']))
    .map(([name, p]) => ({ name, q: nonNegInt(p.get('q')), w: nonNegInt(p.get('w')) }))
    .filter((x): x is { name: unknown; q: number; w: number } => x.q !== undefined && x.w !== undefined && x.w > 0);
  const limits = items(headerValue(headers.ratelimit))
    .map(([name, p]) => ({ name, r: nonNegInt(p.get('r')), t: nonNegInt(p.get('t')) }))
    .filter((x): x is { name: unknown; r: number; t: number | undefined } => x.r !== undefined);

  if (limits.length > 0) {
    // Several policies may apply at once: the one with the least left binds.
    const binding = limits.reduce((a, b) => (b.r < a.r ? b : a));
    out.remaining = binding.r;
    if (binding.t !== undefined) out.resetMs = binding.t * 1000;
    const policy = policies.find((p) => p.name === binding.name) ?? tightest(policies);
    if (policy) Object.assign(out, { quota: policy.q, windowSeconds: policy.w });
    return out;
  }
  const policy = tightest(policies);
  if (policy) Object.assign(out, { quota: policy.q, windowSeconds: policy.w });

  const legacy = headerValue(headers['x-ratelimit-remaining']);
  const remaining = legacy === undefined || legacy.trim() === '' ? Number.NaN : Number(legacy);
  if (Number.isFinite(remaining) && remaining >= 0) {
    out.remaining = Math.floor(remaining);
    const reset = legacyResetMs(headerValue(headers['x-ratelimit-reset']), now) ?? retryAfter;
    if (reset !== undefined) out.resetMs = reset;
  }
  return out;
}

/** The rate-limit headers a response carries: names only, in this order. */
export const RATE_LIMIT_HEADERS = [
  'ratelimit',
  'ratelimit-policy',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'retry-after',
] as const;
export type RateLimitHeader = (typeof RATE_LIMIT_HEADERS)[number];

export function rateLimitHeadersPresent(headers: Headers): RateLimitHeader[] {
  return RATE_LIMIT_HEADERS.filter((h) => (headerValue(headers[h])?.trim() ?? '') !== '');
}

/** `retry-after` in ms (seconds or an HTTP date), or undefined when absent or unparsable. */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const ra = headerValue(headers['retry-after'])?.trim();
  if (ra === undefined || ra === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(ra)) return Math.round(Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function items(value: string | undefined): [unknown, Map<string, unknown>][] {
  if (value === undefined || value.trim() === '') return [];
  try {
    return parseList(value)
      .filter((m): m is Item => !Array.isArray(m[0]))
      .map(([v, p]) => [bare(v), p]);
  } catch {
    return [];
  }
}

/** A policy name as a plain string (a String or a Token item). */
function bare(v: unknown): unknown {
  return typeof v === 'object' && v !== null && 'toString' in v ? String(v) : v;
}

function tightest<T extends { q: number; w: number }>(ps: T[]): T | undefined {
  return ps.length ? ps.reduce((a, b) => (b.q / b.w < a.q / a.w ? b : a)) : undefined;
}

function nonNegInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
}

function legacyResetMs(v: string | undefined, now: number): number | undefined {
  if (v === undefined) return undefined;
  const s = v.trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    // Either seconds from now, or an epoch timestamp in seconds.
    return n > 1e9 ? Math.max(0, n * 1000 - now) : n * 1000;
  }
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}
