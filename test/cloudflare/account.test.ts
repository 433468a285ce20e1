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
  test(
    'list normalises names, takes glue from dns_records, treats a missing ns_set as 1, sorts by set then ' + 'name',
    async () => {
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
    },
  );

  test('a list item without ns_name is a clear error naming the endpoint', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/accounts/${ACC}/custom_ns`, method: 'GET' })
      .reply(200, ok([{ ns_set: 1 }]));
    await expect(api().listNameservers()).rejects.toThrow(
      new ResponseShapeError('GET /accounts/{account_id}/custom_ns', '"ns_name" is missing'),
    );
  });

  test('result_info.total_count that disagrees with the list is an error, never a silent loss', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/accounts/${ACC}/custom_ns`, method: 'GET' })
      .reply(
        200,
        ok([{ ns_name: 'ns1.example.com', dns_records: [] }], { page: 1, per_page: 1, count: 1, total_count: 3 }),
      );
    await expect(api().listNameservers()).rejects.toThrow(
      new ResponseShapeError(
        'GET /accounts/{account_id}/custom_ns',
        'the answer holds 1 nameservers but result_info.total_count says 3; acns does not plan from part of the list',
      ),
    );
  });

  test('a list without result (or without result_info) is an empty or a whole list', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: `${P}/accounts/${ACC}/custom_ns`, method: 'GET' })
      .reply(200, { success: true, errors: [], messages: [] });
    pool
      .intercept({ path: `${P}/accounts/${ACC}/custom_ns`, method: 'GET' })
      .reply(200, ok([{ ns_name: 'ns1.example.com', ns_set: 1, dns_records: [] }]));
    expect(await api().listNameservers()).toEqual([]);
    expect(await api().listNameservers()).toEqual([{ name: 'ns1.example.com', set: 1 }]);
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

  test('a listing without total_count reads page after page until a short one', async () => {
    zonesPage(1, 0).reply(200, ok(zones(1, 50), { page: 1 }));
    zonesPage(2, 0).reply(200, ok(zones(51, 50), { page: 2 }));
    zonesPage(3, 0).reply(200, ok(zones(101, 3), { page: 3 }));
    expect(await api().listAllZones()).toHaveLength(103);
    expect(events).toHaveLength(3);
  });
});

/**
 * An account of `n` zones behind GET /zones, answering any page and name filter; `claim` is what
 * result_info.total_count says (the truth unless a test makes it lie).
 */
function fakeAccount(n: number, claim: (filtered: number) => number | undefined = (x) => x) {
  const all = zones(1, n);
  agent
    .get(ORIGIN)
    .intercept({ path: (p) => p.startsWith(`${P}/zones?`), method: 'GET' })
    .reply((req) => {
      const q = new URL(`http://x${req.path}`).searchParams;
      const name = q.get('name');
      const list = name
        ? all.filter((z) => (name.startsWith('ends_with:') ? z.name.endsWith(name.slice(10)) : z.name === name))
        : all;
      const page = Number(q.get('page'));
      const per = Number(q.get('per_page'));
      const items = list.slice((page - 1) * per, page * per);
      const total = claim(list.length);
      return {
        statusCode: 200,
        data: ok(items, {
          page,
          per_page: per,
          count: items.length,
          ...(total === undefined ? {} : { total_count: total }),
        }),
      };
    })
    .persist();
}
const pagesAsked = () =>
  events.map((e) => {
    const q = new URL(`http://x${e.path}`).searchParams;
    return q.get('name') ? `${q.get('name')}#${q.get('page')}` : Number(q.get('page'));
  });
const zn = (i: number) => `zone-${String(i).padStart(3, '0')}.example`;

describe('zone listing and resolution: exact request counts', () => {
  test.each([
    [1, 1],
    [49, 1],
    [50, 1], // a full page that holds every zone total_count claims: no empty page after it
    [51, 2],
    [100, 2],
    [120, 3],
    [2000, 40],
  ])('listing %i zones takes %i requests', async (n, requests) => {
    fakeAccount(n);
    expect(await api().listAllZones()).toHaveLength(n);
    expect(events).toHaveLength(requests);
  });

  test('a total_count that is too low never loses zones: pages go on until a short one', async () => {
    fakeAccount(130, () => 60);
    expect(await api().listAllZones()).toHaveLength(130);
    expect(pagesAsked()).toEqual([1, 2, 3]);
  });

  test('a total_count that is too high costs the pages it promised, no more', async () => {
    fakeAccount(60, () => 200);
    expect(await api().listAllZones()).toHaveLength(60);
    expect(pagesAsked().sort()).toEqual([1, 2, 3, 4]);
  });

  test('pages after the first are asked for together, each handed over as it arrives', async () => {
    fakeAccount(160);
    const seen: number[] = [];
    await api().listAllZones({ onPage: (zs) => seen.push(zs.length) });
    expect(seen.sort((a, b) => a - b)).toEqual([10, 50, 50, 50]);
  });

  test('one zone: one filtered call; an unknown one too', async () => {
    fakeAccount(2000);
    const a = api();
    expect(await a.resolveZones([`${zn(1999)}.`])).toEqual({ found: [{ id: 'id1999', name: zn(1999) }], missing: [] });
    expect(await a.resolveZones(['nope.example'])).toEqual({ found: [], missing: ['nope.example'] });
    expect(pagesAsked()).toEqual([`${zn(1999)}#1`, 'nope.example#1']);
  });

  test('zones all on the first page: exactly one request (not the 40 pages of the account)', async () => {
    fakeAccount(2000);
    const r = await api().resolveZones([zn(2), zn(17), zn(50)]);
    expect(r.found.map((z) => z.id)).toEqual(['id2', 'id17', 'id50']);
    expect(r.allNames).toBeUndefined();
    expect(pagesAsked()).toEqual([1]);
  });

  test('zones on the first and the last page: the first page, then one lookup per zone not seen', async () => {
    fakeAccount(2000);
    const r = await api().resolveZones([zn(1), zn(1990), zn(2000)]);
    expect(r.found.map((z) => z.id)).toEqual(['id1', 'id1990', 'id2000']);
    expect(pagesAsked().sort()).toEqual([1, `${zn(1990)}#1`, `${zn(2000)}#1`].sort());
  });

  test('many zones spread over many pages: the first page, then the other pages together', async () => {
    fakeAccount(500);
    const wanted = Array.from({ length: 40 }, (_, i) => zn(1 + i * 12));
    const r = await api().resolveZones(wanted);
    expect(r.found).toHaveLength(40);
    expect(r.allNames).toHaveLength(500);
    expect(pagesAsked().sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test('an unknown zone among few: the lookups, then the rest of the listing for did-you-mean', async () => {
    fakeAccount(300);
    const r = await api().resolveZones([zn(3), zn(250), 'typo.example']);
    expect(r.missing).toEqual(['typo.example']);
    expect(r.found.map((z) => z.id)).toEqual(['id3', 'id250']);
    expect(r.allNames).toHaveLength(300);
    // page 1, two lookups, pages 2–6 (page 1 is not asked again)
    expect(events).toHaveLength(1 + 2 + 5);
  });

  test('a small account (one short page) answers everything with one request', async () => {
    fakeAccount(30);
    const r = await api().resolveZones([zn(3), zn(20), 'nope.example']);
    expect(r).toMatchObject({ missing: ['nope.example'], allNames: expect.any(Array) });
    expect(events).toHaveLength(1);
  });

  test('onFound sees each wanted zone once, as soon as its page arrives', async () => {
    fakeAccount(120);
    const found: string[] = [];
    await api().resolveZones([zn(1), zn(60), zn(61), zn(115), zn(60)], { onFound: (z) => found.push(z.name) });
    expect(found.sort()).toEqual([zn(1), zn(60), zn(61), zn(115)]);
  });

  test('zones below a zone: one filtered listing', async () => {
    fakeAccount(120);
    expect(await api().listZonesBelow('example')).toHaveLength(120);
    expect(pagesAsked()).toEqual(['ends_with:.example#1', 'ends_with:.example#2', 'ends_with:.example#3']);
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

  test('foundation_dns: true means advanced, whatever the nameserver type says', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: `${P}/zones/z1/dns_settings`, method: 'GET' })
      .reply(200, ok({ foundation_dns: true, nameservers: { type: 'cloudflare.standard' } }));
    pool
      .intercept({ path: `${P}/zones/z2/dns_settings`, method: 'GET' })
      .reply(200, ok({ foundation_dns: false, nameservers: { type: 'cloudflare.standard' } }));
    const a = api();
    expect(await a.getZoneNameservers('z1')).toEqual({ type: 'cloudflare.advanced' });
    expect(await a.getZoneNameservers('z2')).toEqual({ type: 'cloudflare.standard' });
  });

  test('a write answered without result is a success', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${P}/zones/z1/dns_settings`, method: 'PATCH' })
      .reply(200, { success: true, errors: [], messages: [] });
    await api().setZoneNameservers('z1', { type: 'custom.account', set: 2 });
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

  test('the account default goes through dns_settings (the old account settings fields are gone)', async () => {
    const pool = agent.get(ORIGIN);
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
    const a = api('legacy');
    expect(await a.getAccountDefault()).toBe('custom.account');
    await a.setAccountDefault('cloudflare.standard.random');
    expect(events.map((e) => `${e.method} ${e.path}`)).toEqual([
      `GET /accounts/${ACC}/dns_settings`,
      `PATCH /accounts/${ACC}/dns_settings`,
    ]);
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
