/**
 * The whole client (every layer) against a simulated Cloudflare on virtual time: the per-IP limit
 * (200 requests in any second), the per-user window with its five-minute block, and the current
 * rate-limit headers. Deterministic: no real timers, no sockets.
 */
import { CloudflareClient } from '../../src/cloudflare/client.js';
import type { ProgressEvent } from '../../src/cloudflare/budget.js';
import type { RawResponse, Send } from '../../src/cloudflare/layers.js';
import { FakeClock } from '../support/clock.js';

interface SimOptions {
  rttMs: number;
  perIp?: number; // per second
  /** The per-user window; when omitted, unlimited. */
  quota?: { q: number; w: number };
  /** Send the policy headers (Ratelimit / Ratelimit-Policy). */
  headers?: boolean;
  /** Requests other clients of the same user already spent in the window. */
  othersSpent?: number;
}

function simulate(clock: FakeClock, o: SimOptions) {
  const arrivals: number[] = [];
  const window: number[] = [];
  let blockedUntil = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const statuses: number[] = [];
  for (let i = 0; i < (o.othersSpent ?? 0); i++) window.push(clock.now());
  const send: Send = async () => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await clock.sleep(o.rttMs / 2);
    const now = clock.now();
    arrivals.push(now);
    let res: RawResponse;
    const lastSecond = arrivals.filter((t) => t > now - 1000).length;
    const headers: RawResponse['headers'] = {};
    while (o.quota && window.length && (window[0] as number) <= now - o.quota.w * 1000) window.shift();
    if (lastSecond > (o.perIp ?? 200)) {
      res = {
        status: 429,
        headers: { 'retry-after': '1' },
        json: { success: false, errors: [{ code: 971, message: 'ip' }] },
      };
    } else if (o.quota && (now < blockedUntil || window.length >= o.quota.q)) {
      if (now >= blockedUntil) blockedUntil = now + 300_000;
      res = {
        status: 429,
        headers: { 'retry-after': String(Math.ceil((blockedUntil - now) / 1000)) },
        json: { success: false, errors: [{ code: 971, message: 'user' }] },
      };
    } else {
      if (o.quota) {
        window.push(now);
        if (o.headers) {
          const reset = Math.ceil(((window[0] as number) + o.quota.w * 1000 - now) / 1000);
          headers.ratelimit = `"default";r=${o.quota.q - window.length};t=${reset}`;
          headers['ratelimit-policy'] = `"default";q=${o.quota.q};w=${o.quota.w}`;
        }
      }
      res = { status: 200, headers, json: { success: true, errors: [], messages: [], result: {} } };
    }
    statuses.push(res.status);
    await clock.sleep(o.rttMs / 2);
    inFlight--;
    return res;
  };
  return { send, arrivals, statuses, stats: () => ({ maxInFlight }) };
}

function client(clock: FakeClock, send: Send, extra: Partial<ConstructorParameters<typeof CloudflareClient>[0]> = {}) {
  return new CloudflareClient({
    baseUrl: 'https://api.cloudflare.com/client/v4',
    credentials: { kind: 'token', token: 'tok' },
    clock,
    transport: send,
    backoff: () => 1000,
    ...extra,
  });
}

async function run(clock: FakeClock, c: CloudflareClient, n: number): Promise<number> {
  const t0 = clock.now();
  await clock.run(Promise.all(Array.from({ length: n }, (_, i) => c.request('GET', `/zones/z${i}/dns_settings`))));
  return clock.now() - t0;
}

describe('zero 429s from acns’s own pace when it is the only client', () => {
  test.each([0, 1, 5, 10, 30, 50, 100, 150, 200])('541 requests at a %i ms round trip', async (rttMs) => {
    const clock = new FakeClock();
    const sim = simulate(clock, { rttMs });
    const c = client(clock, sim.send);
    const wallMs = await run(clock, c, 541);
    expect(c.stats()).toEqual({ requests: 541, rateLimited: 0, retries: 0 });
    // At the per-IP pace: no slower than 1.1 × 541 / 200 s, plus one round trip.
    expect(wallMs).toBeLessThanOrEqual(1.1 * (541 / 200) * 1000 + rttMs);
  });

  test('a 1,060-request plan finishes inside the window the policy states (no stall on the 1000 guess)', async () => {
    const clock = new FakeClock();
    const sim = simulate(clock, { rttMs: 50, quota: { q: 1200, w: 300 }, headers: true });
    const c = client(clock, sim.send, { requestsPerWindow: 1000, windowSeconds: 300 });
    const wallMs = await run(clock, c, 1060);
    expect(c.stats().rateLimited).toBe(0);
    expect(wallMs).toBeLessThan(10_000);
  });

  test('the configured window binds when the server states none (and still no 429)', async () => {
    const clock = new FakeClock();
    const sim = simulate(clock, { rttMs: 20, quota: { q: 60, w: 30 } });
    const c = client(clock, sim.send, { requestsPerWindow: 50, windowSeconds: 30 });
    const wallMs = await run(clock, c, 120);
    expect(c.stats().rateLimited).toBe(0);
    expect(wallMs).toBeGreaterThanOrEqual(60_000); // two full windows of 50
  });

  test('what the server says remains (others used the window) keeps acns from tripping the block', async () => {
    const clock = new FakeClock();
    const sim = simulate(clock, { rttMs: 20, quota: { q: 100, w: 60 }, headers: true, othersSpent: 70 });
    const c = client(clock, sim.send, { requestsPerWindow: 1000, windowSeconds: 300 });
    await run(clock, c, 80);
    expect(c.stats().rateLimited).toBe(0);
  });
});

describe('requests in flight follow the round trip; concurrency is a maximum', () => {
  test('at 50 ms, about rate × round trip are in flight, not the maximum', async () => {
    const clock = new FakeClock();
    const sim = simulate(clock, { rttMs: 50 });
    const c = client(clock, sim.send, { concurrency: 64 });
    await run(clock, c, 400);
    expect(sim.stats().maxInFlight).toBeGreaterThanOrEqual(9); // 190/s × 50 ms
    expect(sim.stats().maxInFlight).toBeLessThanOrEqual(64);
    expect(c.budget.inFlightTarget).toBeLessThan(40);
  });

  test('a low maximum is never exceeded (and slows the run, as asked)', async () => {
    const clock = new FakeClock();
    const sim = simulate(clock, { rttMs: 100 });
    const c = client(clock, sim.send, { concurrency: 4 });
    const wallMs = await run(clock, c, 100);
    expect(sim.stats().maxInFlight).toBe(4);
    expect(wallMs).toBeGreaterThanOrEqual(2500); // 100 requests / 4 in flight × 100 ms
  });
});

describe('a 429 pauses every request', () => {
  test('the five-minute block: nothing is sent until retry-after, then one probe, then the rest', async () => {
    const clock = new FakeClock();
    const events: ProgressEvent[] = [];
    // Another client of the user spent the whole window: the first answer is a 429 with the block.
    const sim = simulate(clock, { rttMs: 20, quota: { q: 100, w: 300 }, othersSpent: 100 });
    const c = client(clock, sim.send, { onProgress: (e) => events.push(e) });
    const t0 = clock.now();
    await run(clock, c, 30);
    const limited = sim.statuses.filter((s) => s === 429).length;
    expect(c.stats().rateLimited).toBe(limited);
    // Only the requests already on their way when the first 429 came back (it arrives at +20 ms,
    // so they arrived before +30 ms); the probe after the block succeeded.
    expect(limited).toBe(sim.arrivals.filter((t) => t < t0 + 30).length);
    expect(limited).toBeLessThanOrEqual(8);
    const waits = events.filter((e) => e.kind === 'waiting');
    expect(waits[0]).toMatchObject({ reason: 'rate_limited', waitMs: expect.any(Number) });
    expect((waits[0] as { untilMs: number }).untilMs - t0).toBeGreaterThanOrEqual(299_000);
    // Nothing arrived during the block.
    const firstOk = sim.arrivals[sim.statuses.indexOf(200)] as number;
    expect(firstOk - t0).toBeGreaterThanOrEqual(300_000);
    expect(sim.arrivals.filter((t) => t - t0 > 100 && t - t0 < 300_000)).toEqual([]);
  });
});

test('a 429 storm: after the first answers, one probe per pause, each after the full retry-after', async () => {
  const clock = new FakeClock();
  let storm = 10;
  const arrivals: { at: number; status: number }[] = [];
  const send: Send = async () => {
    await clock.sleep(10);
    const status = storm-- > 0 ? 429 : 200;
    arrivals.push({ at: clock.now(), status });
    await clock.sleep(10);
    return status === 429
      ? { status, headers: { 'retry-after': '2' }, json: { success: false, errors: [{ code: 971, message: 'wait' }] } }
      : { status, headers: {}, json: { success: true, result: {} } };
  };
  const c = client(clock, send);
  await run(clock, c, 40);
  expect(c.stats()).toMatchObject({ requests: 50, rateLimited: 10 });
  const t0 = (arrivals[0] as { at: number }).at;
  const inFlightAtFirst = arrivals.filter((a) => a.at < t0 + 20).length;
  const probes = arrivals.slice(inFlightAtFirst, 11); // the rest of the storm, and the first success
  for (let i = 1; i < probes.length; i++) {
    expect((probes[i] as { at: number }).at - (probes[i - 1] as { at: number }).at).toBeGreaterThanOrEqual(2000);
  }
  expect(probes.length).toBe(11 - inFlightAtFirst);
});
