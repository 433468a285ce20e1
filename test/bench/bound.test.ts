import { lowerBound, planRequestLimit, ratioToBound, windowForcedMs } from '../../bench/bound.js';

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
