import {
  expectedPlanRequests,
  lowerBound,
  planRequestLimit,
  ratioToBound,
  windowForcedMs,
  zoneLookups,
} from '../../bench/bound.js';

describe('lowerBound', () => {
  test('latency-bound: requests × latency / concurrency when the window never binds', () => {
    const b = lowerBound({ requests: 542, latencyMs: 50, concurrency: 8, window: { requests: 1000, seconds: 300 } });
    expect(b.latencyMs).toBeCloseTo(3387.5);
    expect(b.windowMs).toBe(0);
    expect(b.boundMs).toBeCloseTo(3387.5);
    expect(b.limitedBy).toBe('latency');
  });

  test('window-bound: full windows, then the last window at full concurrency', () => {
    // 5402 requests at 300 per 3 s: 18 full windows (requests 0…5399), 2 left in the 19th.
    const b = lowerBound({ requests: 5402, latencyMs: 50, concurrency: 8, window: { requests: 300, seconds: 3 } });
    expect(b.windowMs).toBeCloseTo(18 * 3000 + (2 * 50) / 8);
    expect(b.latencyMs).toBeCloseTo((5402 * 50) / 8);
    expect(b.boundMs).toBe(b.windowMs);
    expect(b.limitedBy).toBe('window');
  });

  test('per-IP-bound: no client sends faster than the per-IP limit, however many are in flight', () => {
    const b = lowerBound({ requests: 542, latencyMs: 50, concurrency: 64, perSecond: 200 });
    expect(b.perIpMs).toBeCloseTo(2710);
    expect(b.latencyMs).toBeCloseTo((542 * 50) / 64);
    expect(b).toMatchObject({ boundMs: b.perIpMs, limitedBy: 'per-IP' });
    expect(lowerBound({ requests: 542, latencyMs: 50, concurrency: 8, perSecond: 200 }).limitedBy).toBe('latency');
  });

  test('without a window, and with concurrency 1', () => {
    expect(lowerBound({ requests: 10, latencyMs: 50, concurrency: 1 }).boundMs).toBe(500);
    expect(lowerBound({ requests: 0, latencyMs: 50, concurrency: 8 }).boundMs).toBe(0);
    expect(() => lowerBound({ requests: 1, latencyMs: 50, concurrency: 0 })).toThrow(RangeError);
  });
});

describe('windowForcedMs', () => {
  const w = { requests: 100, seconds: 1 };
  test('a count that fits one window forces nothing', () => {
    expect(windowForcedMs(100, 50, 8, w)).toBe(0);
    expect(windowForcedMs(5, 50, 8, undefined)).toBe(0);
  });
  test('the 101st request waits a whole window; exactly two windows full waits one', () => {
    expect(windowForcedMs(101, 50, 10, w)).toBe(1000 + 5);
    expect(windowForcedMs(200, 50, 10, w)).toBe(1000 + 500);
    expect(windowForcedMs(201, 50, 10, w)).toBe(2000 + 5);
  });
});

describe('the window floor under the per-IP limit', () => {
  test("5,402 requests under Cloudflare's 1,200 per 300 s: four full windows, then 602 at 200 per second", () => {
    const b = lowerBound({
      requests: 5402,
      latencyMs: 50,
      concurrency: 64,
      window: { requests: 1200, seconds: 300 },
      perSecond: 200,
    });
    expect(b.windowMs).toBeCloseTo(4 * 300_000 + (602 / 200) * 1000);
    expect(b.limitedBy).toBe('window');
  });
  test('a plan that fits the window is bound by the per-IP limit', () => {
    const b = lowerBound({
      requests: 542,
      latencyMs: 50,
      window: { requests: 1200, seconds: 300 },
      concurrency: 64,
      perSecond: 200,
    });
    expect(b).toMatchObject({ windowMs: 0, limitedBy: 'per-IP' });
    expect(b.boundMs).toBeCloseTo(2710);
  });
});

describe('exact request counts of a plan', () => {
  test('zone lookups: none, one filtered call, the first page alone, filtered calls, or every page', () => {
    expect(zoneLookups({ managed: 0, account: 2000, onFirstPage: 0 })).toBe(0);
    expect(zoneLookups({ managed: 1, account: 2000, onFirstPage: 1 })).toBe(1);
    expect(zoneLookups({ managed: 2, account: 2000, onFirstPage: 2 })).toBe(1); // both on page 1
    expect(zoneLookups({ managed: 5, account: 30, onFirstPage: 5 })).toBe(1); // a short first page
    expect(zoneLookups({ managed: 5, account: 2000, onFirstPage: 1 })).toBe(1 + 4); // 4 filtered calls
    expect(zoneLookups({ managed: 500, account: 2000, onFirstPage: 13 })).toBe(40); // every page
    expect(zoneLookups({ managed: 40, account: 2000, onFirstPage: 1 })).toBe(40); // 39 either way
  });
  test('custom_ns + lookups + one settings read per managed zone + the default + extra reads', () => {
    expect(expectedPlanRequests({ managed: 500, account: 2000, onFirstPage: 13, accountDefault: true })).toBe(542);
    expect(expectedPlanRequests({ managed: 5000, account: 20_000, onFirstPage: 13, accountDefault: true })).toBe(5402);
    expect(
      expectedPlanRequests({
        managed: 250,
        account: 1000,
        onFirstPage: 13,
        accountDefault: false,
        extraSettingsReads: 750,
      }),
    ).toBe(1 + 20 + 250 + 750);
  });
});

describe('planRequestLimit', () => {
  test('managed zones + ⌈account zones / 50⌉ + 3', () => {
    expect(planRequestLimit(500, 2000)).toBe(543);
    expect(planRequestLimit(5000, 20_000)).toBe(5403);
    expect(planRequestLimit(1, 51)).toBe(1 + 2 + 3);
    expect(planRequestLimit(0, 0)).toBe(3);
  });
});

describe('ratioToBound', () => {
  test('wall ÷ bound, undefined without a positive bound', () => {
    expect(ratioToBound(3780, 3387.5)).toBeCloseTo(1.1159, 3);
    expect(ratioToBound(100, undefined)).toBeUndefined();
    expect(ratioToBound(100, 0)).toBeUndefined();
  });
});
