/**
 * The arithmetic the benchmark compares against: the physical floor on wall time for a number of
 * requests — max(requests / per-IP rate, latency × requests / concurrency, window floor), what no
 * client could beat against Cloudflare's limits — and the exact request count of a plan.
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
  /** The server's per-user window (Cloudflare's 1,200 per 300 s); omitted or not reached: it forces nothing. */
  window?: RateWindow;
  /** Cloudflare's per-IP ceiling (requests per second); omitted: none. */
  perSecond?: number;
}

export interface LowerBound {
  /** requests × latency / concurrency */
  latencyMs: number;
  /**
   * Time the window forces: ⌊(requests − 1) / N⌋ full windows, then the last window's requests at
   * the per-IP rate (or spread over the concurrency, if that is slower).
   */
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
  const windowMs = windowForcedMs(requests, i.latencyMs, i.concurrency, i.window, i.perSecond);
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
 * take the longer of (their count / the per-IP rate) and (their count × latency / concurrency).
 * 0 when R fits in one window (the other terms decide).
 */
export function windowForcedMs(
  requests: number,
  latencyMs: number,
  concurrency: number,
  window?: RateWindow,
  perSecond?: number,
): number {
  if (!window || requests <= window.requests) return 0;
  const fullWindows = Math.floor((requests - 1) / window.requests);
  const inLast = requests - fullWindows * window.requests;
  const lastMs = Math.max((inLast * latencyMs) / concurrency, perSecond ? (inLast / perSecond) * 1000 : 0);
  return fullWindows * window.seconds * 1000 + lastMs;
}

/** How a plan finds its zones' ids, for the exact request count (see resolveZones in the client). */
export interface PlanShape {
  managed: number; // zones the file manages, all present in the account
  account: number; // zones in the account
  /** Managed zones on the first page of the account's listing (the first 50 by name). */
  onFirstPage: number;
  /** The file manages the account default: one read of it. */
  accountDefault: boolean;
  /** Zones whose settings are read besides the managed ones (the users of a set losing names). */
  extraSettingsReads?: number;
}

/**
 * The pages of GET /zones a plan needs to find `managed` zones: none for none, one filtered call
 * for one; otherwise the first page, then whichever is cheaper — one filtered call per zone not on
 * it, or every other page (fetched together once the first page tells how many there are).
 */
export function zoneLookups(s: Pick<PlanShape, 'managed' | 'account' | 'onFirstPage'>): number {
  if (s.managed === 0) return 0;
  if (s.managed === 1) return 1;
  const unseen = s.managed - s.onFirstPage;
  if (s.account <= ZONES_PER_PAGE || unseen === 0) return 1;
  const pagesLeft = Math.ceil(s.account / ZONES_PER_PAGE) - 1;
  return 1 + Math.min(unseen, pagesLeft);
}

/**
 * The exact requests of a plan in which every managed zone exists and no unmanaged zone is a parent
 * or child of a managed one: 1 list of the custom nameservers, the zone lookups, one settings read
 * per managed zone, +1 account default, + the documented extra reads.
 */
export function expectedPlanRequests(s: PlanShape): number {
  return 1 + zoneLookups(s) + s.managed + (s.accountDefault ? 1 : 0) + (s.extraSettingsReads ?? 0);
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
