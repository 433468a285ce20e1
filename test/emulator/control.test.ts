/** The control endpoint under /__acns: "dashboard" changes outside the API, and the state document. */
import { request } from 'undici';
import { DEMO_TOKEN, zoneIdFor } from '../../src/emulator/model.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';

let emu: Emulator;
let changes: number;

async function control(method: string, path: string, body?: unknown) {
  const r = await request(emu.controlUrl + path, {
    method: method as 'GET',
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.statusCode, json: (await r.body.json()) as any };
}

beforeEach(async () => {
  changes = 0;
  emu = await startEmulator({ onChange: () => void changes++ });
});
afterEach(() => emu.close());

test('a dashboard change of a zone is what the API then reports, and is neither logged nor rate-limited', async () => {
  emu.options.rate = { requests: 1, seconds: 60 };
  const r = await control('PATCH', '/zones/Example.ORG', { nameservers: 'cloudflare.advanced' });
  expect(r).toEqual({
    status: 200,
    json: { ok: true, result: { name: 'example.org', nameservers: { type: 'cloudflare.advanced' } } },
  });
  const api = await request(`${emu.url}/zones/${zoneIdFor('example.org')}/dns_settings`, {
    headers: { authorization: `Bearer ${DEMO_TOKEN}` },
  });
  expect(((await api.body.json()) as any).result.nameservers).toEqual({ type: 'cloudflare.advanced' });
  expect((await control('GET', '/state')).status).toBe(200); // the API's one request is spent; control is not
  expect(emu.requests().map((e) => e.path)).toEqual([`/zones/${zoneIdFor('example.org')}/dns_settings`]);
  expect(changes).toBe(1);
});

test('names, zones, the account default and glue can be changed; the state document shows them', async () => {
  expect((await control('POST', '/custom_ns', { ns_name: 'ns1.example.com', ns_set: 2 })).status).toBe(200);
  expect((await control('POST', '/zones', { name: 'new.example' })).json.result.nameservers).toEqual({
    type: 'cloudflare.standard',
  });
  expect((await control('PUT', '/account_default', { type: 'custom.account' })).status).toBe(200);
  expect((await control('POST', '/zones', { name: 'newer.example' })).json.result.nameservers).toEqual({
    type: 'custom.account',
    ns_set: 1,
  });
  expect((await control('PUT', '/glue/2', { published: false })).status).toBe(200);
  expect((await control('DELETE', '/zones/legacy.example')).status).toBe(200);
  const doc = (await control('GET', '/state')).json.result;
  expect(doc.custom_ns).toEqual([
    expect.objectContaining({ ns_name: 'ns1.example.com', ns_set: 2, ipv4: expect.any(String) }),
  ]);
  expect(doc.account_default).toBe('custom.account');
  expect(doc.glue_missing).toEqual([2]);
  expect(doc.zones.map((z: { name: string }) => z.name)).toContain('newer.example');
  expect(doc.zones.map((z: { name: string }) => z.name)).not.toContain('legacy.example');
  expect((await control('DELETE', '/custom_ns/ns1.example.com')).status).toBe(200);
  expect((await control('PUT', '/glue/2', { published: true })).status).toBe(200);
  expect(emu.state.glueMissing).toEqual([]);
  expect(changes).toBe(8);
});

test.each([
  ['PATCH', '/zones/nowhere.example', { nameservers: 'cloudflare.standard' }, 404, /no zone nowhere\.example/],
  ['PATCH', '/zones/example.org', { nameservers: { type: 'custom.account', ns_set: 9 } }, 400, /ns_set must be/],
  ['PATCH', '/zones/example.org', { nameservers: 'cloudflare.fancy' }, 400, /nameservers must be one of/],
  ['PUT', '/glue/6', { published: true }, 400, /from 1 to 5/],
  ['PUT', '/glue/1', {}, 400, /"published": true/],
  ['POST', '/zones', { name: 'example.org' }, 400, /already has a zone/],
  ['POST', '/zones', 'not json', 400, /not JSON/],
  ['GET', '/nothing', undefined, 404, /no control route GET \/__acns\/nothing .*docs\/emulator\.md/],
])('%s %s is refused clearly and changes nothing', async (method, path, body, status, message) => {
  const r = await control(method, path, body);
  expect([r.status, r.json.ok]).toEqual([status, false]);
  expect(r.json.error).toMatch(message);
  expect(changes).toBe(0);
});
