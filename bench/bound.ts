/**
 * The arithmetic the benchmark compares against: the lower bound on wall time for a number of
 * requests (latency spread over the concurrency, or the rate window, whichever is slower) and the
 * request-count target a plan must stay within.
 */

/** A rate window: at most `requests` per `seconds`. */
export interface RateWindow {
  requests: number;
  seconds: number;
}

export interface BoundInput {
  requests: number;
  latencyMs: number;
  concurrency: number;
  /** The budget the run is held to; omitted or larger than `requests`: the window forces nothing. */
  window?: RateWindow;
  /** Cloudflare's per-IP ceiling (requests per second); omitted: none. */
  perSecond?: number;
}

export interface LowerBound {
  /** requests × latency / concurrency */
  latencyMs: number;
  /** Time the window forces: ⌊(requests − 1) / N⌋ full windows, then the last window's requests at full concurrency. */
  windowMs: number;
  /** requests / perSecond: no client may send faster than the per-IP limit */
  perIpMs: number;
  /** max(latencyMs, windowMs, perIpMs) */
  boundMs: number;
  limitedBy: 'latency' | 'window' | 'per-IP';
}

/** Cloudflare's page size when listing zones. */
export const ZONES_PER_PAGE = 50;

/** The fastest any client could finish `requests` requests at this latency, concurrency, window and per-IP limit. */
export function lowerBound(i: BoundInput): LowerBound {
  if (!(i.concurrency >= 1)) throw new RangeError('concurrency must be ≥ 1');
  const requests = Math.max(0, Math.floor(i.requests));
  const latencyMs = (requests * i.latencyMs) / i.concurrency;
  const windowMs = windowForcedMs(requests, i.latencyMs, i.concurrency, i.window);
  const perIpMs = i.perSecond ? (requests / i.perSecond) * 1000 : 0;
  const parts = { latencyMs, windowMs, perIpMs };
  if (windowMs >= latencyMs && windowMs >= perIpMs && windowMs > 0)
    return { ...parts, boundMs: windowMs, limitedBy: 'window' };
  if (perIpMs > latencyMs) return { ...parts, boundMs: perIpMs, limitedBy: 'per-IP' };
  return { ...parts, boundMs: latencyMs, limitedBy: 'latency' };
}

/**
 * The time a window of N requests per S seconds forces on R requests: request k (0-based) cannot
 * be sent before ⌊k / N⌋ · S, so the last window opens at ⌊(R − 1) / N⌋ · S and its requests still
 * take (their count × latency / concurrency). 0 when R fits in one window (latency alone decides).
 */
export function windowForcedMs(requests: number, latencyMs: number, concurrency: number, window?: RateWindow): number {
  if (!window || requests <= window.requests) return 0;
  const fullWindows = Math.floor((requests - 1) / window.requests);
  const inLast = requests - fullWindows * window.requests;
  return fullWindows * window.seconds * 1000 + (inLast * latencyMs) / concurrency;
}

/** The most requests a plan may make: managed zones + ⌈account zones / 50⌉ + 3. */
export function planRequestLimit(managedZones: number, accountZones: number): number {
  return managedZones + Math.ceil(accountZones / ZONES_PER_PAGE) + 3;
}

/** wall / bound, or undefined when there is no bound to compare with. */
export function ratioToBound(wallMs: number, boundMs: number | undefined): number | undefined {
  if (boundMs === undefined || !(boundMs > 0)) return undefined;
  return wallMs / boundMs;
}
