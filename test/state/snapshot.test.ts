import { loadDesiredStateFromString } from '../../src/config/load.js';
import { buildPlan } from '../../src/plan/build.js';
import { renderImportYaml } from '../../src/render/import.js';
import { readLiveState } from '../../src/state/read.js';
import { readAccountSnapshot } from '../../src/state/snapshot.js';
import { addNs, countKinds, setZone, startWorld, type StateWorld } from './world.js';

let w: StateWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function demoWithSets(endpoints: 'dns_settings' | 'legacy' = 'dns_settings'): Promise<StateWorld> {
  const world = await startWorld({ endpoints });
  addNs(world.emu, 'NS2.example.com', 1);
  addNs(world.emu, 'ns1.example.com', 1);
  addNs(world.emu, 'ns1.example.net', 2);
  addNs(world.emu, 'ns2.example.net', 2);
  setZone(world.emu, 'example.org', { type: 'custom.account', ns_set: 1 });
  setZone(world.emu, 'shop.example.org', { type: 'custom.account', ns_set: 2 });
  setZone(world.emu, 'tenant.example', { type: 'custom.tenant' });
  world.emu.state.accountDefault = 'custom.account';
  return world;
}

test('reads the whole account in 1 + ceil(zones / 50) + zones + 1 requests, sorted and normalised', async () => {
  w = await demoWithSets();
  const progress: [number, number][] = [];
  const s = await readAccountSnapshot(w.api, { onProgress: (d, t) => progress.push([d, t]) });
  const n = w.emu.state.zones.length;
  expect(countKinds(w.emu)).toEqual({
    custom_ns: 1,
    zones_by_name: 0,
    zones_page: 1,
    zone_settings: n,
    default: 1,
    other: 0,
  });
  expect(s.accountId).toBe(w.emu.state.accountId);
  expect(s.nameservers.map((x) => `${x.set}:${x.name}`)).toEqual([
    '1:ns1.example.com',
    '1:ns2.example.com',
    '2:ns1.example.net',
    '2:ns2.example.net',
  ]);
  expect(s.zones.map((z) => z.name)).toEqual([...w.emu.state.zones.map((z) => z.name)].sort());
  expect(s.zones.find((z) => z.name === 'big.example')!.nameservers).toEqual({ type: 'cloudflare.advanced' });
  expect(s.zones.find((z) => z.name === 'shop.example.org')!.nameservers).toEqual({ type: 'custom.account', set: 2 });
  expect(s.accountDefault).toBe('custom.account');
  expect(progress.at(-1)).toEqual([n, n]);
});

test.each(['dns_settings', 'legacy'] as const)(
  'import round trip (%s): the rendered file validates and plans to no changes',
  async (endpoints) => {
    w = await demoWithSets(endpoints);
    const snap = await readAccountSnapshot(w.api);
    for (const allZones of [false, true]) {
      const text = renderImportYaml(snap, {
        allZones,
        endpoints,
        schemaRef: './schemas/acns.schema.json',
        generatedAt: 'now',
      });
      const r = loadDesiredStateFromString(text, 'acns.yaml', { cwd: '/', env: {}, requireAccountId: true });
      if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}: ${e.message}`).join('\n'));
      expect(r.state.cloudflare.endpoints).toBe(endpoints);
      const plan = buildPlan(r.state, await readLiveState(r.state, w.api));
      expect(plan.steps.filter((s) => s.kind !== 'glue_check')).toEqual([]);
      expect(plan.guards).toEqual([]);
    }
  },
);
