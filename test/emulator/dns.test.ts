/**
 * The emulator's DNS fixture, checked by acns's own glue and delegation checks: glue published or
 * missing per set, loopback addresses handed out by the API too, changes followed on refresh.
 */
import { request } from 'undici';
import { checkSetGlue, checkZoneDelegation } from '../../src/dns/glue.js';
import { startEmulatorDns, type EmulatorDns } from '../../src/emulator/dns.js';
import { DEMO_TOKEN, demoState, newZone } from '../../src/emulator/model.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';

let emu: Emulator;
let dns: EmulatorDns;

const REAL = { ipv4: '162.159.0.1', ipv6: '2606:4700:58::1' };

beforeEach(async () => {
  const state = demoState();
  const ns = (name: string, set: number) => ({
    ns_name: name,
    ns_set: set,
    ...REAL,
    status: 'verified',
    zone_tag: 'x',
  });
  state.customNs = [ns('ns1.corp-one.com', 1), ns('ns2.corp-one.com', 1), ns('ns1.corp-two.net', 2)];
  state.zones.push(newZone('onset.example', { type: 'custom.account', ns_set: 1 }));
  state.glueMissing = [2];
  emu = await startEmulator({ state, onChange: () => dns.refresh() });
  dns = await startEmulatorDns(state, emu.options.behaviour);
});
afterEach(async () => {
  await emu.close();
  await dns.close();
});

const opts = () => ({ rootServers: [dns.rootServer], parentServers: [], port: dns.port, timeoutMs: 500, retries: 0 });
const expectation = (set: number) => ({
  set,
  registrar: 'external' as const,
  names: emu.state.customNs
    .filter((n) => n.ns_set === set)
    .map((n) => ({ name: n.ns_name, ipv4: n.ipv4, ipv6: n.ipv6 })),
});

test('names get loopback addresses in the API while the real ones are kept for the state file', async () => {
  const r = await request(`${emu.url}/accounts/${emu.state.accountId}/custom_ns`, {
    headers: { authorization: `Bearer ${DEMO_TOKEN}` },
  });
  const records = ((await r.body.json()) as any).result.map((n: any) => [n.ns_name, n.dns_records[0].value]);
  expect(records).toEqual([
    ['ns1.corp-one.com', '127.53.0.1'],
    ['ns2.corp-one.com', '127.53.0.2'],
    ['ns1.corp-two.net', '127.53.0.3'],
  ]);
  expect(emu.state.customNs.every((n) => n.real?.ipv4 === REAL.ipv4 && n.ipv6 === '::1')).toBe(true);
});

test('a set with published glue passes the glue check; a set listed in glue_missing fails it', async () => {
  const one = await checkSetGlue(expectation(1), opts());
  expect([one.hostZone, one.parentZone, one.verdict]).toEqual(['corp-one.com', 'com', 'ok']);
  const two = await checkSetGlue(expectation(2), opts());
  expect(two.verdict).toBe('failed');
  expect(two.names[0]).toMatchObject({ name: 'ns1.corp-two.net', status: 'missing', inDelegation: true });
});

test('publishing glue through the control endpoint, and names created through the API, are served', async () => {
  await request(`${emu.controlUrl}/glue/2`, { method: 'PUT', body: JSON.stringify({ published: true }) });
  expect((await checkSetGlue(expectation(2), opts())).verdict).toBe('ok');
  const created = await request(`${emu.url}/accounts/${emu.state.accountId}/custom_ns`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEMO_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ns_name: 'ns1.corp-three.org', ns_set: 3 }),
  });
  expect(((await created.body.json()) as any).result.dns_records[0].value).toBe('127.53.0.4');
  expect((await checkSetGlue(expectation(3), opts())).verdict).toBe('ok');
  expect(emu.state.customNs.find((n) => n.ns_name === 'ns1.corp-three.org')?.fixture).toBe(true);
});

test('zones are delegated as they were when the fixture started, as a registrar would keep them', async () => {
  const onSet = await checkZoneDelegation('onset.example', ['ns1.corp-one.com', 'ns2.corp-one.com'], opts());
  expect(onSet.status).toBe('delegated');
  const org = await checkZoneDelegation('example.org', ['ns1.corp-one.com', 'ns2.corp-one.com'], opts());
  expect(org.status).toBe('elsewhere');
  expect(org.nameservers.every((n) => n.endsWith('.ns.cloudflare.com'))).toBe(true);
  const sub = await checkZoneDelegation('shop.example.org', [], opts());
  expect(sub.nameservers.every((n) => n.endsWith('.ns.cloudflare.com'))).toBe(true);
  // an API change moves the zone in Cloudflare, not at the registrar
  const zone = emu.state.zones.find((z) => z.name === 'example.org');
  if (zone) zone.nameservers = { type: 'custom.account', ns_set: 1 };
  await dns.refresh();
  expect((await checkZoneDelegation('example.org', [], opts())).nameservers).toEqual(org.nameservers);
});
