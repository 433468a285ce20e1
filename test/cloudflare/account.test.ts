import { MockAgent } from 'undici';
import { createAccountApi, accountApiFromEnv, NameInOtherSetError } from '../../src/cloudflare/account.js';
import { CloudflareClient, type RequestEvent } from '../../src/cloudflare/client.js';
import { UnsupportedByEndpointError } from '../../src/cloudflare/assignment.js';
import { ResponseShapeError } from '../../src/cloudflare/errors.js';

const ORIGIN = 'https://api.cloudflare.com';
const P = '/client/v4';
const ACC = '372e67954025e0ba6aaa6d586b9e0b59';
let agent: MockAgent;
let events: RequestEvent[];

const ok = (result: unknown, result_info?: unknown) => ({
  success: true,
  errors: [],
  messages: [],
  result,
  ...(result_info ? { result_info } : {}),
});
const zones = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `id${from + i}`,
    name: `zone-${String(from + i).padStart(3, '0')}.example`,
    status: 'active',
  }));
function api(endpoints: 'dns_settings' | 'legacy' = 'dns_settings') {
  const client = new CloudflareClient({
    baseUrl: `${ORIGIN}/client/v4`,
    credentials: { kind: 'token', token: 't' },
    dispatcher: agent,
    backoffBaseMs: 1,
    onRequest: (e) => events.push(e),
  });
  return createAccountApi({ client, accountId: ACC, endpoints });
}
function zonesPage(page: number, _total: number, name?: string) {
  const q = `account.id=${ACC}${name ? `&name=${encodeURIComponent(name)}` : ''}&page=${page}&per_page=50`;
  return agent.get(ORIGIN).intercept({ path: `${P}/zones?${q}`, method: 'GET' });
}

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  events = [];
});
afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

describe('custom nameservers', () => {
  test('list normalises names, glue from dns_records, a missing ns_set is 1, sorted by set then name', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/accounts/${ACC}/custom_ns`, method: 'GET' })
      .reply(
        200,
        ok([
          {
            ns_name: 'NS2.Example.NET.',
            ns_set: 2,
            dns_records: [
              { type: 'AAAA', value: '2001:DB8::2' },
              { type: 'A', value: '192.0.2.2' },
            ],
            status: 'verified',
            zone_tag: 'x',
          },
          { ns_name: 'ns1.example.com', dns_records: [{ type: 'A', value: '192.0.2.1' }] },
        ]),
      );
    expect(await api().listNameservers()).toEqual([
      { name: 'ns1.example.com', set: 1, ipv4: '192.0.2.1' },
      { name: 'ns2.example.net', set: 2, ipv4: '192.0.2.2', ipv6: '2001:db8::2' },
    ]);
  });

  test('a list item without ns_name is a clear error naming the endpoint', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/accounts/${ACC}/custom_ns`, method: 'GET' })
      .reply(200, ok([{ ns_set: 1 }]));
    await expect(api().listNameservers()).rejects.toThrow(
      new ResponseShapeError('GET /accounts/{account_id}/custom_ns', '"ns_name" is missing'),
    );
  });

  test('a duplicate error is resolved by reading back: the live object, marked as already existing', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({
        path: `${P}/accounts/${ACC}/custom_ns`,
        method: 'POST',
        body: JSON.stringify({ ns_name: 'ns1.example.com', ns_set: 2 }),
      })
      .reply(400, {
        success: false,
        errors: [{ code: 1005, message: 'Nameserver ns1.example.com already exists.' }],
        messages: [],
        result: null,
      });
    pool
      .intercept({ path: `${P}/accounts/${ACC}/custom_ns`, method: 'GET' })
      .reply(200, ok([{ ns_name: 'ns1.example.com', ns_set: 2, dns_records: [] }]));
    // marked: it exists because someone else created it, so apply never reports it as created
    expect(await api().createNameserver('NS1.example.com.', 2)).toEqual({
      name: 'ns1.example.com',
      set: 2,
      alreadyExisted: true,
    });
  });

  test('a duplicate in another set is a conflict, not success', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: `${P}/accounts/${ACC}/custom_ns`, method: 'POST' })
      .reply(400, { success: false, errors: [{ code: 1005, message: 'already exists' }], result: null });
    pool
      .intercept({ path: `${P}/accounts/${ACC}/custom_ns`, method: 'GET' })
      .reply(200, ok([{ ns_name: 'ns1.example.com', ns_set: 3 }]));
    await expect(api().createNameserver('ns1.example.com', 2)).rejects.toBeInstanceOf(NameInOtherSetError);
  });

  test('a lost POST whose read-back shows nothing is sent once more (not blindly)', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: `${P}/accounts/${ACC}/custom_ns`, method: 'POST' }).reply(502, 'bad gateway');
    pool.intercept({ path: `${P}/accounts/${ACC}/custom_ns`, method: 'GET' }).reply(200, ok([]));
    pool
      .intercept({ path: `${P}/accounts/${ACC}/custom_ns`, method: 'POST' })
      .reply(200, ok({ ns_name: 'ns1.example.com', ns_set: 1, dns_records: [] }));
    expect(await api().createNameserver('ns1.example.com', 1)).toEqual({ name: 'ns1.example.com', set: 1 });
    expect(events.map((e) => `${e.method} ${e.status}`)).toEqual(['POST 502', 'GET 200', 'POST 200']);
  });

  test('delete uses the ns_name as path id', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/accounts/${ACC}/custom_ns/ns1.example.com`, method: 'DELETE' })
      .reply(200, ok([]));
    await api().deleteNameserver('NS1.example.com.');
  });
});

describe('zones', () => {
  test('listAllZones pages through 50 at a time with account.id', async () => {
    zonesPage(1, 120).reply(
      200,
      ok(zones(1, 50), { page: 1, per_page: 50, count: 50, total_count: 120, total_pages: 3 }),
    );
    zonesPage(2, 120).reply(
      200,
      ok(zones(51, 50), { page: 2, per_page: 50, count: 50, total_count: 120, total_pages: 3 }),
    );
    zonesPage(3, 120).reply(200, ok(zones(101, 20), { page: 3, per_page: 50, count: 20, total_count: 120 }));
    const all = await api().listAllZones();
    expect(all).toHaveLength(120);
    expect(all[0]).toEqual({ id: 'id1', name: 'zone-001.example' });
    expect(all[119]).toEqual({ id: 'id120', name: 'zone-120.example' });
  });

  test('one zone: a single filtered call', async () => {
    zonesPage(1, 1, 'zone-007.example').reply(
      200,
      ok(zones(7, 1), { page: 1, per_page: 50, count: 1, total_count: 1, total_pages: 1 }),
    );
    expect(await api().resolveZones(['Zone-007.example.'])).toEqual({
      found: [{ id: 'id7', name: 'zone-007.example' }],
      missing: [],
    });
    expect(events).toHaveLength(1);
  });

  test('few zones in a big account: first page, then one filtered call per zone not seen', async () => {
    zonesPage(1, 5000).reply(
      200,
      ok(zones(1, 50), { page: 1, per_page: 50, count: 50, total_count: 5000, total_pages: 100 }),
    );
    zonesPage(1, 1, 'zone-900.example').reply(
      200,
      ok(zones(900, 1), { page: 1, per_page: 50, count: 1, total_count: 1 }),
    );
    zonesPage(1, 0, 'nope.example').reply(200, ok([], { page: 1, per_page: 50, count: 0, total_count: 0 }));
    const r = await api().resolveZones(['zone-002.example', 'zone-900.example', 'nope.example']);
    expect(r).toEqual({
      found: [
        { id: 'id2', name: 'zone-002.example' },
        { id: 'id900', name: 'zone-900.example' },
      ],
      missing: ['nope.example'],
    });
    expect(events).toHaveLength(3);
  });

  test('many zones in a small account: list the pages, report all names', async () => {
    zonesPage(1, 70).reply(
      200,
      ok(zones(1, 50), { page: 1, per_page: 50, count: 50, total_count: 70, total_pages: 2 }),
    );
    zonesPage(2, 70).reply(
      200,
      ok(zones(51, 20), { page: 2, per_page: 50, count: 20, total_count: 70, total_pages: 2 }),
    );
    const r = await api().resolveZones(['zone-060.example', 'zone-061.example', 'zone-099.example']);
    expect(r.found.map((z) => z.id)).toEqual(['id60', 'id61']);
    expect(r.missing).toEqual(['zone-099.example']);
    expect(r.allNames).toHaveLength(70);
    expect(events).toHaveLength(2);
  });

  test('a page without total_count is a clear error', async () => {
    zonesPage(1, 0).reply(200, ok(zones(1, 50), { page: 1 }));
    await expect(api().listAllZones()).rejects.toThrow(/GET \/zones.*total_count/);
  });
});

describe('endpoint flavour dns_settings', () => {
  test('reads and writes zone nameservers and the account default', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: `${P}/zones/z1/dns_settings`, method: 'GET' })
      .reply(200, ok({ nameservers: { type: 'custom.account', ns_set: 2 }, ns_ttl: 86400, new_field: {} }));
    pool
      .intercept({ path: `${P}/zones/z2/dns_settings`, method: 'GET' })
      .reply(200, ok({ nameservers: { type: 'cloudflare.advanced' } }));
    pool
      .intercept({
        path: `${P}/zones/z1/dns_settings`,
        method: 'PATCH',
        body: JSON.stringify({ nameservers: { type: 'custom.account', ns_set: 3 } }),
      })
      .reply(200, ok({}));
    pool
      .intercept({
        path: `${P}/zones/z2/dns_settings`,
        method: 'PATCH',
        body: JSON.stringify({ nameservers: { type: 'cloudflare.standard' } }),
      })
      .reply(200, ok({}));
    pool
      .intercept({ path: `${P}/accounts/${ACC}/dns_settings`, method: 'GET' })
      .reply(200, ok({ zone_defaults: { nameservers: { type: 'custom.account' } } }));
    pool
      .intercept({
        path: `${P}/accounts/${ACC}/dns_settings`,
        method: 'PATCH',
        body: JSON.stringify({ zone_defaults: { nameservers: { type: 'cloudflare.standard.random' } } }),
      })
      .reply(200, ok({}));
    const a = api();
    expect(await a.getZoneNameservers('z1')).toEqual({ type: 'custom.account', set: 2 });
    expect(await a.getZoneNameservers('z2')).toEqual({ type: 'cloudflare.advanced' });
    await a.setZoneNameservers('z1', { type: 'custom.account', set: 3 });
    await a.setZoneNameservers('z2', { type: 'cloudflare.standard' });
    expect(await a.getAccountDefault()).toBe('custom.account');
    await a.setAccountDefault('cloudflare.standard.random');
  });

  test('missing nameservers in dns_settings names the endpoint', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/zones/z1/dns_settings`, method: 'GET' })
      .reply(200, ok({ ns_ttl: 1 }));
    await expect(api().getZoneNameservers('z1')).rejects.toThrow(
      /GET \/zones\/\{zone_id\}\/dns_settings.*result\.nameservers/,
    );
  });
});

describe('endpoint flavour legacy', () => {
  test.each([
    ['top level', { success: true, errors: [], messages: [], result: [], enabled: true, ns_set: 2 }],
    ['in result', { success: true, errors: [], messages: [], result: { enabled: true, ns_set: 2 } }],
    [
      'both',
      { success: true, errors: [], messages: [], result: { enabled: true, ns_set: 2 }, enabled: true, ns_set: 2 },
    ],
  ])('zone custom_ns GET with enabled/ns_set %s', async (_label, body) => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/zones/z1/custom_ns`, method: 'GET' })
      .reply(200, body);
    expect(await api('legacy').getZoneNameservers('z1')).toEqual({ type: 'custom.account', set: 2 });
  });

  test('disabled reads as cloudflare.standard; writes use PUT {enabled, ns_set}', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: `${P}/zones/z1/custom_ns`, method: 'GET' })
      .reply(200, { success: true, result: { enabled: false } });
    pool
      .intercept({ path: `${P}/zones/z1/custom_ns`, method: 'PUT', body: JSON.stringify({ enabled: true, ns_set: 4 }) })
      .reply(200, ok([]));
    pool
      .intercept({ path: `${P}/zones/z1/custom_ns`, method: 'PUT', body: JSON.stringify({ enabled: false }) })
      .reply(200, ok([]));
    const a = api('legacy');
    expect(await a.getZoneNameservers('z1')).toEqual({ type: 'cloudflare.standard' });
    await a.setZoneNameservers('z1', { type: 'custom.account', set: 4 });
    await a.setZoneNameservers('z1', { type: 'cloudflare.standard' });
    await expect(a.setZoneNameservers('z1', { type: 'custom.tenant' })).rejects.toBeInstanceOf(
      UnsupportedByEndpointError,
    );
  });

  test('account default through settings.default_nameservers on PUT /accounts/{id}', async () => {
    const pool = agent.get(ORIGIN);
    const account = {
      id: ACC,
      name: 'Demo',
      type: 'enterprise',
      settings: { enforce_twofactor: false, use_account_custom_ns_by_default: true },
    };
    pool
      .intercept({ path: `${P}/accounts/${ACC}`, method: 'GET' })
      .reply(200, ok(account))
      .times(2);
    pool
      .intercept({
        path: `${P}/accounts/${ACC}`,
        method: 'PUT',
        body: (b) =>
          JSON.parse(b).settings.default_nameservers === 'cloudflare.standard' &&
          JSON.parse(b).name === 'Demo' &&
          JSON.parse(b).settings.enforce_twofactor === false,
      })
      .reply(200, ok(account));
    const a = api('legacy');
    expect(await a.getAccountDefault()).toBe('custom.account');
    await a.setAccountDefault('cloudflare.standard');
    await expect(a.setAccountDefault('cloudflare.standard.random')).rejects.toBeInstanceOf(UnsupportedByEndpointError);
  });
});

test('accountApiFromEnv wires credentials, base URL and flavour', async () => {
  agent
    .get('http://127.0.0.1:9')
    .intercept({
      path: `/client/v4/accounts/${ACC}/custom_ns`,
      method: 'GET',
      headers: { authorization: 'Bearer env-token' },
    })
    .reply(200, ok([]));
  const a = accountApiFromEnv(
    { CLOUDFLARE_API_TOKEN: 'env-token', CLOUDFLARE_BASE_URL: 'http://127.0.0.1:9/client/v4/' },
    { accountId: ACC, endpoints: 'legacy', dispatcher: agent },
  );
  expect(a.endpoints).toBe('legacy');
  expect(await a.listNameservers()).toEqual([]);
  expect(a.stats().requests).toBe(1);
  await a.close();
});
