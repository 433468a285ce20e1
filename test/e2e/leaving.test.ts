/**
 * The "leaving a set" rule end to end, against the emulator and the fake DNS hierarchy: a name a
 * parent lists is never deleted (also when a saved plan is applied after the registrar changed),
 * and a delegation DNS cannot tell is a guard with a named override, never a pass.
 */
import { newZone } from '../../src/emulator/model.js';
import {
  ACCOUNT,
  addLiveNames,
  accountRecord,
  backdateMoves,
  noMovesRecord,
  startWorld,
  seedApplied,
  type World,
} from './harness.js';

let w: World;
beforeEach(async () => {
  w = await startWorld();
  seedApplied(w.emu);
  addLiveNames(w.emu, 1, ['ns3.example.com']);
});
afterEach(() => w.close());

const CONFIG = `version: 1
account_id: ${ACCOUNT}
nameserver_sets:
  1:
    names: [ns1.example.com, ns2.example.com]
  2:
    names: [ns1.example.net, ns2.example.net]
    registrar: cloudflare
zones:
  example.org: 1
  shop.example.org: 2
  113.0.203.in-addr.arpa: 1
  10.113.0.203.in-addr.arpa: 2
account_default: custom.account
policy:
  prune: true
`;

test('a name its domain is delegated to is held; after the registrar step and the caches, it goes', async () => {
  w.writeConfig(CONFIG);
  noMovesRecord(w); // .acns/ kept between runs: the deletion waits only for the delegation's own move
  const held = await w.cli(['plan', '--detailed-exitcode']);
  expect(held.code).toBe(0);
  expect(held.stdout).toMatch(
    /deleting ns3\.example\.com \(set 1\) is held: the parent still delegates example\.com to it\. example\.com holds/,
  );
  expect(held.stdout).toMatch(/at the registrar of example\.com/);
  expect(held.stdout).toMatch(/No changes in this run: 1 deletion is held/);
  // the names' domain is recorded like a zone seen listing the name, so that its move is waited for
  const moves = () =>
    accountRecord<{
      moves: { subject: string; set: number; names: string[]; moved_at?: string; parent_ns_ttl?: number }[];
    }>(w, 'delegation-moves.json').moves;
  expect(moves()).toEqual([{ subject: 'example.com', set: 1, names: ['ns3.example.com'] }]);

  // the registrar step: resolvers may keep example.com's old delegation (naming ns3) for a while
  w.delegate('com', ['ns1.example.com', 'ns2.example.com']);
  const caches = await w.cli(['plan', '--detailed-exitcode']);
  expect(caches.code).toBe(0);
  expect(caches.stdout).toMatch(/deleting ns3\.example\.com \(set 1\) is held until \d{4}-\d\d-\d\dT/);
  expect(caches.stdout.replace(/\s+/g, ' ')).toContain("after example.com's delegation was first seen moved at");
  expect(caches.stdout).toMatch(/No changes in this run: 1 deletion is held/);
  expect(moves()[0]).toMatchObject({ subject: 'example.com', moved_at: expect.any(String) });
  expect(moves()[0]!.parent_ns_ttl).toEqual(expect.any(Number)); // read from the com referral

  backdateMoves(w, 2 * 86400 + 60); // two days later: every TTL that may hold it has passed
  const p = await w.cli(['plan', '-o', 'plan.json']);
  expect(p.stdout).toMatch(/- delete_nameserver ns3\.example\.com/);
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.stderr).not.toMatch(/error:/);
  expect(a.code).toBe(0);
  expect(w.emu.state.customNs.some((n) => n.ns_name === 'ns3.example.com')).toBe(false);
});

test('a saved plan is re-read before its first write: a parent listing the name again refuses it', async () => {
  noMovesRecord(w); // .acns/ kept between runs, nothing pending: the deletion is not held
  w.delegate('com', ['ns1.example.com', 'ns2.example.com']);
  w.writeConfig(CONFIG);
  const p = await w.cli(['plan', '-o', 'plan.json']);
  expect(p.stdout).toMatch(/- delete_nameserver ns3\.example\.com/);

  w.delegate('com', ['ns1.example.com', 'ns2.example.com', 'ns3.example.com']); // back at the registrar
  w.emu.resetLog();
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.code).toBe(3);
  expect(a.stderr).toMatch(/error: what DNS says now makes this plan unsafe; nothing was changed/);
  expect(a.stderr).toMatch(/deleting ns3\.example\.com \(set 1\) is held: the parent still delegates example\.com/);
  expect(w.writes()).toEqual([]);
});

test('DNS unreachable: leaving a set is a guard (fail closed); --allow-unknown-delegation applies', async () => {
  w.writeConfig(CONFIG.replace('  example.org: 1\n', '  example.org: standard\n'));
  const blackhole = { ACNS_DNS_ROOT_SERVERS: '127.0.0.9:9' }; // nothing answers there
  const p = await w.cli(['plan'], blackhole);
  expect(p.code).toBe(0);
  expect(p.stdout).toMatch(
    /\[delegation_unknown\] 1 zone leaves a set of custom nameservers, but the delegation could not be read/,
  );
  // the name's deletion waits anyway: zones leave its set in this run
  expect(p.stdout).toMatch(/deleting ns3\.example\.com \(set 1\) is held: zones leave set 1 in this run/);
  expect(p.stdout).toMatch(/override: acns apply --allow-unknown-delegation/);

  w.emu.resetLog();
  const refused = await w.cli(['apply', '--auto-approve'], blackhole);
  expect(refused.code).toBe(3);
  expect(refused.stderr).toMatch(/refusing to apply an unsafe plan/);
  expect(w.writes()).toEqual([]);

  const allowed = await w.cli(['apply', '--auto-approve', '--allow-unknown-delegation'], blackhole);
  expect(allowed.stderr).not.toMatch(/error:/);
  expect(allowed.code).toBe(0);
  expect(w.zone('example.org').type).toBe('cloudflare.standard');
});

test('a zone moved to another set outside acns, its parent still on the old names: deletion held', async () => {
  // customer.com was on set 1 and its parent delegates it there; someone moved it to set 2 in the dashboard,
  // so no record says it left set 1. example.com itself is served by names that are not deleted.
  w.emu.state.customNs = w.emu.state.customNs.filter((n) => n.ns_name !== 'ns3.example.com');
  for (const z of w.emu.state.zones) z.nameservers = { type: 'cloudflare.standard' };
  w.emu.state.zones.push(newZone('customer.com', { type: 'custom.account', ns_set: 2 }));
  w.tldRecords(
    'com',
    ['ns1.example.com', 'ns2.example.com'].map((n) => ({ name: 'customer.com', type: 'NS' as const, data: n })),
  );
  w.delegate('com', ['ns3.example.com', 'ns4.example.com']);
  w.writeConfig(`version: 1
account_id: ${ACCOUNT}
nameserver_sets:
  2:
    names: [ns1.example.net, ns2.example.net]
    registrar: cloudflare
zones:
  customer.com: 2
account_default: custom.account
policy:
  prune: true
`);
  const p = await w.cli(['plan', '--detailed-exitcode']);
  expect(p.code).toBe(0);
  expect(p.stdout).not.toMatch(/- delete_nameserver/);
  expect(p.stdout).toMatch(
    /deleting ns1\.example\.com, ns2\.example\.com \(set 1\) is held: the parent still delegates customer\.com/,
  );
});
