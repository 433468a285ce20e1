/** Request order against the emulator for the destructive paths: moving a name, removing ACNS. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNT, NS_V4, NS_V6, startWorld, seedApplied, type World } from './harness.js';

let w: World;
beforeEach(async () => {
  w = await startWorld();
  seedApplied(w.emu);
});
afterEach(() => w.close());

function indexOf(writes: string[], re: RegExp): number {
  const i = writes.findIndex((x) => re.test(x));
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
}

test('moving a name between sets: delete before re-create, zones of the old set stay on ≥2 names', async () => {
  // live: set 1 has three names; the file moves ns3.example.com to a new set 3 used by legacy.example
  w.emu.state.customNs.push({
    ns_name: 'ns3.example.com',
    ns_set: 1,
    ipv4: NS_V4,
    ipv6: NS_V6,
    status: 'verified',
    zone_tag: w.emu.state.zones[0]!.id,
  });
  w.writeConfig(`version: 1
account_id: ${ACCOUNT}
nameserver_sets:
  1:
    names: [ns1.example.com, ns2.example.com]
  2:
    names: [ns1.example.net, ns2.example.net]
    registrar: cloudflare
  3:
    names: [ns3.example.com, ns4.example.com]
zones:
  example.org: 1
  shop.example.org: 2
  113.0.203.in-addr.arpa: 1
  10.113.0.203.in-addr.arpa: 2
  legacy.example: 3
account_default: custom.account
`);
  const p = await w.cli(['plan', '-o', 'plan.json']);
  expect(p.code).toBe(0);
  expect(p.stdout).toMatch(/- delete_nameserver ns3\.example\.com/);
  w.emu.resetLog();
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.stderr).not.toMatch(/error:/);
  expect(a.code).toBe(0);
  // the journal ties each request to its step, in the order the answers came
  const journal = readFileSync(join(w.dir, '.acns/journal.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { type?: string; method?: string; step?: string });
  const reqs = journal
    .filter((l) => l.type === 'request' && l.method && l.method !== 'GET')
    .map((l) => `${l.method} ${l.step}`);
  const at = (s: string) => {
    const i = reqs.indexOf(s);
    expect(i).toBeGreaterThanOrEqual(0);
    return i;
  };
  expect(reqs).toHaveLength(4);
  expect(at('DELETE delete_nameserver:ns3.example.com')).toBeLessThan(at('POST create_nameserver:ns3.example.com'));
  expect(at('POST create_nameserver:ns3.example.com')).toBeLessThan(at('PATCH assign_zone:legacy.example'));
  expect(at('POST create_nameserver:ns4.example.com')).toBeLessThan(at('PATCH assign_zone:legacy.example'));
  const recreated = w.emu.state.customNs.find((n) => n.ns_name === 'ns3.example.com');
  expect(recreated?.ns_set).toBe(3);
  expect(w.zone('legacy.example')).toEqual({ type: 'custom.account', ns_set: 3 });
  // set 1 still has two names and its zones never left it
  expect(
    w.emu.state.customNs
      .filter((n) => n.ns_set === 1)
      .map((n) => n.ns_name)
      .sort(),
  ).toEqual(['ns1.example.com', 'ns2.example.com']);
  expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
  expect((await w.cli(['plan', '--detailed-exitcode'])).code).toBe(0);
});

test('removing ACNS entirely: zones back to standard, default back, names deleted last', async () => {
  w.writeConfig(`version: 1
account_id: ${ACCOUNT}
zones:
  example.org: standard
  shop.example.org: standard
  113.0.203.in-addr.arpa: standard
  10.113.0.203.in-addr.arpa: standard
account_default: cloudflare.standard
policy:
  prune: true
`);
  const p = await w.cli(['plan', '-o', 'plan.json']);
  expect(p.code).toBe(0);
  expect(p.stdout).toMatch(/Plan: 0 to create, 5 to change, 4 to delete/);
  w.emu.resetLog();
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.stderr).not.toMatch(/error:/);
  expect(a.code).toBe(0);
  const writes = w.writes();
  expect(writes).toHaveLength(9);
  const firstDelete = indexOf(writes, /^DELETE /);
  const lastChange = Math.max(...writes.map((x, i) => (x.startsWith('DELETE') ? -1 : i)));
  expect(lastChange).toBeLessThan(firstDelete);
  expect(writes.slice(firstDelete).every((x) => x.startsWith('DELETE'))).toBe(true);
  expect(w.emu.state.customNs).toEqual([]);
  expect(w.emu.state.accountDefault).toBe('cloudflare.standard');
  for (const z of ['example.org', 'shop.example.org', '113.0.203.in-addr.arpa', '10.113.0.203.in-addr.arpa']) {
    expect(w.zone(z).type).toBe('cloudflare.standard');
  }
  expect((await w.cli(['plan', '--detailed-exitcode'])).code).toBe(0);
});
