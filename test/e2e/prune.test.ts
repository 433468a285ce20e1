/**
 * prune deletes names the file does not list — but never out from under zones the file does not
 * list either: when a set would drop below 2 names, acns reads every zone of the account first.
 */
import { ACCOUNT, addLiveNames, startWorld, type World } from './harness.js';

let w: World;
afterEach(() => w.close());

function seed(world: World): void {
  addLiveNames(world.emu, 1, ['ns1.example.com', 'ns2.example.com', 'ns3.example.com']);
  world.emu.state.zones.find((z) => z.name === 'example.org')!.nameservers = { type: 'custom.account', ns_set: 1 };
  world.emu.state.accountDefault = 'custom.account';
}

test('prune with an empty file: guards for the zone and default on set 1; apply exits 3, nothing deleted', async () => {
  w = await startWorld();
  seed(w);
  w.writeConfig(`version: 1\naccount_id: ${ACCOUNT}\npolicy:\n  prune: true\n  glue_check: off\n`);
  const plan = await w.cli(['plan', '-o', 'plan.json', '--format', 'json']);
  expect(plan.code).toBe(0);
  const doc = JSON.parse(plan.stdout) as {
    safe: boolean;
    guards: { id: string; message: string }[];
    unmanaged: { zones: { name: string }[] };
    notes: string[];
  };
  expect(doc.safe).toBe(false);
  // with DNS checks off, whether a parent still lists the names is unknown: a guard too
  expect(doc.guards.map((g) => g.id).sort()).toEqual([
    'delegation_unknown:names',
    'set_in_use:1',
    'set_in_use:default',
  ]);
  expect(doc.guards.find((g) => g.id === 'set_in_use:1')!.message).toContain('example.org');
  expect(doc.unmanaged.zones.map((z) => z.name)).toEqual(['example.org']);
  expect(doc.notes.join('\n')).toMatch(/read every zone of the account/);

  w.emu.resetLog();
  const apply = await w.cli(['apply', 'plan.json']);
  expect(apply.code).toBe(3);
  expect(apply.stderr).toMatch(/refusing to apply an unsafe plan/);
  expect(w.writes()).toEqual([]);
  expect(w.emu.state.customNs).toHaveLength(3);
});

test('prune that leaves a set with 2 names does not read the whole account', async () => {
  w = await startWorld();
  seed(w);
  w.writeConfig(
    `version: 1\naccount_id: ${ACCOUNT}\nnameserver_sets:\n  1:\n` +
      `    names: [ns1.example.com, ns2.example.com]\nzones:\n  example.org: 1\n` +
      `policy:\n  prune: true\n  glue_check: off\n`,
  );
  w.emu.resetLog();
  const plan = await w.cli(['plan', '--format', 'json']);
  const doc = JSON.parse(plan.stdout) as { safe: boolean; steps: { id: string }[]; guards: { id: string }[] };
  // DNS checks are off: the deletion cannot be shown safe from DNS, a guard the reviewer may override
  expect(doc.guards.map((g) => g.id)).toEqual(['delegation_unknown:names']);
  expect(doc.steps.map((s) => s.id)).toEqual(['delete_nameserver:ns3.example.com']);
  // no listing of every zone: only filtered zone lookups (example.org by name, and the zones below
  // it for the subdomain rule), and settings reads for example.org and shop.example.org below it
  const zoneLists = w.emu.requests().filter((r) => r.path.startsWith('/zones?'));
  expect(zoneLists.length).toBeGreaterThan(0);
  expect(zoneLists.every((r) => /[?&]name=/.test(r.path))).toBe(true);
  expect(w.emu.requests().filter((r) => r.path.includes('dns_settings'))).toHaveLength(2);
});
