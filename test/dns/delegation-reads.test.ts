import { type FakeDnsServer, fakeSoa, startFakeServers, type FakeRecord } from '../../src/dns/fakeserver.js';
import { buildPlan } from '../../src/plan/build.js';
import { addDelegationFindings } from '../../src/plan/delegation.js';
import { readDelegations, readZoneDelegations } from '../../src/dns/delegation-reads.js';
import { desired, live } from '../plan/fixtures.js';

const SET1 = ['ns1.example.com', 'ns2.example.com'];
const CF = ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'];
const ns = (zone: string, names: string[]): FakeRecord[] =>
  names.map((n) => ({ name: zone, type: 'NS' as const, data: n }));

let root: FakeDnsServer;
let org: FakeDnsServer;
let silent: FakeDnsServer;

beforeAll(async () => {
  [root, org] = await startFakeServers([
    {
      host: '127.0.0.1',
      zones: [
        {
          origin: '',
          records: [fakeSoa(''), ...ns('org', ['a.nic.org']), { name: 'a.nic.org', type: 'A', data: '127.0.0.2' }],
        },
      ],
    },
    {
      host: '127.0.0.2',
      zones: [
        {
          origin: 'org',
          records: [
            fakeSoa('org'),
            ...ns('org', ['a.nic.org']),
            { name: 'a.nic.org', type: 'A', data: '127.0.0.2' },
            ...ns('delegated.org', SET1), // switched to set 1, registrar already done
            ...ns('elsewhere.org', CF), // switched to set 1, registrar still on Cloudflare's names
            ...ns('back.org', SET1), // going back to standard, still delegated to the custom names
            ...ns('moved.org', CF), // going back to standard, registrar already moved
          ],
        },
      ],
    },
  ]);
  [silent] = await startFakeServers([
    { host: '127.0.0.1', zones: [{ origin: '', records: [fakeSoa('')] }], knobs: { silent: true } },
  ]);
});
afterAll(async () => {
  await Promise.all([root?.close(), org?.close(), silent?.close()]);
});

function switching() {
  const d = desired({
    sets: { 1: SET1 },
    zones: {
      'delegated.org': 1,
      'elsewhere.org': 1,
      'nowhere.org': 1,
      'back.org': 'standard',
      'moved.org': 'standard',
    },
  });
  const l = live({
    sets: { 1: SET1 },
    zones: {
      'delegated.org': 'standard',
      'elsewhere.org': 'standard',
      'nowhere.org': 'standard',
      'back.org': 1,
      'moved.org': 1,
    },
  });
  return { plan: buildPlan(d, l), live: l, setNames: new Map([[1, SET1]]) };
}

test('reads each switched zone from DNS and the plan says what to do at the registrar', async () => {
  const { plan, live: l, setNames } = switching();
  const findings = await readDelegations(plan, l, setNames, {
    rootServers: [root.address],
    parentServers: [],
    port: root.port,
    timeoutMs: 500,
    retries: 0,
  });
  const by = Object.fromEntries(findings.map((f) => [f.zone, f]));
  expect(Object.keys(by).sort()).toEqual(['back.org', 'delegated.org', 'elsewhere.org', 'moved.org', 'nowhere.org']);
  expect(by['delegated.org']).toMatchObject({
    direction: 'to_custom',
    status: 'delegated',
    nameservers: SET1,
    customNames: SET1,
    stepId: 'assign_zone:delegated.org',
  });
  expect(by['elsewhere.org']).toMatchObject({ direction: 'to_custom', status: 'elsewhere', nameservers: CF });
  expect(by['nowhere.org']).toMatchObject({ direction: 'to_custom', status: 'elsewhere', nameservers: [] });
  expect(by['back.org']).toMatchObject({ direction: 'to_standard', status: 'delegated', customNames: SET1 });
  expect(by['moved.org']).toMatchObject({ direction: 'to_standard', status: 'elsewhere', nameservers: CF });

  const out = addDelegationFindings(plan, findings);
  const notes = out.notes.slice(plan.notes.length);
  expect(notes).toHaveLength(2);
  expect(notes[0]).toMatch(
    /^next step for elsewhere\.org at the registrar of elsewhere\.org: set its NS to ns1\.example\.com, ns2\.ex/,
  );
  expect(notes[1]).toMatch(/^next step for nowhere\.org at the registrar of nowhere\.org/);
  expect(notes.join('\n')).not.toContain('delegated.org');
  expect(out.guards.map((g) => g.id)).toEqual(['delegation:back.org']);
  expect(out.safe).toBe(false);
});

test('zones not switched are not looked up; a set without names is skipped', async () => {
  const d = desired({ sets: { 1: SET1 }, zones: { 'delegated.org': 1, 'moved.org': 'advanced' } });
  const l = live({ sets: { 1: SET1 }, zones: { 'delegated.org': 1, 'moved.org': 'advanced' } });
  const before = org.log.length;
  expect(
    await readDelegations(buildPlan(d, l), l, new Map([[1, SET1]]), {
      rootServers: [root.address],
      parentServers: [],
      port: root.port,
    }),
  ).toEqual([]);
  const p = buildPlan(
    desired({ sets: { 1: SET1 }, zones: { 'elsewhere.org': 1 } }),
    live({ zones: { 'elsewhere.org': 'standard' } }),
  );
  expect(
    await readDelegations(p, live({}), new Map(), { rootServers: [root.address], parentServers: [], port: root.port }),
  ).toEqual([]);
  expect(org.log.length).toBe(before);
});

test('silent DNS: all unknown; zones leaving a set are one guard, zones joining one note', async () => {
  const { plan, live: l, setNames } = switching();
  const ac = new AbortController(); // a live signal shared by many lookups (more than 10 listeners)
  const findings = await readDelegations(plan, l, setNames, {
    rootServers: [silent.address],
    parentServers: [],
    port: silent.port,
    signal: ac.signal,
  });
  expect(findings).toHaveLength(5);
  expect(findings.every((f) => f.status === 'unknown')).toBe(true);
  const out = addDelegationFindings(plan, findings);
  // unknown never passes for a zone leaving a set: one guard for the run, with the named override
  expect(out.guards.map((g) => [g.id, g.override, g.steps])).toEqual([
    ['delegation_unknown:zones', 'delegation_unknown', ['assign_zone:back.org', 'assign_zone:moved.org']],
  ]);
  expect(out.guards[0]!.message).toMatch(
    /^2 zones leave a set .* could not be read from DNS .*: back\.org, moved\.org/,
  );
  expect(out.safe).toBe(false);
  // the zones joining a set: one note for the run with the list, not one long note per zone
  const unread = out.notes.filter((n) => n.startsWith('could not read the delegation of'));
  expect(unread).toHaveLength(1);
  expect(unread[0]).toMatch(
    /^could not read the delegation of 3 zones from DNS .*: delegated\.org, elsewhere\.org, nowhere\.org/,
  );
});

test('readZoneDelegations (drift) reports each zone against its own custom names', async () => {
  const r = await readZoneDelegations(
    [
      { zone: 'delegated.org', customNames: SET1 },
      { zone: 'Elsewhere.org.', customNames: SET1 },
    ],
    { rootServers: [root.address], parentServers: [], port: root.port },
  );
  expect(r.map((x) => [x.zone, x.status, x.customNames])).toEqual([
    ['delegated.org', 'delegated', SET1],
    ['elsewhere.org', 'elsewhere', SET1],
  ]);
  expect(r[1]!.nameservers).toEqual(CF);
});

test('an already aborted run does not wait for DNS', async () => {
  const ac = new AbortController();
  ac.abort();
  const asked = silent.log.length;
  const r = await readZoneDelegations([{ zone: 'delegated.org', customNames: SET1 }], {
    rootServers: [silent.address],
    parentServers: [],
    port: silent.port,
    signal: ac.signal,
  });
  expect(r[0]!.status).toBe('unknown');
  expect(silent.log.length).toBe(asked); // no query was sent
});

test("a zone going back to standard: the guard names the zone's own Cloudflare pair and where to set it", async () => {
  const { plan, live: l, setNames } = switching();
  const findings = await readDelegations(
    plan,
    l,
    setNames,
    { rootServers: [root.address], parentServers: [], port: root.port, timeoutMs: 500, retries: 0 },
    { pairs: new Map([['back.org', ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com']]]) },
  );
  const out = addDelegationFindings(plan, findings);
  const guard = out.guards.find((g) => g.id === 'delegation:back.org')!;
  expect(guard.message).toMatch(
    /at the registrar of back\.org, set its NS to ada\.ns\.cloudflare\.com, bob\.ns\.cloudflare\.com first/,
  );
});
