/**
 * The "leaving a set" rule against fake DNS servers: a name is never deleted while a zone's parent
 * still lists it (a third name pruned from a set in use; the names of a set the zones left in an
 * earlier run), the deletion then waits for the parent's NS TTL read from the referral, and a
 * delegation that cannot be read is a guard, never a pass.
 */
import type { LiveState } from '../../src/state/types.js';
import { type FakeDnsServer, type FakeRecord, fakeSoa, startFakeServers } from '../../src/dns/fakeserver.js';
import { readLeaving } from '../../src/dns/delegation-reads.js';
import type { GlueCheckOptions } from '../../src/dns/glue.js';
import { leavingContext } from '../../src/operations/leaving.js';
import { buildPlan } from '../../src/plan/build.js';
import { type DelegationMove, evaluateLeaving, leavingQuestions } from '../../src/plan/leaving.js';
import type { Plan } from '../../src/plan/types.js';
import { desired, live } from '../plan/fixtures.js';

const S1 = ['ns1.example.com', 'ns2.example.com'];
const S2 = ['ns1.example.net', 'ns2.example.net'];
const NS3 = 'ns3.example.com';
/** The parent's NS TTL for the .org zones: longer than every default, so it must come from the referral. */
const ORG_NS_TTL = 259_200;

const ns = (name: string, data: string, ttl?: number): FakeRecord => ({ name, type: 'NS', data, ttl });
const a = (name: string, data: string): FakeRecord => ({ name, type: 'A', data });

let root: FakeDnsServer;
let tld: FakeDnsServer;

/** The registrar's view: which names .org lists for each zone. */
function delegate(zones: Record<string, string[]>): void {
  tld.setRecords('org', [
    fakeSoa('org'),
    ns('org', 'a.nic.org'),
    ...Object.entries(zones).flatMap(([zone, names]) => names.map((n) => ns(zone, n, ORG_NS_TTL))),
  ]);
}

beforeAll(async () => {
  [root, tld] = (await startFakeServers([
    {
      host: '127.0.0.1',
      zones: [
        {
          origin: '',
          records: [
            fakeSoa(''),
            ns('org', 'a.nic.org'),
            a('a.nic.org', '127.0.0.2'),
            ns('com', 'a.nic.com'),
            a('a.nic.com', '127.0.0.2'),
          ],
        },
      ],
    },
    {
      host: '127.0.0.2',
      zones: [
        // the names' own domain is served elsewhere: only the zones' parents can hold a deletion here
        { origin: 'com', records: [fakeSoa('com'), ns('com', 'a.nic.com'), ns('example.com', 'ns.dns-host.net')] },
      ],
    },
  ])) as [FakeDnsServer, FakeDnsServer];
});
afterAll(async () => {
  await Promise.all([root.close(), tld.close()]);
});
afterEach(() => {
  tld.knobs = {};
});

const dns = (): GlueCheckOptions => ({
  rootServers: [root.address],
  parentServers: [],
  port: root.port,
  timeoutMs: 300,
  retries: 0,
  deadlineMs: 400,
});

/** What plan does: ask the questions of the plan's deletions, read them from DNS, decide. */
async function leaving(plan: Plan, state: LiveState, moves: DelegationMove[], now: Date) {
  const ctx = leavingContext(state, moves);
  const reads = await readLeaving(leavingQuestions(plan, ctx), dns());
  return evaluateLeaving(plan, ctx, reads, now);
}

describe('a third name pruned from a set in use', () => {
  const state = live({ sets: { 1: [...S1, NS3] }, zones: { 'example.org': 1 } });
  const plan = buildPlan(desired({ sets: { 1: S1 }, zones: { 'example.org': 1 }, prune: true }), state, {});

  test('is held while the zone’s parent still lists it', async () => {
    expect(plan.steps.map((s) => s.id)).toEqual([`delete_nameserver:${NS3}`]);
    delegate({ 'example.org': [...S1, NS3] });
    const v = await leaving(plan, state, [], new Date());
    expect(v.guards).toEqual([]);
    expect(v.hold.map((h) => [h.name, h.cause])).toEqual([[NS3, 'listed']]);
    expect(v.hold[0]!.message).toContain(
      `deleting ${NS3} (set 1) is held: the parent still delegates example.org to it`,
    );
    expect(v.hold[0]!.message).toContain('at the registrar of example.org');
  });

  test('goes ahead once the parent lists only the names that stay', async () => {
    delegate({ 'example.org': S1 });
    const v = await leaving(plan, state, [], new Date());
    expect(v).toMatchObject({ hold: [], guards: [] });
  });

  test('a parent that cannot be read is a guard with the override, never a pass', async () => {
    tld.knobs = { silent: true };
    const v = await leaving(plan, state, [], new Date());
    expect(v.hold).toEqual([]);
    expect(v.guards.map((g) => [g.id, g.override, g.steps])).toEqual([
      ['delegation_unknown:names', 'delegation_unknown', [`delete_nameserver:${NS3}`]],
    ]);
    expect(v.guards[0]!.message).toContain(`cannot tell whether a parent still delegates to ${NS3} (set 1)`);
  });
});

describe('the names of a set two zones left in an earlier run', () => {
  const now = new Date('2026-12-01T12:00:00.000Z');
  const switchedAt = new Date(now.getTime() - 2 * 86_400_000).toISOString();
  const state = live({ sets: { 1: S1, 2: S2 }, zones: { 'example.org': 2, 'shop.org': 2 } });
  const plan = buildPlan(
    desired({ sets: { 2: S2 }, zones: { 'example.org': 2, 'shop.org': 2 }, prune: true }),
    state,
    {},
  );
  const moves: DelegationMove[] = ['example.org', 'shop.org'].map((subject) => ({
    subject,
    set: 1,
    names: S1,
    switchedAt,
  }));

  test('are held while .org still delegates the zones to them', async () => {
    expect(plan.steps.map((s) => s.id)).toEqual(S1.map((n) => `delete_nameserver:${n}`));
    delegate({ 'example.org': S1, 'shop.org': S1 });
    const v = await leaving(plan, state, moves, now);
    expect(v.guards).toEqual([]);
    expect(v.hold.map((h) => [h.name, h.cause])).toEqual(S1.map((n) => [n, 'listed']));
    expect(v.hold[0]!.message).toContain(
      'deleting ns1.example.com, ns2.example.com (set 1) is held: the parent still delegates example.org, shop.org',
    );
    expect(v.moves.every((m) => m.movedAt === undefined)).toBe(true);
  });

  test('once the registrar moved them: held until the parent NS TTL read from the referral has passed', async () => {
    delegate({ 'example.org': S2, 'shop.org': S2 });
    const v = await leaving(plan, state, moves, now);
    const until = new Date(now.getTime() + ORG_NS_TTL * 1000).toISOString();
    expect(v.guards).toEqual([]);
    expect(v.hold.map((h) => [h.name, h.cause, h.until])).toEqual(S1.map((n) => [n, 'caches', until]));
    expect(v.moves.map((m) => [m.subject, m.movedAt, m.parentNsTtl])).toEqual([
      ['example.org', now.toISOString(), ORG_NS_TTL],
      ['shop.org', now.toISOString(), ORG_NS_TTL],
    ]);

    const later = new Date(Date.parse(until) + 1000);
    const after = await leaving(plan, state, v.moves, later);
    expect(after).toMatchObject({ hold: [], guards: [] });
  });
});
