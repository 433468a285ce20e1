import { WarpClock } from '../../bench/warp.js';
import type { Clock } from '../../src/cloudflare/clock.js';

/** A real clock that advances by exactly what is slept, at once. */
function fakeReal(): Clock & { t: number; slept: number[] } {
  const c = {
    t: 1_000_000,
    slept: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.slept.push(ms);
      c.t += ms;
    },
  };
  return c;
}

describe('WarpClock', () => {
  test('short sleeps are real: the pace and backoff keep their timing', async () => {
    const real = fakeReal();
    const w = new WarpClock({ real, skipAboveMs: 1000, settleMs: 250 });
    await w.sleep(5);
    await w.sleep(1000);
    expect(real.slept).toEqual([5, 1000]);
    expect(w.now()).toBe(real.t);
    expect(w.skippedMs).toBe(0);
  });

  test('a long sleep settles for a short real while, then the clock jumps to its wake-up time', async () => {
    const real = fakeReal();
    const w = new WarpClock({ real, skipAboveMs: 1000, settleMs: 250 });
    const start = w.now();
    await w.sleep(301_000);
    expect(real.slept).toEqual([250]);
    expect(w.now() - start).toBe(301_000); // the clock's time counts the whole wait
    expect(w.skippedMs).toBe(300_750);
    const after = w.now();
    real.t += 40; // real time goes on from there
    expect(w.now()).toBe(after + 40);
  });

  test('overlapping long sleeps do not add up: the clock moves to the later wake-up time', async () => {
    const real = fakeReal();
    const w = new WarpClock({ real, skipAboveMs: 1000, settleMs: 250 });
    const start = w.now();
    await Promise.all([w.sleep(300_000), w.sleep(200_000)]);
    expect(w.now() - start).toBe(300_000);
  });

  test('an aborted sleep rejects as the real clock does', async () => {
    const w = new WarpClock({ skipAboveMs: 1000, settleMs: 250 });
    const ac = new AbortController();
    ac.abort();
    await expect(w.sleep(60_000, ac.signal)).rejects.toThrow(/interrupted/);
  });
});
