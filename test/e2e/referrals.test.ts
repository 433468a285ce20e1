/**
 * The referral check end to end, through the CLI against the emulator and the fake DNS hierarchy:
 * what resolvers will get from the parent of a zone joining a set. Stale sibling glue for the set's
 * names (a registry's old host record) and a DS matching no DNSKEY the zone serves are refused (exit
 * 3) — when planning, and when a saved plan is applied after they appeared — with messages naming
 * the zone, the record and the fix.
 */
import type { DnskeyData, DsData } from 'dns-packet';
import { dsDigest, keyTag } from '../../src/dns/dnssec.js';
import type { FakeRecord } from '../../src/dns/fakeserver.js';
import { newZone } from '../../src/emulator/model.js';
import { BASE_CONFIG, seedApplied, startWorld, type World } from './harness.js';

/** A key signed.com does not serve (it serves none): the DS published for it matches nothing. */
const OLD_KEY: DnskeyData = { flags: 257, algorithm: 13, key: Buffer.from('a key signed.com no longer serves') };
/** The registry's stale host record of ns1.example.com: an address that answers, but not for the zones. */
const STALE = '127.0.0.1';

const CONFIG = BASE_CONFIG.replace(
  '  legacy.example: standard\n',
  '  legacy.example: standard\n  stale.com: 1\n  signed.com: 1\n',
);

const ns = (zone: string): FakeRecord[] =>
  ['ns1.example.com', 'ns2.example.com'].map((n) => ({ name: zone, type: 'NS' as const, data: n }));
const ds: FakeRecord = {
  name: 'signed.com',
  type: 'DS',
  data: {
    keyTag: keyTag(OLD_KEY),
    algorithm: OLD_KEY.algorithm,
    digestType: 2,
    digest: dsDigest('signed.com', OLD_KEY, 2)!,
  } satisfies DsData,
};
const staleHost: FakeRecord = { name: 'ns1.example.com', type: 'A', data: STALE };

let w: World;
beforeEach(async () => {
  w = await startWorld();
  seedApplied(w.emu);
  // stale.com joins set 1 from standard; signed.com moves from set 2 (so set 1's addresses serve it already)
  w.emu.state.zones.push(newZone('stale.com', { type: 'cloudflare.standard' }));
  w.emu.state.zones.push(newZone('signed.com', { type: 'custom.account', ns_set: 2 }));
  w.writeConfig(CONFIG);
});
afterEach(() => w.close());

const flat = (s: string): string => s.replace(/\s+/g, ' ');

test('plan: stale sibling glue in a joining zone’s referral is a guard; apply refuses it (exit 3)', async () => {
  w.tldRecords('com', [...ns('stale.com'), staleHost]); // the registrar step done, the registry's host record stale
  const p = await w.cli(['plan']);
  expect(p.code).toBe(0);
  const out = flat(p.stdout);
  expect(out).toMatch(/UNSAFE: apply will refuse this plan/);
  expect(out).toContain(
    '[delegation] the parent of stale.com serves stale glue in its referral: ns1.example.com A 127.0.0.1 ' +
      '(Cloudflare assigned 127.0.0.3) — resolvers use it',
  );
  expect(out).toContain(
    "update the host record of ns1.example.com at the registrar of the names' domain to the addresses " +
      'Cloudflare assigned, then plan again',
  );

  w.emu.resetLog();
  const a = await w.cli(['apply', '--auto-approve']);
  expect(a.code).toBe(3);
  expect(a.stderr).toMatch(/refusing to apply an unsafe plan/);
  expect(w.writes()).toEqual([]);
});

test('plan: a DS matching no DNSKEY of a joining zone is a guard; apply refuses it (exit 3)', async () => {
  w.tldRecords('com', [...ns('signed.com'), ds]);
  const p = await w.cli(['plan']);
  expect(p.code).toBe(0);
  const out = flat(p.stdout);
  expect(out).toContain(
    `[delegation] the DS at the parent for signed.com (key tag ${keyTag(OLD_KEY)}) matches no DNSKEY the zone ` +
      'serves (none): validating resolvers will fail the zone — replace the DS at the registrar with the ' +
      "zone's current one, or remove it; then plan again",
  );
  expect(out).not.toMatch(/stale glue/);

  w.emu.resetLog();
  const a = await w.cli(['apply', '--auto-approve']);
  expect(a.code).toBe(3);
  expect(w.writes()).toEqual([]);
});

test('a saved plan re-checks the referrals before its first write: new problems refuse it', async () => {
  w.tldRecords('com', [...ns('stale.com'), ...ns('signed.com')]); // both delegated to set 1, nothing wrong yet
  const p = await w.cli(['plan', '-o', 'plan.json']);
  expect(p.code).toBe(0);
  expect(p.stdout).not.toMatch(/UNSAFE/);
  expect(p.stdout).toMatch(/~ assign_zone stale\.com/);
  expect(p.stdout).toMatch(/~ assign_zone signed\.com/);

  // meanwhile a DS is published for a key signed.com does not serve: the glue is fine, the switch is not
  w.tldRecords('com', [...ns('stale.com'), ...ns('signed.com'), ds]);
  w.emu.resetLog();
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.code).toBe(3);
  const err = flat(a.stderr);
  expect(err).toContain('error: what DNS says now makes this plan unsafe; nothing was changed:');
  expect(err).toContain(
    `- the DS at the parent for signed.com (key tag ${keyTag(OLD_KEY)}) matches no DNSKEY the zone serves ` +
      "(none): validating resolvers will fail the zone — replace the DS at the registrar with the zone's current " +
      'one, or remove it; then plan again',
  );
  expect(err).not.toMatch(/stale glue/);
  expect(err).toContain('plan again (`acns plan -o <planfile>`)');
  expect(w.writes()).toEqual([]);

  // and the registry serves a stale address for ns1.example.com: every referral naming it carries it
  w.tldRecords('com', [...ns('stale.com'), ...ns('signed.com'), staleHost, ds]);
  const b = await w.cli(['apply', 'plan.json']);
  expect(b.code).toBe(3);
  const err2 = flat(b.stderr);
  expect(err2).toContain(
    '- the parent of stale.com serves stale glue in its referral: ns1.example.com A 127.0.0.1 ' +
      '(Cloudflare assigned 127.0.0.3) — resolvers use it',
  );
  expect(err2).toContain('update the host record of ns1.example.com at the registrar');
  expect(err2).toContain('- the parent of signed.com serves stale glue in its referral');
  expect(err2).toContain('- the DS at the parent for signed.com');
  expect(w.writes()).toEqual([]);
  expect(w.zone('stale.com').type).toBe('cloudflare.standard');
  expect(w.zone('signed.com')).toEqual({ type: 'custom.account', ns_set: 2 });

  // put right at the parent: the same saved plan applies
  w.tldRecords('com', [...ns('stale.com'), ...ns('signed.com')]);
  const again = await w.cli(['apply', 'plan.json']);
  expect(again.stderr).not.toMatch(/error:/);
  expect(again.code).toBe(0);
  expect(w.zone('stale.com')).toEqual({ type: 'custom.account', ns_set: 1 });
  expect(w.zone('signed.com')).toEqual({ type: 'custom.account', ns_set: 1 });
});

test('drift says where a zone on its set is still delegated elsewhere must be changed (its registrar)', async () => {
  // signed.com is on set 2 live and in this file; its parent (com) still names other servers
  w.writeConfig(CONFIG.replace('  signed.com: 1\n', '  signed.com: 2\n'));
  w.tldRecords('com', [
    { name: 'signed.com', type: 'NS', data: 'ns1.elsewhere.net' },
    { name: 'signed.com', type: 'NS', data: 'ns2.elsewhere.net' },
  ]);
  const text = await w.cli(['drift']);
  expect(flat(text.stdout)).toContain(
    'zone signed.com uses its custom set, but its parent still delegates it to ns1.elsewhere.net, ' +
      'ns2.elsewhere.net: next step at the registrar of signed.com: set NS to ',
  );
  const doc = JSON.parse((await w.cli(['drift', '--format', 'json'])).stdout) as {
    delegation: { zone: string; where?: string }[];
  };
  expect(doc.delegation.find((d) => d.zone === 'signed.com')?.where).toBe('at the registrar of signed.com');
});

test('a saved plan: the staleness and DNS re-checks share one read of the nameserver list', async () => {
  w.tldRecords('com', [...ns('stale.com'), ...ns('signed.com')]);
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  w.emu.resetLog();
  expect((await w.cli(['apply', 'plan.json'])).code).toBe(0);
  const log = w.emu.requests();
  const firstWrite = log.findIndex((r) => r.method !== 'GET');
  expect(firstWrite).toBeGreaterThan(0);
  const nameReads = log.slice(0, firstWrite).filter((r) => r.method === 'GET' && /\/custom_ns(\?|$)/.test(r.path));
  // one for the staleness check, shared by the DNS re-check; one by the glue step, which asks for
  // the set as it is at that moment (a name added meanwhile is checked too)
  expect(nameReads).toHaveLength(2);
});
