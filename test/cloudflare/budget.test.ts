import {
  JITTER_MAX_MS,
  JITTER_MIN_MS,
  paceFor,
  RequestBudget,
  type ProgressEvent,
} from '../../src/cloudflare/budget.js';
import { RateLimitGate } from '../../src/cloudflare/gate.js';
import { FakeClock } from '../support/clock.js';

let clock: FakeClock;
let events: ProgressEvent[];
beforeEach(() => {
  clock = new FakeClock();
  events = [];
});

function budget(o: Partial<ConstructorParameters<typeof RequestBudget>[0]> = {}): RequestBudget {
  return new RequestBudget({
    requestsPerWindow: 1000,
    windowSeconds: 300,
    clock,
    marginMs: 0,
    onProgress: (e) => events.push(e),
    ...o,
  });
}

/** Acquires `n` tickets one after the other (settling each at once), returning the send times. */
async function sendTimes(b: RequestBudget, n: number): Promise<number[]> {
  const times: number[] = [];
  await clock.run(
    (async () => {
      for (let i = 0; i < n; i++) {
        const t = await b.acquire();
        times.push(clock.now());
        b.settle(t, 1);
      }
    })(),
  );
  return times;
}

function maxInWindow(times: number[], ms: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('per-IP pace', () => {
  test('never more than the per-second ceiling in any second, and close to it on average', async () => {
    const times = await sendTimes(budget({ requestsPerSecond: 200 }), 1000);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(200);
    const perSecond = (times.length - 1) / (((times.at(-1) as number) - (times[0] as number)) / 1000);
    // the round trips (all 1 ms) do not vary: the least room for jitter, 1010 ms for 198 intervals
    expect(perSecond).toBeGreaterThan(195);
    // no burst: a late timer may let one send catch up, no more
    expect(maxInWindow(times, 1)).toBeLessThanOrEqual(2);
    expect(maxInWindow(times, 10)).toBeLessThanOrEqual(3);
  });

  test.each([0, 5, 20, 50, 150])(
    'any second stretched by a jitter of %i ms holds at most the ceiling (arrivals may come that much closer)',
    async (jitterMs) => {
      const times = await sendTimes(budget({ requestsPerSecond: 200, jitterMs }), 700);
      expect(maxInWindow(times, 1000 + jitterMs)).toBeLessThanOrEqual(200);
      // and no slower than that room needs
      const expected = 699 * paceFor(200, jitterMs).intervalMs;
      expect((times.at(-1) as number) - (times[0] as number)).toBeLessThanOrEqual(expected + 1);
    },
  );

  test('the room for jitter follows the spread of the round trips, within its bounds', () => {
    const b = budget({ requestsPerSecond: 200 });
    const t = { seq: 1, probe: false };
    expect(b.jitterMs).toBe(JITTER_MAX_MS); // nothing measured yet: the most room
    for (let i = 0; i < 20; i++) b.settle(t, 50 + (i % 2) * 12);
    expect(b.jitterMs).toBe(12);
    for (let i = 0; i < 399; i++) b.settle(t, 50);
    expect(b.jitterMs).toBe(12); // still among the last 400 answers (two seconds at the pace)
    b.settle(t, 50);
    expect(b.jitterMs).toBe(JITTER_MIN_MS); // the spread of the last 400 is 0: the least room
    b.settle(t, 400); // a stalled answer
    expect(b.jitterMs).toBe(JITTER_MAX_MS);
    expect(b.pace().intervalMs).toBeCloseTo((1000 + JITTER_MAX_MS) / 198, 6);
  });

  test('the slowest remembered round trip leaves the span in turn as newer, faster ones arrive', () => {
    const b = budget({ requestsPerSecond: 20 }); // remembers the last 64 answers
    const t = { seq: 1, probe: false };
    for (let i = 63; i >= 0; i--) b.settle(t, 50 + i); // each slower than every later one
    expect(b.jitterMs).toBe(63);
    for (let k = 1; k <= 40; k++) {
      b.settle(t, 50);
      expect(b.jitterMs).toBe(Math.max(JITTER_MIN_MS, 63 - k)); // the oldest, slowest one is gone
    }
  });

  test('a slot missed while the event loop was busy is skipped, not made up in a burst', async () => {
    const b = budget({ requestsPerSecond: 200, jitterMs: 0 });
    const times: number[] = [];
    await clock.run(
      (async () => {
        for (let i = 0; i < 100; i++) {
          const t = await b.acquire();
          times.push(clock.now());
          b.settle(t, 1);
          if (i === 50) await clock.sleep(100); // 20 slots missed
        }
      })(),
    );
    const interval = paceFor(200, 0).intervalMs;
    const gaps = times.slice(52).map((x, i) => x - (times[51 + i] as number));
    // after the stall: one send may catch up (the tolerance), then the even pace again
    expect(gaps.filter((g) => g < interval - 1e-9).length).toBeLessThanOrEqual(1);
    expect(maxInWindow(times, 1)).toBeLessThanOrEqual(2);
  });

  test.each([1, 2, 20, 57, 1000])('the ceiling is configurable (%i per second)', async (rps) => {
    const times = await sendTimes(budget({ requestsPerSecond: rps }), Math.min(5 * rps, 2000));
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(rps);
  });

  test('a late timer is caught up without breaking the ceiling', async () => {
    const b = budget({ requestsPerSecond: 100 });
    const times: number[] = [];
    await clock.run(
      (async () => {
        for (let i = 0; i < 300; i++) {
          const t = await b.acquire();
          times.push(clock.now());
          b.settle(t, 1);
          if (i % 10 === 0) await clock.sleep(3); // the event loop was busy for a moment
        }
      })(),
    );
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(100);
    expect((times.at(-1) as number) - (times[0] as number)).toBeLessThan(
      299 * paceFor(100, JITTER_MIN_MS).intervalMs * 1.02,
    );
  });
});

describe('requests in flight follow the round trip', () => {
  test('starts at the maximum; then rate × round trip with headroom, never above the maximum', () => {
    const b = budget({ requestsPerSecond: 200, maxInFlight: 64 });
    expect(b.inFlightTarget).toBe(64);
    const t = { seq: 1, probe: false };
    b.settle(t, 50); // about 190/s × 50 ms = 9.5 in flight needed
    expect(b.inFlightTarget).toBeGreaterThanOrEqual(10);
    expect(b.inFlightTarget).toBeLessThan(30);
    for (let i = 0; i < 50; i++) b.settle(t, 1000);
    expect(b.inFlightTarget).toBe(64);
    for (let i = 0; i < 50; i++) b.settle(t, 0);
    expect(b.inFlightTarget).toBeGreaterThanOrEqual(1);
    expect(b.inFlightTarget).toBeLessThanOrEqual(3);
  });

  test('a send waits for a slot once the target is reached', async () => {
    const b = budget({ maxInFlight: 2 });
    const [a] = await clock.run(Promise.all([b.acquire(), b.acquire()]));
    let third = false;
    const p = b.acquire().then((t) => ((third = true), t));
    await clock.advance(1000);
    expect(third).toBe(false);
    b.settle(a as { seq: number; probe: boolean });
    await clock.run(p);
    expect(third).toBe(true);
    expect(b.inFlight).toBe(2);
  });
});

describe('the per-user window', () => {
  test('bursts while the window has room (at the pace), then waits for the oldest send to leave it', async () => {
    const b = budget({ requestsPerWindow: 3, windowSeconds: 10 });
    const times = await sendTimes(b, 4);
    expect((times[2] as number) - (times[0] as number)).toBeLessThan(20);
    expect((times[3] as number) - (times[0] as number)).toBeGreaterThanOrEqual(10_000);
    expect(events.filter((e) => e.kind === 'waiting')).toEqual([
      { kind: 'waiting', reason: 'window', waitMs: expect.any(Number), untilMs: expect.any(Number) },
    ]);
    expect(events.at(-1)).toEqual({ kind: 'resumed' });
  });

  test('the server-stated policy replaces the configured guess, and says when the guess asked for more', async () => {
    const b = budget({ requestsPerWindow: 1000, windowSeconds: 300 });
    b.observe({ quota: 5, windowSeconds: 60 });
    expect(b.window).toEqual({ requests: 5, seconds: 60, fromServer: true });
    expect(events).toEqual([
      {
        kind: 'policy',
        quota: 5,
        windowSeconds: 60,
        configured: { requests: 1000, seconds: 300 },
        configuredExceedsServer: true,
      },
    ]);
    const times = await sendTimes(b, 6);
    expect((times[5] as number) - (times[0] as number)).toBeGreaterThanOrEqual(60_000);
    b.observe({ quota: 5, windowSeconds: 60 }); // the same policy again: no new event
    expect(events.filter((e) => e.kind === 'policy')).toHaveLength(1);
  });

  test('a larger server quota (an Enterprise limit) lifts the configured guess without a warning', async () => {
    const b = budget({ requestsPerWindow: 3, windowSeconds: 300 });
    b.observe({ quota: 5000, windowSeconds: 300 });
    const times = await sendTimes(b, 50);
    expect((times.at(-1) as number) - (times[0] as number)).toBeLessThan(1000);
    expect(events.find((e) => e.kind === 'policy')).toMatchObject({ configuredExceedsServer: false });
  });
});

describe('what the server says remains', () => {
  test('remaining 0 holds every send until the server window resets', async () => {
    const b = budget();
    const t1 = await clock.run(b.acquire());
    b.observe({ remaining: 0, resetMs: 7000 }, t1);
    b.settle(t1);
    const start = clock.now();
    await clock.run(b.acquire());
    expect(clock.now() - start).toBeGreaterThanOrEqual(7000);
    expect(events.find((e) => e.kind === 'waiting')).toMatchObject({ reason: 'server_window', waitMs: 7000 });
  });

  test('caps later sends until the reset (out-of-order answers never raise it)', async () => {
    const b = budget();
    const t1 = await clock.run(b.acquire());
    const t2 = await clock.run(b.acquire());
    // Answer to t1 says 4 left; t2 is still in flight and may not be counted yet: 3 more may go.
    b.observe({ remaining: 4, resetMs: 5000 }, t1);
    b.settle(t1);
    b.observe({ remaining: 9, resetMs: 5000 }); // stale, larger: ignored
    b.settle(t2);
    const start = clock.now();
    const times = await sendTimes(b, 4);
    expect((times[2] as number) - start).toBeLessThan(100);
    expect((times[3] as number) - start).toBeGreaterThanOrEqual(4900);
  });

  test('the answer to a newer request replaces the estimate, even upwards (sliding server windows)', async () => {
    const b = budget();
    const t1 = await clock.run(b.acquire());
    const t2 = await clock.run(b.acquire());
    b.observe({ remaining: 1, resetMs: 60_000 }, t1);
    b.observe({ remaining: 50, resetMs: 60_000 }, t2);
    b.settle(t1);
    b.settle(t2);
    b.observe({ remaining: 0, resetMs: 60_000 }, t1); // late news about an older request: ignored
    const start = clock.now();
    await sendTimes(b, 10);
    expect(clock.now() - start).toBeLessThan(1000);
  });
});

describe('the 429 gate is asked before every send', () => {
  test('a pause holds every send; then one probe, the rest once the probe is done', async () => {
    const gate = new RateLimitGate({ clock });
    const b = budget({ gate });
    gate.pause(30_000);
    const granted: boolean[] = [];
    const ps = [1, 2, 3].map(() => b.acquire().then((t) => (granted.push(t.probe), t)));
    await clock.advance(29_000);
    expect(granted).toEqual([]);
    await clock.advance(2000);
    expect(granted).toEqual([true]);
    gate.probeDone();
    await clock.run(Promise.all(ps));
    expect(granted).toEqual([true, false, false]);
  });
});

test('an aborted wait rejects with an interruption (exit 130) and frees the queue', async () => {
  const b = budget({ requestsPerWindow: 1, windowSeconds: 300 });
  await clock.run(b.acquire());
  const ac = new AbortController();
  const waiting = b.acquire(ac.signal);
  await clock.advance(10);
  ac.abort();
  await expect(waiting).rejects.toMatchObject({ code: 'interrupted', exitCode: 130 });
});

test('refuses nonsense figures', () => {
  expect(() => budget({ requestsPerWindow: 0 })).toThrow(RangeError);
  expect(() => budget({ requestsPerSecond: 0 })).toThrow(RangeError);
});
