import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { LEGACY_RATE_LIMITS, startEmulator, type Emulator } from '../../src/emulator/server.js';
import {
  DEMO_ACCOUNT_ID,
  DEMO_TOKEN,
  bigAccountState,
  demoState,
  tokenIdFor,
  zoneIdFor,
} from '../../src/emulator/model.js';
import { loadStateFile } from '../../src/emulator/statefile.js';

let emu: Emulator;
const ACC = DEMO_ACCOUNT_ID;

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${DEMO_TOKEN}` },
) {
  const r = await request(emu.url + path, {
    method: method as 'GET',
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.statusCode, headers: r.headers, json: (await r.body.json()) as any };
}
const create = (ns_name: string, ns_set?: number) =>
  call('POST', `/accounts/${ACC}/custom_ns`, ns_set === undefined ? { ns_name } : { ns_name, ns_set });

beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(() => emu.close());

describe('seed and envelope', () => {
  test('demo account: zones, ids deterministic, pagination with result_info', async () => {
    const p1 = await call('GET', `/zones?account.id=${ACC}&per_page=5&page=1`);
    expect(p1.status).toBe(200);
    expect(p1.json).toMatchObject({
      success: true,
      errors: [],
      messages: [],
      result_info: { page: 1, per_page: 5, count: 5, total_count: 8 },
    });
    expect(p1.json.result_info.total_pages).toBeUndefined();
    const p2 = await call('GET', `/zones?account.id=${ACC}&per_page=5&page=2`);
    const names = [...p1.json.result, ...p2.json.result].map((z: any) => z.name);
    expect(names).toEqual([
      '10.113.0.203.in-addr.arpa',
      '113.0.203.in-addr.arpa',
      'big.example',
      'example.com',
      'example.net',
      'example.org',
      'legacy.example',
      'shop.example.org',
    ]);
    const org = p1.json.result.concat(p2.json.result).find((z: any) => z.name === 'example.org');
    expect(org.id).toBe(zoneIdFor('example.org'));
    expect(org.id).toMatch(/^[0-9a-f]{32}$/);
    const big = emu.state.zones.find((z) => z.name === 'big.example');
    expect((await call('GET', `/zones/${big?.id}/dns_settings`)).json.result.nameservers).toEqual({
      type: 'cloudflare.advanced',
    });
    expect((await call('GET', `/zones?name=example.org`)).json.result.map((z: any) => z.name)).toEqual(['example.org']);
    expect((await call('GET', `/zones?name=ends_with:arpa`)).json.result).toHaveLength(2);
  });

  test('total_pages in result_info is a switch (the docs example has it, the schema does not)', async () => {
    emu.options.behaviour.resultInfoTotalPages = true;
    expect((await call('GET', '/zones?per_page=5')).json.result_info).toEqual({
      page: 1,
      per_page: 5,
      count: 5,
      total_count: 8,
      total_pages: 2,
    });
    expect((await call('GET', `/accounts/${ACC}/custom_ns`)).json.result_info.total_pages).toBe(1);
  });

  test('per_page outside 5–50 is refused', async () => {
    expect((await call('GET', '/zones?per_page=4')).status).toBe(400);
    expect((await call('GET', '/zones?per_page=51')).json.errors[0].message).toMatch(/per_page/);
  });

  test('unknown routes answer 7003', async () => {
    expect((await call('GET', '/nothing/here')).json.errors).toEqual([{ code: 7003, message: 'No route for the URI' }]);
  });

  test('big synthetic accounts', () => {
    const s = bigAccountState(1500);
    expect(s.zones).toHaveLength(1500);
    expect(s.zones[1499]?.name).toBe('zone-01500.example');
  });
});

describe('auth', () => {
  const KEY = 'c2547eb745079dac9320b638f5e225cf483cc';
  test('no credentials → 400 with 1001 Missing "Authorization" header', async () => {
    const r = await call('GET', '/zones', undefined, {});
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual([{ code: 1001, message: 'Missing "Authorization" header' }]);
  });

  test.each([
    ['a token with a space', 'Bearer demo token'],
    ['a token with a quote', 'Bearer "demo-token"'],
    ['no token after Bearer', 'Bearer '],
    ['a Global API Key sent as a token', `Bearer ${KEY}`],
    ['another scheme', 'Basic ZGVtbzp0b2tlbg=='],
  ])('%s → 400 6003 with 6111 in error_chain', async (_what, authorization) => {
    const r = await call('GET', '/zones', undefined, { authorization });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual([
      {
        code: 6003,
        message: 'Invalid request headers',
        error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }],
      },
    ]);
  });

  test('a well-formed unknown token → 401 10000; a foreign account → 10000', async () => {
    const wrong = await call('GET', '/zones', undefined, { authorization: 'Bearer nope' });
    expect([wrong.status, wrong.json.errors]).toEqual([401, [{ code: 10000, message: 'Authentication error' }]]);
    expect((await call('GET', `/accounts/${'0'.repeat(32)}/custom_ns`)).json.errors[0].code).toBe(10000);
  });

  test('email + Global API Key: accepted when configured; a malformed key → 6003 with 6103', async () => {
    emu.state.keys.push({ email: 'me@example.com', key: KEY });
    const key = (k: string) => call('GET', '/zones', undefined, { 'x-auth-email': 'me@example.com', 'x-auth-key': k });
    expect((await key(KEY)).status).toBe(200);
    expect((await key('f'.repeat(37))).json.errors[0].code).toBe(10000);
    const bad = await key('demo-token');
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].error_chain).toEqual([{ code: 6103, message: 'Invalid format for X-Auth-Key header' }]);
  });
});

describe('token verification', () => {
  test("a user token verifies at /user/tokens/verify; an account token only at its account's", async () => {
    emu.state.accountTokens = ['acct-tok'];
    const user = await call('GET', '/user/tokens/verify');
    expect([user.status, user.json.result]).toEqual([200, { id: tokenIdFor(DEMO_TOKEN), status: 'active' }]);
    const asAccount = await call('GET', `/accounts/${ACC}/tokens/verify`);
    expect([asAccount.status, asAccount.json.errors]).toEqual([401, [{ code: 1000, message: 'Invalid API Token' }]]);

    const acct = { authorization: 'Bearer acct-tok' };
    expect((await call('GET', '/user/tokens/verify', undefined, acct)).status).toBe(401);
    const ok = await call('GET', `/accounts/${ACC}/tokens/verify`, undefined, acct);
    expect([ok.status, ok.json.result]).toEqual([200, { id: tokenIdFor('acct-tok'), status: 'active' }]);
    expect((await call('GET', '/zones', undefined, acct)).status).toBe(200); // it works like any token
    expect((await call('GET', '/user/tokens/verify', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
  });

  test('rateHeaders "none" strips every rate-limit header but keeps retry-after on a 429', async () => {
    emu.options.rateHeaders = 'none';
    const r = await call('GET', '/zones');
    expect(Object.keys(r.headers).filter((h) => h.includes('ratelimit'))).toEqual([]);
    emu.addFault({ path: /zones/, status: 429, retryAfter: 7 });
    const f = await call('GET', '/zones');
    expect([f.status, f.headers['retry-after'], f.headers.ratelimit]).toEqual([429, '7', undefined]);
  });
});

describe('custom nameserver rules', () => {
  test('ns_set defaults to 1; one A and one AAAA per name, deterministic', async () => {
    const r = await create('NS1.Example.com');
    expect(r.json.result).toMatchObject({ ns_name: 'ns1.example.com', ns_set: 1, status: 'verified' });
    const [a, aaaa] = r.json.result.dns_records;
    expect(a).toEqual({ type: 'A', value: expect.stringMatching(/^198\.51\.100\.\d+$/) });
    expect(aaaa).toEqual({ type: 'AAAA', value: expect.stringMatching(/^2001:db8:cf:/) });
    const other = await startEmulator();
    const again = await request(`${other.url}/accounts/${ACC}/custom_ns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_TOKEN}` },
      body: JSON.stringify({ ns_name: 'ns1.example.com' }),
    });
    expect(((await again.body.json()) as any).result.dns_records).toEqual(r.json.result.dns_records);
    await other.close();
  });

  test('addresses can be overridden in-process', async () => {
    emu.options.behaviour.addressFor = () => ({ ipv4: '192.0.2.9', ipv6: '2001:db8::9' });
    expect((await create('ns1.example.com')).json.result.dns_records).toEqual([
      { type: 'A', value: '192.0.2.9' },
      { type: 'AAAA', value: '2001:db8::9' },
    ]);
  });

  test('ns_set 1–5, at most 5 names per set, a name in one set only', async () => {
    expect((await create('ns1.example.com', 6)).status).toBe(400);
    expect((await create('ns1.example.com', 0)).status).toBe(400);
    for (let i = 1; i <= 5; i++) expect((await create(`ns${i}.example.com`, 2)).status).toBe(200);
    const sixth = await create('ns6.example.com', 2);
    expect([sixth.status, sixth.json.errors[0].message]).toEqual([400, 'Nameserver set 2 already has 5 nameservers.']);
    const dup = await create('ns1.example.com', 3);
    expect(dup.status).toBe(400);
    expect(dup.json.errors[0].message).toMatch(/already exist/);
    expect(emu.state.customNs).toHaveLength(5);
  });

  test('delete by ns_name; unknown name → 404', async () => {
    await create('ns1.example.com');
    expect((await call('DELETE', `/accounts/${ACC}/custom_ns/ns1.example.com`)).json).toEqual({
      success: true,
      errors: [],
      messages: [],
      result: [],
    });
    expect((await call('DELETE', `/accounts/${ACC}/custom_ns/ns1.example.com`)).status).toBe(404);
  });

  test('not entitled → 1002 everywhere custom nameservers are involved (switchable)', async () => {
    emu.state.entitled = false;
    expect((await call('GET', `/accounts/${ACC}/custom_ns`)).json.errors[0]).toEqual({
      code: 1002,
      message: 'This feature is not enabled for your account.',
    });
    expect(
      (
        await call('PATCH', `/accounts/${ACC}/dns_settings`, {
          zone_defaults: { nameservers: { type: 'custom.account' } },
        })
      ).json.errors[0].code,
    ).toBe(1002);
    emu.state.entitled = true;
    expect((await call('GET', `/accounts/${ACC}/custom_ns`)).status).toBe(200);
  });

  test('result_info on the custom_ns list is switchable', async () => {
    expect((await call('GET', `/accounts/${ACC}/custom_ns`)).json.result_info).toBeDefined();
    emu.options.behaviour.customNsResultInfo = false;
    expect((await call('GET', `/accounts/${ACC}/custom_ns`)).json.result_info).toBeUndefined();
  });
});

describe('zone assignment and account default', () => {
  const zid = zoneIdFor('example.org');
  test('a set with fewer than 2 names cannot be assigned (1001); unknown zone → 404', async () => {
    await create('ns1.example.com', 1);
    const r = await call('PATCH', `/zones/${zid}/dns_settings`, { nameservers: { type: 'custom.account', ns_set: 1 } });
    expect([r.status, r.json.errors[0].code]).toEqual([400, 1001]);
    expect((await call('PUT', `/zones/${zid}/custom_ns`, { enabled: true, ns_set: 1 })).json.errors[0].code).toBe(1001);
    await create('ns2.example.com', 1);
    const ok = await call('PATCH', `/zones/${zid}/dns_settings`, { nameservers: { type: 'custom.account' } });
    expect(ok.json.result.nameservers).toEqual({ type: 'custom.account', ns_set: 1 });
    expect((await call('GET', `/zones/${zid}`)).json.result.vanity_name_servers).toEqual([
      'ns1.example.com',
      'ns2.example.com',
    ]);
  });

  test('an unknown zone id → 404 9109 "Invalid zone identifier"; a malformed one → 7003; or 7003', async () => {
    const unknown = await call('GET', `/zones/${'f'.repeat(32)}/dns_settings`);
    expect([unknown.status, unknown.json.errors]).toEqual([404, [{ code: 9109, message: 'Invalid zone identifier' }]]);
    expect((await call('GET', '/zones/example.org')).json.errors[0].code).toBe(7003);
    emu.options.behaviour.unknownZone = '7003';
    const old = await call('PATCH', `/zones/${'f'.repeat(32)}/dns_settings`, {
      nameservers: { type: 'custom.account' },
    });
    expect([old.status, old.json.errors[0].code]).toEqual([404, 7003]);
    expect(old.json.errors[0].message).toMatch(/perhaps your object identifier is invalid/);
  });

  test.each([
    ['top', { enabled: true, ns_set: 1 }],
    ['result', { result: { enabled: true, ns_set: 1 } }],
    ['both', { result: { enabled: true, ns_set: 1 }, enabled: true, ns_set: 1 }],
  ] as const)('legacy zone custom_ns GET shape "%s"', async (shape, expected) => {
    await create('ns1.example.com');
    await create('ns2.example.com');
    expect((await call('PUT', `/zones/${zid}/custom_ns`, { enabled: true, ns_set: 1 })).json.result).toEqual([]);
    emu.options.behaviour.legacyZoneGetShape = shape;
    const body = (await call('GET', `/zones/${zid}/custom_ns`)).json;
    expect(body).toEqual({ success: true, errors: [], messages: [], ...expected });
  });

  test('account default through dns_settings and the legacy account settings stay in sync', async () => {
    await call('PATCH', `/accounts/${ACC}/dns_settings`, {
      zone_defaults: { nameservers: { type: 'cloudflare.standard.random' } },
    });
    expect((await call('GET', `/accounts/${ACC}/dns_settings`)).json.result.zone_defaults.nameservers).toEqual({
      type: 'cloudflare.standard.random',
    });
    const put = await call('PUT', `/accounts/${ACC}`, {
      id: ACC,
      name: 'Demo Account',
      settings: { default_nameservers: 'custom.account' },
    });
    expect(put.json.result.settings.default_nameservers).toBe('custom.account');
    expect((await call('GET', `/accounts/${ACC}/dns_settings`)).json.result.zone_defaults.nameservers.type).toBe(
      'custom.account',
    );
    expect((await call('PUT', `/accounts/${ACC}`, { settings: {} })).status).toBe(400);
  });
});

describe('rate limits as Cloudflare states them', () => {
  let now = 1_700_000_000_000;
  const clock = () => now;
  beforeEach(async () => {
    await emu.close();
    now = 1_700_000_000_000;
    emu = await startEmulator({ clock, rate: { requests: 3, seconds: 60 } });
  });

  test('every answer carries Ratelimit and Ratelimit-Policy, and no retry-after or x-ratelimit-*', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call('GET', '/zones');
      expect(r.status).toBe(200);
      seen.push(r.headers.ratelimit as string);
      expect(r.headers['ratelimit-policy']).toBe('"default";q=3;w=60');
      expect(r.headers['retry-after']).toBeUndefined();
      expect(r.headers['x-ratelimit-remaining']).toBeUndefined();
      now += 10_000;
    }
    // t counts down to when the oldest request leaves the window.
    expect(seen).toEqual(['"default";r=2;t=60', '"default";r=1;t=50', '"default";r=0;t=40']);
    const denied = await call('GET', '/zones', undefined, { authorization: 'Bearer nope' });
    expect(denied.status).toBe(429); // the window is spent whoever asks
    emu.resetLog();
    expect((await call('GET', '/nothing')).headers.ratelimit).toBe('"default";r=2;t=60');
  });

  test('an overrun blocks every call for five minutes with 429 971, not just until the window has room', async () => {
    for (let i = 0; i < 3; i++) expect((await call('GET', '/zones')).status).toBe(200);
    const r = await call('GET', `/accounts/${ACC}/custom_ns`);
    expect(r.status).toBe(429);
    expect(r.json.errors).toEqual([{ code: 971, message: 'Please wait and consider throttling your request speed' }]);
    expect(r.headers['retry-after']).toBe('300');
    expect(r.headers.ratelimit).toBe('"default";r=0;t=300');
    now += 61_000; // the window has room again, the block holds
    const still = await call('GET', '/zones');
    expect([still.status, still.headers['retry-after']]).toEqual([429, '239']);
    now += 239_000;
    expect((await call('GET', '/zones')).status).toBe(200);
  });

  test('blockSeconds 0 is the older behaviour: 429 only until the window has room', async () => {
    emu.options.blockSeconds = 0;
    for (let i = 0; i < 3; i++) expect((await call('GET', '/zones')).status).toBe(200);
    now += 20_000;
    const r = await call('GET', '/zones');
    expect([r.status, r.headers['retry-after']]).toEqual([429, '40']);
    now += 40_000;
    expect((await call('GET', '/zones')).status).toBe(200);
  });

  test('the per-IP limit answers 429 for the rest of the second and does not start the five-minute block', async () => {
    emu.options.rate = { requests: 1000, seconds: 300 };
    emu.options.ipRate = 5;
    for (let i = 0; i < 5; i++) expect((await call('GET', '/zones')).status).toBe(200);
    const r = await call('GET', '/zones');
    expect([r.status, r.json.errors[0].code, r.headers['retry-after']]).toEqual([429, 971, '1']);
    now += 1000;
    expect((await call('GET', '/zones')).status).toBe(200);
  });

  test("the defaults are Cloudflare's: 1200 per 300 s, 200 per second per IP, a 300 s block", async () => {
    const d = await startEmulator();
    expect(d.options).toMatchObject({
      rate: { requests: 1200, seconds: 300 },
      ipRate: 200,
      blockSeconds: 300,
      rateHeaders: 'current',
    });
    await d.close();
  });

  test('rateHeaders "both" sends the old and the new headers; an injected 429 carries retry-after', async () => {
    emu.options.rateHeaders = 'both';
    const r = await call('GET', '/zones');
    expect(r.headers.ratelimit).toBe('"default";r=2;t=60');
    expect(r.headers['x-ratelimit-remaining']).toBe('2');
    emu.options.rateHeaders = 'current';
    emu.addFault({ path: /zones/, status: 429, retryAfter: 7 });
    const f = await call('GET', '/zones');
    expect([f.status, f.headers['retry-after'], f.headers.ratelimit]).toEqual([429, '7', '"default";r=0;t=7']);
  });
});

describe('legacy rate window, faults and the log', () => {
  test('past N requests per window: 429 code 971 with retry-after and x-ratelimit headers', async () => {
    Object.assign(emu.options, LEGACY_RATE_LIMITS);
    emu.options.rate = { requests: 3, seconds: 60 };
    for (let i = 0; i < 3; i++)
      expect((await call('GET', '/zones')).headers['x-ratelimit-remaining']).toBe(String(2 - i));
    const r = await call('GET', '/zones');
    expect(r.status).toBe(429);
    expect(r.json.errors[0].code).toBe(971);
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(r.headers['x-ratelimit-limit']).toBe('3');
    expect(Date.parse(r.headers['x-ratelimit-reset'] as string)).toBeGreaterThan(Date.now());
  });

  test('faults match method + path, apply N times, and the log records them', async () => {
    emu.addFault({ method: 'GET', path: /^\/zones/, status: 503, times: 2 });
    expect((await call('GET', '/zones')).status).toBe(503);
    expect((await call('POST', `/accounts/${ACC}/custom_ns`, { ns_name: 'ns1.example.com' })).status).toBe(200);
    expect((await call('GET', '/zones')).status).toBe(503);
    expect((await call('GET', '/zones')).status).toBe(200);
    expect(emu.requests().map((e) => [e.method, e.path.split('?')[0], e.status, e.fault])).toEqual([
      ['GET', '/zones', 503, 'respond'],
      ['POST', `/accounts/${ACC}/custom_ns`, 200, undefined],
      ['GET', '/zones', 503, 'respond'],
      ['GET', '/zones', 200, undefined],
    ]);
    emu.resetLog();
    expect(emu.requests()).toEqual([]);
  });

  test('commit then fail applies the change and answers 500', async () => {
    emu.addFault({ method: 'POST', path: 'custom_ns$', action: 'commit_then_fail' });
    expect((await create('ns1.example.com')).status).toBe(500);
    expect(emu.state.customNs.map((n) => n.ns_name)).toEqual(['ns1.example.com']);
  });
});

describe('state files', () => {
  test('YAML and JSON, with defaults from the demo seed and clear errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acns-emu-'));
    const y = join(dir, 's.yaml');
    await writeFile(
      y,
      'tokens: [t1]\nentitled: false\nzones:\n  - name: Example.COM.\n' +
        '    nameservers: {type: custom.account, ns_set: 2}\n  - plain.example\ncustom_ns:\n' +
        '  - {ns_name: ns1.example.net, ns_set: 2}\n  - {ns_name: ns2.example.net, ns_set: 2, ipv4: 192.0.2.7}\n' +
        'account_default: custom.account\n',
    );
    const s = await loadStateFile(y);
    expect(s).toMatchObject({ accountId: ACC, tokens: ['t1'], entitled: false, accountDefault: 'custom.account' });
    expect(s.zones.map((z) => [z.name, z.nameservers])).toEqual([
      ['example.com', { type: 'custom.account', ns_set: 2 }],
      ['plain.example', { type: 'cloudflare.standard' }],
    ]);
    expect(s.customNs[1]?.ipv4).toBe('192.0.2.7');
    const j = join(dir, 's.json');
    await writeFile(j, JSON.stringify({ account_id: 'a'.repeat(32) }));
    expect((await loadStateFile(j)).zones).toHaveLength(demoState().zones.length);
    await writeFile(j, JSON.stringify({ custom_ns: [{ ns_name: 'x.example', ns_set: 9 }] }));
    await expect(loadStateFile(j)).rejects.toThrow(
      /s\.json:1:47: custom_ns\[0\]\.ns_set must be a set number from 1 to 5/,
    );
    await expect(loadStateFile(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot be read \(ENOENT\)/);
  });
});
