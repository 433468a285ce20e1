/** Each layer of the client alone, over a scripted `next`. */
import { jest } from '@jest/globals';
import { RequestBudget } from '../../src/cloudflare/budget.js';
import { RateLimitGate } from '../../src/cloudflare/gate.js';
import {
  auth,
  compose,
  exponentialBackoff,
  newRequest,
  observe,
  pacing,
  parseEnvelope,
  rateLimit,
  retry,
  TransportError,
  type ApiRequest,
  type ClientStats,
  type RawResponse,
  type RequestEvent,
  type Send,
  type ServerSignals,
  watch,
} from '../../src/cloudflare/layers.js';
import { CloudflareError, NetworkError, OutcomeUnknownError, ResponseShapeError } from '../../src/cloudflare/errors.js';
import { FakeClock } from '../support/clock.js';

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
});

const ok = (json: unknown = { success: true, result: {} }, headers: RawResponse['headers'] = {}): RawResponse => ({
  status: 200,
  headers,
  json,
});
const status = (s: number, headers: RawResponse['headers'] = {}): RawResponse => ({
  status: s,
  headers,
  json: { success: false, errors: [{ code: s === 429 ? 971 : 10002, message: 'x' }], result: null },
});

/** A `next` answering from a script (a response, or an error to throw), recording what it saw. */
function script(...answers: (RawResponse | Error)[]) {
  const seen: ApiRequest[] = [];
  const send: Send = async (req) => {
    seen.push({ ...req, headers: { ...req.headers } });
    const a = answers.shift();
    if (!a) throw new Error('script exhausted');
    if (a instanceof Error) throw a;
    return a;
  };
  return { send, seen };
}

describe('auth', () => {
  test('adds the bearer token, or the email and key', async () => {
    const s = script(ok(), ok());
    await auth({ kind: 'token', token: 'tok' })(s.send)(newRequest('GET', '/zones'));
    await auth({ kind: 'key', email: 'me@example.com', key: 'k3y' })(s.send)(newRequest('GET', '/zones'));
    expect(s.seen.map((r) => r.headers)).toEqual([
      { authorization: 'Bearer tok' },
      { 'x-auth-email': 'me@example.com', 'x-auth-key': 'k3y' },
    ]);
  });
});

describe('observe', () => {
  test('counts attempts and 429s, journals each attempt without headers, announces writes first', async () => {
    const stats: ClientStats = { requests: 0, rateLimited: 0, retries: 0 };
    const events: RequestEvent[] = [];
    const starts: unknown[] = [];
    const s = script(status(429), { ...ok(), rayId: 'ray-1' }, new TransportError('ECONNRESET', 'reset'));
    const send = observe({ clock, stats, onRequest: (e) => events.push(e), onRequestStart: (e) => starts.push(e) })(
      s.send,
    );
    const req = newRequest('PATCH', '/zones/z1/dns_settings', {});
    await send(req);
    await send(req);
    await expect(send(newRequest('GET', '/zones'))).rejects.toBeInstanceOf(TransportError);
    expect(stats).toEqual({ requests: 3, rateLimited: 1, retries: 1 });
    expect(events).toEqual([
      { method: 'PATCH', path: '/zones/z1/dns_settings', status: 429, durationMs: 0, attempt: 1 },
      { method: 'PATCH', path: '/zones/z1/dns_settings', status: 200, durationMs: 0, attempt: 2, rayId: 'ray-1' },
      { method: 'GET', path: '/zones', status: 0, durationMs: 0, attempt: 1, error: 'ECONNRESET' },
    ]);
    expect(starts).toEqual([
      { method: 'PATCH', path: '/zones/z1/dns_settings', attempt: 1 },
      { method: 'PATCH', path: '/zones/z1/dns_settings', attempt: 2 },
    ]);
  });
});

describe('watch', () => {
  test('keeps the latest figures, the rate-limit header names (never values) and the Date', async () => {
    const signals: ServerSignals = { answers: 0, withoutRateLimitHeaders: 0 };
    const date = 'Tue, 14 Nov 2023 22:13:20 GMT';
    const s = script(
      ok(undefined, {
        ratelimit: '"default";r=17;t=40',
        'ratelimit-policy': '"default";q=1200;w=300',
        date,
        authorization: 'Bearer should-not-matter',
      }),
      ok(undefined, { 'x-ratelimit-remaining': 'garbage' }),
      ok(),
    );
    const send = watch(signals, clock)(s.send);
    await send(newRequest('GET', '/zones'));
    expect(signals).toEqual({
      answers: 1,
      withoutRateLimitHeaders: 0,
      last: {
        status: 200,
        info: { remaining: 17, resetMs: 40_000, quota: 1200, windowSeconds: 300 },
        headers: ['ratelimit', 'ratelimit-policy'],
      },
      date: { serverMs: Date.parse(date), sentMs: clock.now(), receivedMs: clock.now() },
    });
    await send(newRequest('GET', '/zones'));
    expect(signals.last).toEqual({ status: 200, info: {}, headers: ['x-ratelimit-remaining'] });
    await send(newRequest('GET', '/zones'));
    expect(signals).toMatchObject({ answers: 3, withoutRateLimitHeaders: 1, last: { headers: [] } });
    expect(signals.date?.serverMs).toBe(Date.parse(date)); // an answer without Date keeps the last one
    expect(JSON.stringify(signals)).not.toContain('should-not-matter');
  });
});

describe('pacing', () => {
  test('asks the budget before each attempt, feeds it the headers and the round trip', async () => {
    const budget = new RequestBudget({ requestsPerWindow: 1000, windowSeconds: 300, clock });
    const next: Send = async () => {
      await clock.sleep(40);
      return ok(
        { success: true, result: {} },
        { ratelimit: '"default";r=0;t=60', 'ratelimit-policy': '"default";q=10;w=60' },
      );
    };
    const send = pacing(budget, clock)(next);
    await clock.run(send(newRequest('GET', '/zones')));
    expect(budget.inFlight).toBe(0);
    expect(budget.window).toEqual({ requests: 10, seconds: 60, fromServer: true });
    expect(budget.inFlightTarget).toBeLessThan(64); // learned from the 40 ms round trip
    const t0 = clock.now();
    await clock.run(send(newRequest('GET', '/zones'))); // r=0: waits for the server window
    expect(clock.now() - t0).toBeGreaterThanOrEqual(60_000);
  });
});

describe('rateLimit (the 429 gate)', () => {
  function layer(maxRetries = 8) {
    const gate = new RateLimitGate({ clock });
    const budget = new RequestBudget({ requestsPerWindow: 1000, windowSeconds: 300, clock, gate });
    const backoff = jest.fn((n: number) => n * 1000);
    return {
      gate,
      backoff,
      wrap: (next: Send) => rateLimit({ gate, clock, maxRetries, backoff })(pacing(budget, clock)(next)),
    };
  }

  test('a 429 pauses for retry-after and sends the request again (a POST too: it was not processed)', async () => {
    const l = layer();
    const s = script(status(429, { 'retry-after': '20' }), ok());
    const t0 = clock.now();
    const res = await clock.run(l.wrap(s.send)(newRequest('POST', '/accounts/a/custom_ns', {})));
    expect(res.status).toBe(200);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(20_000);
    expect(s.seen).toHaveLength(2);
    expect(l.backoff).not.toHaveBeenCalled();
  });

  test('without retry-after the pause is the backoff', async () => {
    const l = layer();
    const s = script(status(429), status(429), ok());
    const t0 = clock.now();
    await clock.run(l.wrap(s.send)(newRequest('GET', '/zones')));
    expect(l.backoff.mock.calls.map((c) => c[0])).toEqual([1, 2]);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(3000);
  });

  test('gives the last 429 back after the allowed retries', async () => {
    const l = layer(2);
    const s = script(
      status(429, { 'retry-after': '1' }),
      status(429, { 'retry-after': '1' }),
      status(429, { 'retry-after': '1' }),
    );
    const req = newRequest('GET', '/zones');
    expect((await clock.run(l.wrap(s.send)(req))).status).toBe(429);
    expect(req.rateLimited).toBe(3);
  });

  test("one request's 429 holds the others too", async () => {
    const l = layer();
    let calls = 0;
    const sentAt: number[] = [];
    const next: Send = async () => {
      sentAt.push(clock.now());
      return ++calls === 1 ? status(429, { 'retry-after': '30' }) : ok();
    };
    const send = l.wrap(next);
    const first = send(newRequest('GET', '/a'));
    await clock.advance(1);
    const others = [send(newRequest('GET', '/b')), send(newRequest('GET', '/c'))];
    await clock.run(Promise.all([first, ...others]));
    expect(sentAt.slice(1).every((t) => t - (sentAt[0] as number) >= 30_000)).toBe(true);
  });
});

describe('retry', () => {
  const opts = () => ({
    clock,
    maxRetries: 2,
    backoff: (n: number) => n * 100,
    baseUrl: 'https://api.example/v4',
    timeoutMs: 5,
  });

  test('GET: 5xx and network errors are retried after a backoff, then succeed', async () => {
    const s = script(status(502), new TransportError('ECONNRESET', 'reset'), ok());
    const t0 = clock.now();
    expect((await clock.run(retry(opts())(s.send)(newRequest('GET', '/zones')))).status).toBe(200);
    expect(clock.now() - t0).toBe(300);
  });

  test('GET: exhausted retries give the last 5xx back (the envelope reports it) or a NetworkError', async () => {
    const s5 = script(status(503), status(503), status(503));
    expect((await clock.run(retry(opts())(s5.send)(newRequest('GET', '/zones')))).status).toBe(503);
    const req = newRequest('GET', '/zones');
    req.attempts = 3; // what the observe layer below would have counted
    const net = script(...[1, 2, 3].map(() => new TransportError('UND_ERR_HEADERS_TIMEOUT', 't')));
    const e = await clock.run(retry(opts())(net.send)(req)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect((e as Error).message).toBe(
      'could not reach the Cloudflare API at https://api.example/v4 (GET /zones: no answer within 5 ms, 3 attempts)',
    );
  });

  test.each([
    ['HTTP 500', status(500)],
    ['a reset', new TransportError('ECONNRESET', 'reset')],
    ['a timeout', new TransportError('UND_ERR_HEADERS_TIMEOUT', 'timeout')],
  ])('POST after %s is never re-sent: outcome unknown', async (_what, answer) => {
    const s = script(answer, ok());
    const e = await clock
      .run(retry(opts())(s.send)(newRequest('POST', '/accounts/a/custom_ns', {})))
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OutcomeUnknownError);
    expect(s.seen).toHaveLength(1);
  });

  test('POST refused before connecting (never sent) is safe to send again', async () => {
    const s = script(new TransportError('ECONNREFUSED', 'refused'), ok());
    expect((await clock.run(retry(opts())(s.send)(newRequest('POST', '/accounts/a/custom_ns', {})))).status).toBe(200);
  });

  test('4xx answers and errors that are not network failures are not retried', async () => {
    const s = script(status(400));
    expect((await retry(opts())(s.send)(newRequest('GET', '/zones'))).status).toBe(400);
    const bug = script(new TypeError('invalid header'));
    await expect(retry(opts())(bug.send)(newRequest('GET', '/zones'))).rejects.toBeInstanceOf(TypeError);
    expect(bug.seen).toHaveLength(1);
  });
});

test('exponential backoff: jittered between half and all of base·2^(n-1), capped', () => {
  const low = exponentialBackoff(500, 30_000, () => 0);
  const high = exponentialBackoff(500, 30_000, () => 1);
  expect([1, 2, 3, 10].map(low)).toEqual([250, 500, 1000, 15_000]);
  expect([1, 2, 3, 10].map(high)).toEqual([500, 1000, 2000, 30_000]);
});

describe('envelope', () => {
  const req = { method: 'GET' as const, path: '/zones/z1', attempts: 1 };
  test('result and result_info; result may be absent where the API leaves it out', () => {
    expect(parseEnvelope(ok({ success: true, result: [1], result_info: { page: 1 } }), req)).toMatchObject({
      result: [1],
      resultInfo: { page: 1 },
    });
    const legacy = parseEnvelope(ok({ success: true, errors: [], messages: [], enabled: true, ns_set: 2 }), req);
    expect(legacy.result).toBeUndefined();
    expect(legacy.body).toMatchObject({ enabled: true, ns_set: 2 });
  });

  test('not an envelope: a shape error naming the endpoint', () => {
    expect(() => parseEnvelope({ status: 200, headers: {}, json: undefined }, req)).toThrow(ResponseShapeError);
    expect(() => parseEnvelope(ok({ result: 1 }), req)).toThrow(/GET \/zones\/z1.*"success": true/);
  });

  test('success:false with HTTP 200 is an error with Cloudflare code, message and ray id', () => {
    const e = (() => {
      try {
        parseEnvelope({ ...ok({ success: false, errors: [{ code: 1234, message: 'odd' }] }), rayId: '8f00-FRA' }, req);
      } catch (x) {
        return x as CloudflareError;
      }
    })();
    expect(e).toBeInstanceOf(CloudflareError);
    expect(e?.message).toBe('Cloudflare refused GET /zones/z1 (HTTP 200, 1234: odd, ray 8f00-FRA)');
    expect(e?.rayId).toBe('8f00-FRA');
  });
});

test('compose applies the layers outermost first', async () => {
  const order: string[] = [];
  const tag =
    (name: string) =>
    (next: Send): Send =>
    async (r) => {
      order.push(name);
      return next(r);
    };
  await compose([tag('a'), tag('b'), tag('c')], async () => ok())(newRequest('GET', '/'));
  expect(order).toEqual(['a', 'b', 'c']);
});
