/** Cloudflare's documented rules and the older shapes, through the emulator's HTTP API. */
import { request } from 'undici';
import { DEMO_ACCOUNT_ID as ACC, DEMO_TOKEN, zoneIdFor } from '../../src/emulator/model.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';

let emu: Emulator;

async function call(method: string, path: string, body?: unknown) {
  const r = await request(emu.url + path, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${DEMO_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.statusCode, json: (await r.body.json()) as any };
}
const assign = (zone: string, nameservers: unknown, extra: Record<string, unknown> = {}) =>
  call('PATCH', `/zones/${zoneIdFor(zone)}/dns_settings`, { nameservers, ...extra });

beforeEach(async () => {
  emu = await startEmulator();
  for (const [name, set] of [
    ['ns1.example.com', 1],
    ['ns2.example.com', 1],
    ['ns1.example.net', 2],
    ['ns2.example.net', 2],
  ] as const)
    expect((await call('POST', `/accounts/${ACC}/custom_ns`, { ns_name: name, ns_set: set })).status).toBe(200);
});
afterEach(() => emu.close());

describe('a zone and a zone in its hierarchy may not share a set', () => {
  test("a subdomain zone is refused its parent's set, and the parent its child's; other sets are fine", async () => {
    expect((await assign('example.org', { type: 'custom.account', ns_set: 1 })).status).toBe(200);
    const child = await assign('shop.example.org', { type: 'custom.account', ns_set: 1 });
    expect(child.status).toBe(400);
    expect(child.json.errors[0].message).toMatch(/shop\.example\.org cannot use nameserver set 1: example\.org/);
    expect((await assign('shop.example.org', { type: 'custom.account', ns_set: 2 })).status).toBe(200);
    expect((await assign('10.113.0.203.in-addr.arpa', { type: 'custom.account', ns_set: 2 })).status).toBe(200);
    const parent = await assign('113.0.203.in-addr.arpa', { type: 'custom.account', ns_set: 2 });
    expect(parent.json.errors[0].message).toMatch(/10\.113\.0\.203\.in-addr\.arpa is in its hierarchy/);
    const legacy = await call('PUT', `/zones/${zoneIdFor('113.0.203.in-addr.arpa')}/custom_ns`, {
      enabled: true,
      ns_set: 2,
    });
    expect(legacy.status).toBe(400);
    expect(emu.state.zones.find((z) => z.name === '113.0.203.in-addr.arpa')?.nameservers.type).toBe(
      'cloudflare.standard',
    );
  });

  test('unrelated zones that only share a suffix may share a set; the rules can be switched off', async () => {
    expect((await assign('example.com', { type: 'custom.account', ns_set: 1 })).status).toBe(200);
    expect((await assign('example.net', { type: 'custom.account', ns_set: 1 })).status).toBe(200);
    emu.options.behaviour.documentedRules = false;
    expect((await assign('example.org', { type: 'custom.account', ns_set: 1 })).status).toBe(200);
    expect((await assign('shop.example.org', { type: 'custom.account', ns_set: 1 })).status).toBe(200);
  });
});

describe('advanced (Foundation DNS) zones', () => {
  test('custom nameservers are refused on an advanced zone until it is switched to standard', async () => {
    const r = await assign('big.example', { type: 'custom.account', ns_set: 1 });
    expect(r.status).toBe(400);
    expect(r.json.errors[0].message).toMatch(/advanced nameservers .* cannot be combined with custom nameservers/);
    expect((await call('PUT', `/zones/${zoneIdFor('big.example')}/custom_ns`, { enabled: true })).status).toBe(400);
    expect((await assign('big.example', { type: 'cloudflare.standard' })).status).toBe(200);
    expect((await assign('big.example', { type: 'custom.account', ns_set: 1 })).json.result.nameservers).toEqual({
      type: 'custom.account',
      ns_set: 1,
    });
  });

  test('the pre-2026 shape: foundation_dns true with nameservers.type cloudflare.standard', async () => {
    emu.options.behaviour.advancedShape = 'foundation_dns';
    const id = zoneIdFor('big.example');
    const got = (await call('GET', `/zones/${id}/dns_settings`)).json.result;
    expect([got.foundation_dns, got.nameservers]).toEqual([true, { type: 'cloudflare.standard' }]);
    // A type alone leaves the separate advanced flag on: custom nameservers would combine with it.
    expect((await assign('big.example', { type: 'custom.account', ns_set: 1 })).status).toBe(400);
    expect((await assign('big.example', { type: 'cloudflare.advanced' })).status).toBe(400); // not a type yet
    const off = await call('PATCH', `/zones/${id}/dns_settings`, {
      foundation_dns: false,
      nameservers: { type: 'custom.account', ns_set: 1 },
    });
    expect([off.json.result.foundation_dns, off.json.result.nameservers]).toEqual([
      false,
      { type: 'custom.account', ns_set: 1 },
    ]);
    const on = await call('PATCH', `/zones/${zoneIdFor('example.com')}/dns_settings`, { foundation_dns: true });
    expect([on.json.result.foundation_dns, on.json.result.nameservers]).toEqual([
      true,
      { type: 'cloudflare.standard' },
    ]);
    expect(emu.state.zones.find((z) => z.name === 'example.com')?.nameservers).toEqual({ type: 'cloudflare.advanced' });
  });
});

describe('DNS zone defaults are Enterprise-only', () => {
  test('a business account may read the default but not change it, through either endpoint', async () => {
    emu.state.plan = 'business';
    expect((await call('GET', `/accounts/${ACC}`)).json.result.type).toBe('standard');
    expect((await call('GET', `/accounts/${ACC}/dns_settings`)).status).toBe(200);
    const r = await call('PATCH', `/accounts/${ACC}/dns_settings`, {
      zone_defaults: { nameservers: { type: 'custom.account' } },
    });
    expect([r.status, r.json.errors[0].message]).toEqual([
      403,
      'DNS zone defaults are only available to Enterprise accounts.',
    ]);
    const put = await call('PUT', `/accounts/${ACC}`, {
      id: ACC,
      name: 'Demo Account',
      settings: { default_nameservers: 'custom.account' },
    });
    expect(put.status).toBe(403);
    expect(emu.state.accountDefault).toBe('cloudflare.standard');
    emu.state.plan = 'enterprise';
    expect(
      (
        await call('PATCH', `/accounts/${ACC}/dns_settings`, {
          zone_defaults: { nameservers: { type: 'custom.account' } },
        })
      ).status,
    ).toBe(200);
  });
});
