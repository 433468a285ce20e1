import { MockAgent } from 'undici';
import { createRequire } from 'node:module';
import { CloudflareClient, type RequestEvent, undiciPool } from '../../src/cloudflare/client.js';
import type { ProgressEvent } from '../../src/cloudflare/budget.js';
import {
  type CloudflareError,
  NetworkError,
  OutcomeUnknownError,
  ResponseShapeError,
  isAccountWide,
} from '../../src/cloudflare/errors.js';

const ORIGIN = 'https://api.cloudflare.com';
const TOKEN = 'tok-SECRET-0123456789';
const P = '/client/v4';
let agent: MockAgent;
let events: RequestEvent[];
let progress: ProgressEvent[];

function client(extra: Partial<ConstructorParameters<typeof CloudflareClient>[0]> = {}): CloudflareClient {
  return new CloudflareClient({
    baseUrl: `${ORIGIN}/client/v4`,
    credentials: { kind: 'token', token: TOKEN },
    dispatcher: agent,
    backoffBaseMs: 1,
    backoffCapMs: 5,
    onRequest: (e) => events.push(e),
    onProgress: (e) => progress.push(e),
    ...extra,
  });
}
const fail = (code: number, message: string) => ({
  success: false,
  errors: [{ code, message }],
  messages: [],
  result: null,
});

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  events = [];
  progress = [];
});
afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

describe('envelope parsing', () => {
  test('returns result and result_info, tolerates unknown fields, sends the bearer token', async () => {
    agent
      .get(ORIGIN)
      .intercept({
        path: `${P}/zones?account.id=a1&per_page=50`,
        method: 'GET',
        headers: { authorization: `Bearer ${TOKEN}` },
      })
      .reply(
        200,
        {
          success: true,
          errors: [],
          messages: [],
          result: [{ id: 'z', name: 'a.example', brand_new: 1 }],
          result_info: { page: 1, total_count: 1 },
          extra: true,
        },
        { headers: { 'cf-ray': 'abc-FRA' } },
      );
    const r = await client().request('GET', '/zones', { query: { 'account.id': 'a1', name: undefined, per_page: 50 } });
    expect(r.result).toEqual([{ id: 'z', name: 'a.example', brand_new: 1 }]);
    expect(r.resultInfo).toEqual({ page: 1, total_count: 1 });
    expect(events).toEqual([
      {
        method: 'GET',
        path: '/zones?account.id=a1&per_page=50',
        status: 200,
        rayId: 'abc-FRA',
        durationMs: expect.any(Number),
        attempt: 1,
      },
    ]);
    expect(progress.at(-1)).toEqual({ kind: 'requests', done: 1, total: 1 });
  });

  test('email + key credentials use X-Auth headers', async () => {
    agent
      .get(ORIGIN)
      .intercept({
        path: `${P}/zones`,
        method: 'GET',
        headers: { 'x-auth-email': 'me@example.com', 'x-auth-key': 'k3y' },
      })
      .reply(200, { success: true, result: [] });
    const c = client({ credentials: { kind: 'key', email: 'me@example.com', key: 'k3y' } });
    expect((await c.request('GET', '/zones')).result).toEqual([]);
  });

  test('a body that is not an envelope is a ResponseShapeError naming the endpoint', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/zones/z1`, method: 'GET' })
      .reply(200, '<html>proxy</html>');
    await expect(client().request('GET', '/zones/z1')).rejects.toThrow(ResponseShapeError);
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/zones/z1`, method: 'GET' })
      .reply(200, { result: {} });
    await expect(client().request('GET', '/zones/z1')).rejects.toThrow(/GET \/zones\/z1.*no "success": true/);
  });

  test('a success without "result" is a success (legacy endpoints put their fields beside it)', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/zones/z1/custom_ns`, method: 'GET' })
      .reply(200, { success: true, errors: [], messages: [], enabled: true, ns_set: 2 });
    const r = await client().request('GET', '/zones/z1/custom_ns');
    expect(r.result).toBeUndefined();
    expect(r.body).toMatchObject({ enabled: true, ns_set: 2 });
  });

  test('success:false with HTTP 200 is still an error', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/zones/z1`, method: 'GET' })
      .reply(200, fail(1234, 'odd'));
    await expect(client().request('GET', '/zones/z1')).rejects.toMatchObject({
      code: 'cloudflare_error',
      status: 200,
      errors: [{ code: 1234, message: 'odd' }],
    });
  });
});

describe('retries', () => {
  test.each([971, 10100])('429 code %i retried until the limit, then account-wide rate limited', async (code) => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/zones`, method: 'GET' })
      .reply(429, fail(code, 'Please wait'), { headers: { 'retry-after': '0' } })
      .times(3);
    const e = (await client({ maxRateLimitRetries: 2 })
      .request('GET', '/zones')
      .catch((x: unknown) => x)) as CloudflareError;
    expect(e).toMatchObject({ code: 'cloudflare_rate_limited', accountWide: true, status: 429 });
    expect(e.message).toMatch(/gave up after 2 retries/);
    expect(events.map((x) => x.status)).toEqual([429, 429, 429]);
  });

  test('429 then success, for POST too (a 429 was not processed)', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: `${P}/accounts/a1/custom_ns`, method: 'POST' })
      .reply(429, fail(971, 'wait'), { headers: { 'retry-after': '0' } });
    pool
      .intercept({ path: `${P}/accounts/a1/custom_ns`, method: 'POST' })
      .reply(200, { success: true, result: { ns_name: 'ns1.example.com' } });
    const c = client();
    expect(
      (await c.request('POST', '/accounts/a1/custom_ns', { body: { ns_name: 'ns1.example.com' } })).result,
    ).toEqual({ ns_name: 'ns1.example.com' });
    expect(c.stats()).toEqual({ requests: 2, rateLimited: 1, retries: 1 });
  });

  test('GET 5xx is retried with backoff; exhausted retries surface the last status', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: `${P}/zones/z1`, method: 'GET' })
      .reply(502, 'bad gateway')
      .times(2);
    pool.intercept({ path: `${P}/zones/z1`, method: 'GET' }).reply(200, { success: true, result: { id: 'z1' } });
    expect((await client().request('GET', '/zones/z1')).result).toEqual({ id: 'z1' });
    expect(events.map((e) => [e.status, e.attempt])).toEqual([
      [502, 1],
      [502, 2],
      [200, 3],
    ]);
    pool
      .intercept({ path: `${P}/zones/z2`, method: 'GET' })
      .reply(503, fail(10002, 'down'))
      .times(3);
    await expect(client({ maxRetries: 2 }).request('GET', '/zones/z2')).rejects.toMatchObject({
      code: 'cloudflare_server_error',
      status: 503,
    });
  });

  test('POST 5xx is never re-sent: outcome unknown', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/accounts/a1/custom_ns`, method: 'POST' })
      .reply(500, fail(10002, 'oops'));
    const e = await client()
      .request('POST', '/accounts/a1/custom_ns', { body: {} })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OutcomeUnknownError);
    expect(events).toHaveLength(1);
  });

  test('connection errors: GET retried then NetworkError naming the base URL; POST outcome unknown', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: `${P}/zones`, method: 'GET' })
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .times(3);
    const e = (await client({ maxRetries: 2 })
      .request('GET', '/zones')
      .catch((x: unknown) => x)) as NetworkError;
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.message).toMatch(/https:\/\/api\.cloudflare\.com\/client\/v4.*connection closed.*3 attempts/);
    expect(e.hint).toMatch(/network connectivity/); // the default base URL: no variable to unset
    expect(isAccountWide(e)).toBe(true);
    pool
      .intercept({ path: `${P}/accounts/a1/custom_ns`, method: 'POST' })
      .replyWithError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    await expect(client().request('POST', '/accounts/a1/custom_ns', { body: {} })).rejects.toBeInstanceOf(
      OutcomeUnknownError,
    );
  });
});

describe('secrets', () => {
  test('the token never appears in errors, hints, request events or progress events', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: `${P}/zones`, method: 'GET' }).reply(403, fail(10000, `Authentication error`));
    pool.intercept({ path: `${P}/accounts/a1/custom_ns`, method: 'POST' }).reply(500, 'x');
    pool
      .intercept({ path: `${P}/zones/z`, method: 'GET' })
      .replyWithError(Object.assign(new Error('boom'), { code: 'ECONNREFUSED' }))
      .times(2);
    pool.intercept({ path: `${P}/zones/y`, method: 'GET' }).reply(200, 'not json');
    const c = client({ maxRetries: 1 });
    const errors = await Promise.all([
      c.request('GET', '/zones').catch((e: unknown) => e),
      c.request('POST', '/accounts/a1/custom_ns', { body: { ns_name: 'x' } }).catch((e: unknown) => e),
      c.request('GET', '/zones/z').catch((e: unknown) => e),
      c.request('GET', '/zones/y').catch((e: unknown) => e),
    ]);
    const text = [
      ...errors.map((e) => {
        const x = e as Error & { hint?: string };
        return `${x.message} ${x.hint} ${x.stack} ${JSON.stringify(x)} ${String(x.cause)}`;
      }),
      JSON.stringify(events),
      JSON.stringify(progress),
      JSON.stringify(c.stats()),
    ].join('\n');
    expect(errors.every((e) => e instanceof Error)).toBe(true);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toMatch(/authorization|bearer/i);
  });
});

describe('the connection pool', () => {
  test("is undici's own Pool with the entry's request(), loaded without the rest of the package", async () => {
    // a change of undici's layout breaks the paths client.ts loads Pool from: this names it (the CLI
    // tests, in fresh processes, show that request() is there without the entry)
    const Pool = undiciPool();
    const undici = createRequire(import.meta.url)('undici') as {
      Pool: unknown;
      Dispatcher: { prototype: { request: unknown } };
    };
    expect(Pool).toBe(undici.Pool);
    const pool = new Pool('http://127.0.0.1:9');
    expect(pool.request).toBe(undici.Dispatcher.prototype.request);
    await pool.close();
  });
});
