/** Request order against the emulator for the destructive paths: moving a name, removing ACNS. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
});
afterEach(() => w.close());

test('moving a name between sets: delete before re-create, zones of the old set stay on ≥2 names', async () => {
  // live: set 1 has three names; the file moves ns3.example.com to a new set 3 used by legacy.example
  addLiveNames(w.emu, 1, ['ns3.example.com']);
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
  noMovesRecord(w); // .acns/ kept between runs: the deletion waits only for the delegation's own move
  // while example.com is delegated to ns3.example.com, its deletion (and so its move) is held
  const held = await w.cli(['plan']);
  expect(held.stdout).not.toMatch(/- delete_nameserver ns3\.example\.com/);
  expect(held.stdout).toMatch(/deleting ns3\.example\.com \(set 1\) is held: the parent still delegates example\.com/);
  w.delegate('com', ['ns1.example.com', 'ns2.example.com']); // the registrar step
  // example.com's own delegation moved: resolvers may keep the old one (and ns3 in it) for the apex NS TTL
  const caches = await w.cli(['plan']);
  const flat = caches.stdout.replace(/\s+/g, ' ');
  expect(flat).toMatch(/deleting ns3\.example\.com \(set 1\) is held until [^ ]+: the delegations that named it/);
  expect(flat).toContain("here the apex NS TTL of example.com (86400 s) after example.com's delegation was first seen");
  backdateMoves(w, 86400 + 60); // a day later
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

test('removing ACNS entirely: zones and default first; the names in a later run, once caches expired', async () => {
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
  // run 1: the zones leave their sets: the names stay (parents and caches still name them)
  const p = await w.cli(['plan', '-o', 'plan.json']);
  expect(p.code).toBe(0);
  expect(p.stdout).toMatch(/Plan: 0 to create, 5 to change, 0 to delete/);
  expect(p.stdout).toMatch(/ns1\.example\.com, ns2\.example\.com \(set 1\) is held: zones leave set 1 in this run/);
  w.emu.resetLog();
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.stderr).not.toMatch(/error:/);
  expect(a.code).toBe(0);
  expect(w.writes().every((x) => !x.startsWith('DELETE'))).toBe(true);
  expect(w.emu.state.accountDefault).toBe('cloudflare.standard');
  for (const z of ['example.org', 'shop.example.org', '113.0.203.in-addr.arpa', '10.113.0.203.in-addr.arpa']) {
    expect(w.zone(z).type).toBe('cloudflare.standard');
  }
  const moves = accountRecord<{ moves: { subject: string; set: number; switched_at?: string; moved_at?: string }[] }>(
    w,
    'delegation-moves.json',
  );
  expect(moves.moves.map((m) => `${m.subject} ${m.set}`).sort()).toEqual([
    '10.113.0.203.in-addr.arpa 2',
    '113.0.203.in-addr.arpa 1',
    'example.org 1',
    'shop.example.org 2',
  ]);

  // run 2: the names' domains still list the names: held
  const listed = await w.cli(['plan']);
  expect(listed.stdout).toMatch(
    /deleting ns1\.example\.com, ns2\.example\.com \(set 1\) is held: the parent still delegates example\.com/,
  );
  expect(listed.stdout).toMatch(/No changes in this run: 4 deletions are held/);
  // the names' own A/AAAA TTL was read from their domain's servers (3600 s there) and kept with the moves;
  // the names' domains, seen delegated to the names, are recorded like zones (their TTL is read next run)
  const recorded = accountRecord<{
    moves: { subject: string; set: number; address_ttl?: number; moved_at?: string }[];
  }>(w, 'delegation-moves.json');
  expect(recorded.moves.map((m) => `${m.subject} ${m.set} ${m.address_ttl}`).sort()).toEqual([
    '10.113.0.203.in-addr.arpa 2 3600',
    '113.0.203.in-addr.arpa 1 3600',
    'example.com 1 undefined',
    'example.net 2 undefined',
    'example.org 1 3600',
    'shop.example.org 2 3600',
  ]);

  // the registrar steps: the names' domains move elsewhere; the caches may still hold them for a while
  w.delegate('com', []);
  w.delegate('net', []);
  const caches = await w.cli(['plan']);
  expect(caches.stdout).toMatch(
    /deleting ns1\.example\.com, ns2\.example\.com \(set 1\) is held until \d{4}-\d\d-\d\dT/,
  );
  // the note names the TTL that holds it: the names' domains moved last (in this run), and their
  // delegation is gone from the parent, so its NS TTL could not be read and its default (2 days) counts —
  // longer than the apex NS and address TTLs, counted from the move of the domain that holds the names
  const flat = caches.stdout.replace(/\s+/g, ' ');
  expect(flat).toMatch(/\(set 1\) is held until [^ ]+: .* here the parent's NS TTL of example\.com /);
  expect(flat).toContain("of example.com (172800 s: not read, assumed) after example.com's delegation was first");
  expect(flat).toContain("here the parent's NS TTL of example.net (172800 s: not read, assumed) after example.net's");
  expect(caches.stdout).toMatch(/No changes in this run: 4 deletions are held/);

  // three days later (the records moved back in time): the names go
  backdateMoves(w, 3 * 86400);
  const q = await w.cli(['plan', '-o', 'plan.json']);
  expect(q.stdout).toMatch(/Plan: 0 to create, 0 to change, 4 to delete/);
  w.emu.resetLog();
  const b = await w.cli(['apply', 'plan.json']);
  expect(b.stderr).not.toMatch(/error:/);
  expect(b.code).toBe(0);
  expect(w.writes()).toHaveLength(4);
  expect(w.emu.state.customNs).toEqual([]);
  expect((await w.cli(['plan', '--detailed-exitcode'])).code).toBe(0);
});
