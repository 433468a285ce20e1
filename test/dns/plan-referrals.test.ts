/**
 * The referral check at plan time, against a fake DNS hierarchy: for the zones a plan switches to a
 * set, stale glue resolvers receive in the zone's own referral and a DS matching no DNSKEY are
 * guards; a parent not yet naming the set is the registrar step (a note already), not a problem.
 */
import type { DnskeyData, DsData } from 'dns-packet';
import { DnsCache } from '../../src/dns/cache.js';
import { readDelegations, readReferrals } from '../../src/dns/delegation-reads.js';
import { dsDigest, keyTag } from '../../src/dns/dnssec.js';
import { type FakeDnsServer, type FakeRecord, fakeSoa, startFakeServers } from '../../src/dns/fakeserver.js';
import { buildPlan } from '../../src/plan/build.js';
import {
  addDelegationFindings,
  addReferralFindings,
  type ReferralFinding,
  withoutTakeoverGlue,
} from '../../src/plan/delegation.js';
import type { Plan } from '../../src/plan/types.js';
import { desired, live } from '../plan/fixtures.js';

const SET = ['ns1.hosted.com', 'ns2.hosted.com'];
const CF_PAIR = ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'];
const KEY: DnskeyData = { flags: 257, algorithm: 13, key: Buffer.from('the key the zone serves') };
const OLD_KEY: DnskeyData = { flags: 257, algorithm: 13, key: Buffer.from('a key the zone no longer serves') };

const ns = (zone: string, names: string[]): FakeRecord[] =>
  names.map((n) => ({ name: zone, type: 'NS' as const, data: n }));
const ds = (zone: string, k: DnskeyData): FakeRecord => ({
  name: zone,
  type: 'DS',
  data: { keyTag: keyTag(k), algorithm: k.algorithm, digestType: 2, digest: dsDigest(zone, k, 2)! } satisfies DsData,
});
const served = (zone: string): { origin: string; records: FakeRecord[] } => ({
  origin: zone,
  records: [fakeSoa(zone), ...ns(zone, SET), { name: zone, type: 'DNSKEY', data: KEY }],
});

let servers: FakeDnsServer[];
let root: FakeDnsServer;

beforeAll(async () => {
  servers = await startFakeServers([
    {
      host: '127.0.0.1',
      zones: [{ origin: '', records: [fakeSoa(''), ...ns('com', ['a.nic.com']), a('a.nic.com', '127.0.0.2')] }],
    },
    {
      host: '127.0.0.2',
      zones: [
        {
          origin: 'com',
          records: [
            fakeSoa('com'),
            ...ns('com', ['a.nic.com']),
            a('a.nic.com', '127.0.0.2'),
            // the registry's host record of ns1.hosted.com still has the old provider's address:
            // served as sibling glue in every referral that names it
            a('ns1.hosted.com', '127.0.0.21'),
            ...ns('stale.com', SET), // registrar step done, resolvers get the stale glue
            ...ns('pending.com', CF_PAIR), // registrar step to come: not a problem
            ...ns('signed.com', CF_PAIR), // DS for a key the zone no longer serves
            ds('signed.com', OLD_KEY),
            ...ns('good.com', CF_PAIR),
            ds('good.com', KEY),
          ],
        },
      ],
    },
    { host: '127.0.0.22', zones: ['stale.com', 'pending.com', 'signed.com', 'good.com'].map(served) },
  ]);
  root = servers[0]!;
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function a(name: string, data: string): FakeRecord {
  return { name, type: 'A', data };
}

function scene() {
  const zones = ['stale.com', 'pending.com', 'signed.com', 'good.com'];
  const d = desired({ sets: { 1: SET }, zones: Object.fromEntries(zones.map((z) => [z, 1])) });
  const l = live({ sets: { 1: SET }, zones: Object.fromEntries(zones.map((z) => [z, 'standard' as const])) });
  l.nameservers = SET.map((name) => ({ name, set: 1, ipv4: '127.0.0.22' })); // Cloudflare's addresses
  return { plan: buildPlan(d, l), live: l };
}

test('stale sibling glue and a DS matching no key are guards; a parent not yet on the set is not', async () => {
  const { plan, live: l } = scene();
  const dns = { rootServers: [root.address], parentServers: [], port: root.port, timeoutMs: 500, retries: 0 };
  const cache = new DnsCache();
  const findings = await readDelegations(plan, l, new Map([[1, SET]]), { ...dns, cache });
  const referrals = await readReferrals(plan, findings, l, { ...dns, cache });
  const by = Object.fromEntries(referrals.map((r) => [r.zone, r]));
  expect(Object.keys(by).sort()).toEqual(['good.com', 'pending.com', 'signed.com', 'stale.com']);
  expect(by['stale.com']).toMatchObject({
    nsMatches: true,
    staleGlue: [{ name: 'ns1.hosted.com', type: 'A', address: '127.0.0.21', expected: '127.0.0.22' }],
  });
  expect(by['signed.com']!.ds.status).toBe('mismatch');
  expect(by['good.com']!.ds.status).toBe('ok');
  expect(by['pending.com']).toMatchObject({ nsMatches: false, staleGlue: [], ds: { status: 'unsigned' } });

  const out = addReferralFindings(addDelegationFindings(plan, findings), referrals);
  expect(out.guards.map((g) => `${g.id} ${g.kind}`)).toEqual([
    'delegation:signed.com:ds delegation',
    'delegation:stale.com:glue delegation',
  ]);
  expect(out.guards[1]!.message).toContain(
    'the parent of stale.com serves stale glue in its referral: ns1.hosted.com A 127.0.0.21 (Cloudflare assigned ' +
      '127.0.0.22) — resolvers use it',
  );
  expect(out.guards[0]!.message).toMatch(/DS at the parent for signed\.com .* matches no DNSKEY the zone serves/);
  expect(out.guards.every((g) => g.override === undefined)).toBe(true); // the parent's data must be fixed
  expect(out.safe).toBe(false);
});

test("a run's referral check sends no new NS question its delegation read already asked", async () => {
  const { plan, live: l } = scene();
  const com = servers[1]!;
  const dns = { rootServers: [root.address], parentServers: [], port: root.port, timeoutMs: 500, retries: 0 };
  const udpNs = (): number[] =>
    ['stale.com', 'pending.com', 'signed.com', 'good.com'].map(
      (z) => com.log.filter((q) => q.name === z && q.type === 'NS' && q.transport === 'udp').length,
    );
  com.log.length = 0;
  const cache = new DnsCache();
  const findings = await readDelegations(plan, l, new Map([[1, SET]]), { ...dns, cache });
  // per zone: the walk to the parent's servers (its last step asks the zone's NS), then the read itself
  expect(udpNs()).toEqual([2, 2, 2, 2]);
  await readReferrals(plan, findings, l, { ...dns, cache });
  // only the walk again: the referral check takes the NS answer of the read (then confirms over TCP,
  // as ns1.hosted.com's glue is not Cloudflare's address)
  expect(udpNs()).toEqual([3, 3, 3, 3]);
  // a new run asks again
  await readReferrals(plan, findings, l, { ...dns, cache: new DnsCache() });
  expect(udpNs()).toEqual([5, 5, 5, 5]);
});

describe('addReferralFindings (pure)', () => {
  const plan = (): Plan => scene().plan;
  const finding = (over: Partial<ReferralFinding>): ReferralFinding => ({
    zone: 'pending.com',
    stepId: 'assign_zone:pending.com',
    nsMatches: false,
    staleGlue: [],
    ds: { status: 'unsigned' },
    status: 'failed',
    problems: ['the parent delegates pending.com to ada.ns.cloudflare.com, bob.ns.cloudflare.com'],
    ...over,
  });

  test('the parent not naming the set yet is no guard and no extra note', () => {
    const p = plan();
    const out = addReferralFindings(p, [finding({})]);
    expect(out.guards).toEqual([]);
    expect(out.notes).toEqual(p.notes);
  });

  test("a taken-over zone's glue names the old servers: not stale, also once the names exist on Cloudflare", () => {
    // a re-run after the names were created: Cloudflare's addresses are known and differ from the glue
    const p: Plan = {
      ...plan(),
      takeover: [
        {
          set: 1,
          hostZone: 'hosted.com',
          where: 'at the registrar of hosted.com',
          names: SET.map((name) => ({ name, old: ['127.0.0.21'], new: ['127.0.0.22'] })),
          zones: ['stale.com'],
          checkStep: 'glue_check:1',
          after: ['assign_zone:stale.com'],
          glueTtl: 172800,
        },
      ],
    };
    const oldGlue = { name: 'ns1.hosted.com', type: 'A' as const, address: '127.0.0.21', expected: '127.0.0.22' };
    const taken = finding({
      zone: 'stale.com',
      stepId: 'assign_zone:stale.com',
      nsMatches: true,
      staleGlue: [oldGlue],
    });
    const other = { ...taken, zone: 'good.com', stepId: 'assign_zone:good.com' };
    const out = addReferralFindings(p, [taken, other]);
    // only the zone that is not taken over has stale glue
    expect(out.guards.map((g) => g.id)).toEqual(['delegation:good.com:glue']);
    expect(withoutTakeoverGlue(p, [taken, other]).map((f) => f.staleGlue.length)).toEqual([0, 1]);
    // the takeover explains the glue only: a DS matching no key is a guard all the same
    const signed = { ...taken, ds: { status: 'mismatch' as const, problem: 'the DS at the parent for stale.com …' } };
    expect(addReferralFindings(p, [signed]).guards.map((g) => g.id)).toEqual(['delegation:stale.com:ds']);
  });

  test('not fully checked once the parent names the set: a note, not a guard', () => {
    const out = addReferralFindings(plan(), [
      finding({ nsMatches: true, status: 'could_not_verify', problems: ['no parent server answered pending.com DS'] }),
      finding({ zone: 'other.com', status: 'could_not_verify' }), // parent not on the set: nothing to say yet
    ]);
    expect(out.guards).toEqual([]);
    expect(out.notes.at(-1)).toBe(
      'could not fully check the referral (glue, DS) of 1 zone whose parent already names the set: pending.com ' +
        '(no parent server answered pending.com DS) — acns drift checks it again',
    );
  });
});
