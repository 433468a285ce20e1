import { RequestBudget, retryAfterMs, type ProgressEvent } from '../../src/cloudflare/budget.js';

const flush = () => new Promise((r) => setImmediate(r));

test('bursts while the window has room, then waits for the oldest send to leave it', async () => {
  const events: ProgressEvent[] = [];
  const b = new RequestBudget({
    requestsPerWindow: 3,
    windowSeconds: 0.2,
    marginMs: 0,
    onProgress: (e) => events.push(e),
  });
  await Promise.all([b.acquire(), b.acquire(), b.acquire()]);
  let fourth = false;
  const p = b.acquire().then(() => (fourth = true));
  await flush();
  expect(fourth).toBe(false);
  expect(events).toEqual([{ kind: 'waiting', reason: 'window', waitMs: expect.any(Number) }]);
  await p;
  expect(b.granted).toBe(4);
  expect(events.at(-1)).toEqual({ kind: 'resumed' });
});

test('a pause holds every request; afterwards one probe goes first and the rest follow once it settles', async () => {
  const b = new RequestBudget({ requestsPerWindow: 100, windowSeconds: 10 });
  b.pause(30);
  const granted: boolean[] = [];
  const ps = [1, 2, 3].map(() => b.acquire().then((t) => (granted.push(t.probe), t)));
  await flush();
  expect(granted).toEqual([]);
  const probe = await Promise.race(ps);
  await flush();
  expect(granted).toEqual([true]);
  b.settle(probe);
  await Promise.all(ps);
  expect(granted).toEqual([true, false, false]);
});

test('x-ratelimit-remaining: 0 pauses the run until retry-after', async () => {
  const b = new RequestBudget({ requestsPerWindow: 100, windowSeconds: 10 });
  b.observe({ 'x-ratelimit-remaining': '5' });
  expect((await b.acquire()).probe).toBe(false);
  b.observe({ 'x-ratelimit-remaining': '0', 'retry-after': '0.05' });
  expect((await b.acquire()).probe).toBe(true);
});

test('retry-after as seconds or HTTP date', () => {
  expect(retryAfterMs({ 'retry-after': '2' })).toBe(2000);
  expect(retryAfterMs({})).toBeUndefined();
  const d = retryAfterMs({ 'retry-after': new Date(Date.now() + 60_000).toUTCString() }) as number;
  expect(d).toBeGreaterThan(50_000);
  expect(retryAfterMs({ 'retry-after': 'soon' })).toBeUndefined();
});

test('x-ratelimit-remaining caps sends until the server window resets (late answers never raise it)', async () => {
  const b = new RequestBudget({ requestsPerWindow: 100, windowSeconds: 10 });
  const t1 = await b.acquire();
  const t2 = await b.acquire();
  // Answer to t1 says 4 left; t2 is still in flight and may not be counted yet: 3 more may go.
  b.observe({ 'x-ratelimit-remaining': '4', 'retry-after': '0.1' });
  b.settle(t1);
  b.observe({ 'x-ratelimit-remaining': '9', 'retry-after': '0.1' }); // stale, larger: ignored
  b.settle(t2);
  await Promise.all([b.acquire(), b.acquire(), b.acquire()]);
  let next = false;
  const p = b.acquire().then(() => (next = true));
  await flush();
  expect(next).toBe(false);
  await p; // released once the reset time passes
  expect(b.granted).toBe(6);
});

test('the answer to a newer request replaces the estimate, even upwards (sliding server windows)', async () => {
  const b = new RequestBudget({ requestsPerWindow: 100, windowSeconds: 10 });
  const t1 = await b.acquire();
  b.observe({ 'x-ratelimit-remaining': '0', 'retry-after': '0.2' }, t1);
  b.settle(t1);
  // The pause holds everything; the probe that follows learns the server has room again.
  const t2 = await b.acquire();
  expect(t2.probe).toBe(true);
  b.observe({ 'x-ratelimit-remaining': '50', 'retry-after': '5' }, t2);
  b.settle(t2);
  // A late answer to the older request cannot lower the newer estimate back to 0.
  b.observe({ 'x-ratelimit-remaining': '0', 'retry-after': '5' }, t1);
  let granted = 0;
  await Promise.race([
    Promise.all(Array.from({ length: 10 }, () => b.acquire().then(() => granted++))),
    new Promise((r) => setTimeout(r, 1000)),
  ]);
  expect(granted).toBe(10);
});
