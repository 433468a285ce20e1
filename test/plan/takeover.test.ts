/** Takeover of names already in production: detection, planning and progress, as pure functions. */
import { buildPlan } from '../../src/plan/build.js';
import type { DelegationFinding } from '../../src/plan/delegation.js';
import { encodePlanFile, parsePlanFile } from '../../src/plan/planfile.js';
import {
  addTakeovers,
  judgeTakeover,
  type NameSighting,
  oldAddresses,
  type TakeoverRecord,
  takeoverCandidates,
  takeoverProgress,
} from '../../src/plan/takeover.js';
import type { Plan } from '../../src/plan/types.js';
import { renderPlanMarkdown } from '../../src/render/markdown.js';
import { renderPlanText } from '../../src/render/text.js';
import { desired, live } from './fixtures.js';
import { step, waitsFor } from './helpers.js';

const NAMES = ['ns1.vanity.com', 'ns2.vanity.com'];

function basePlan(): Plan {
  return buildPlan(
    desired({ sets: { 1: NAMES }, zones: { 'a.org': 1, 'b.org': 1, 'c.org': 1 } }),
    live({ zones: { 'a.org': 'standard', 'b.org': 'standard', 'c.org': 'standard' } }),
  );
}

function finding(zone: string, status: DelegationFinding['status'], nameservers: string[]): DelegationFinding {
  return {
    zone,
    stepId: `assign_zone:${zone}`,
    direction: 'to_custom',
    customNames: NAMES,
    status,
    nameservers,
    detail: '',
    nsTtl: 86400,
  };
}

const sightings: NameSighting[] = [
  { name: 'ns1.vanity.com', cloudflare: [], glue: ['198.51.100.1'], answers: ['198.51.100.1'] },
  { name: 'ns2.vanity.com', cloudflare: [], glue: ['198.51.100.2'], answers: ['198.51.100.2'] },
];

describe('detection', () => {
  test('only zones switching to a checked set and delegated to its names today are candidates', () => {
    const plan = basePlan();
    const c = takeoverCandidates(plan, [
      finding('a.org', 'delegated', NAMES),
      finding('b.org', 'elsewhere', ['ns1.vanity.com', 'ns9.other.net']), // still lists one name: in production
      finding('c.org', 'elsewhere', ['kate.ns.cloudflare.com']), // first switch from standard
    ]);
    expect(c.map((x) => [x.set, x.zones.map((z) => z.zone)])).toEqual([[1, ['a.org', 'b.org']]]);
    expect(takeoverCandidates(plan, [finding('a.org', 'unknown', [])])).toEqual([]);
    // without the set's glue check (policy off) there is nothing to take the place of
    const off = buildPlan(
      desired({ sets: { 1: NAMES }, zones: { 'a.org': 1 }, glueCheck: 'off' }),
      live({ zones: { 'a.org': 'standard' } }),
    );
    expect(takeoverCandidates(off, [finding('a.org', 'delegated', NAMES)])).toEqual([]);
  });

  test("a takeover needs glue pointing at other servers than Cloudflare's; missing glue is the ordinary check", () => {
    const zones = [{ glue: [] }];
    expect(oldAddresses(sightings, zones)).toEqual(
      new Map([
        ['ns1.vanity.com', ['198.51.100.1']],
        ['ns2.vanity.com', ['198.51.100.2']],
      ]),
    );
    const cloudflare: NameSighting[] = sightings.map((s) => ({ ...s, cloudflare: s.glue }));
    expect(oldAddresses(cloudflare, zones)).toBeUndefined();
    const missing: NameSighting[] = sightings.map((s) => ({ ...s, glue: [] }));
    expect(oldAddresses(missing, zones)).toBeUndefined();
    // a registry's host record served as sibling glue in a zone's referral counts as glue
    const sibling = [{ glue: [{ name: 'ns1.vanity.com', type: 'A' as const, address: '203.0.113.7' }] }];
    expect(oldAddresses(missing, sibling)?.get('ns1.vanity.com')).toEqual(['198.51.100.1', '203.0.113.7']);
  });

  test('safe only when the old servers answer every zone with authority; unknown never passes', () => {
    const c = takeoverCandidates(basePlan(), [
      finding('a.org', 'delegated', NAMES),
      finding('b.org', 'delegated', NAMES),
    ])[0]!;
    const old = oldAddresses(sightings, c.zones)!;
    const ok = { status: 'ok' as const, problems: [] };
    expect(
      judgeTakeover(c, sightings, old, [
        { zone: 'a.org', ...ok },
        { zone: 'b.org', ...ok },
      ]).state,
    ).toBe('safe');
    const lame = { zone: 'b.org', status: 'failed' as const, problems: ['198.51.100.2: answers b.org SOA REFUSED'] };
    const unsafe = judgeTakeover(c, sightings, old, [{ zone: 'a.org', ...ok }, lame]);
    expect(unsafe.state).toBe('unsafe');
    expect(unsafe.problems).toEqual(['b.org: 198.51.100.2: answers b.org SOA REFUSED']);
    const silent = { zone: 'b.org', status: 'could_not_verify' as const, problems: ['198.51.100.2: timeout'] };
    expect(judgeTakeover(c, sightings, old, [{ zone: 'a.org', ...ok }, silent]).state).toBe('unknown');
    expect(judgeTakeover(c, sightings, old, [{ zone: 'a.org', ...ok }]).state).toBe('unknown');
  });
});

describe('planning', () => {
  const place = { hostZone: 'vanity.com', where: 'at the registrar of vanity.com', nsTtl: 172800 };
  function planned(state: 'safe' | 'unsafe' | 'unknown'): Plan {
    const plan = basePlan();
    const c = takeoverCandidates(plan, [
      finding('a.org', 'delegated', NAMES),
      finding('b.org', 'delegated', NAMES),
    ])[0]!;
    const v = judgeTakeover(
      c,
      sightings,
      oldAddresses(sightings, c.zones)!,
      c.zones.map((z) => ({
        zone: z.zone,
        status: state === 'safe' ? 'ok' : state === 'unsafe' ? 'failed' : 'could_not_verify',
        problems: state === 'safe' ? [] : ['198.51.100.2: answers without AA=1'],
      })),
    );
    return addTakeovers(plan, [{ verdict: v, place }]);
  }

  test('a safe takeover: the check proves the old servers, the switches wait for it, the re-point comes after', () => {
    const plan = planned('safe');
    expect(plan.safe).toBe(true);
    const check = step(plan, 'glue_check:1');
    expect(check.reasonCode).toBe('glue_takeover');
    expect(check.reason).toMatch(/a\.org, b\.org are delegated to ns1\.vanity\.com, ns2\.vanity\.com today/);
    expect(waitsFor(plan, 'assign_zone:a.org', 'glue_check:1')).toBe(true);
    expect(plan.takeover).toEqual([
      {
        set: 1,
        hostZone: 'vanity.com',
        where: 'at the registrar of vanity.com',
        names: [
          { name: 'ns1.vanity.com', old: ['198.51.100.1'], new: [] },
          { name: 'ns2.vanity.com', old: ['198.51.100.2'], new: [] },
        ],
        zones: ['a.org', 'b.org'],
        checkStep: 'glue_check:1',
        after: ['assign_zone:a.org', 'assign_zone:b.org'],
        glueTtl: 172800,
      },
    ]);
    // c.org is not delegated to the names: it is not part of the takeover, and nothing waits on it
    expect(plan.notes.some((n) => /^takeover of set 1, once the switches are applied/.test(n))).toBe(true);
    expect(plan.notes.some((n) => /for 172800 s \(2 days, the glue TTL\) after the glue is re-pointed/.test(n))).toBe(
      true,
    );
    const text = renderPlanText(plan, { colour: false });
    expect(text.indexOf('2. switch the zones')).toBeLessThan(text.indexOf('3. after apply, at the registrar'));
  });

  test('the Markdown view (pull-request comments) shows the same order, no glue to publish before the switch', () => {
    const plan = planned('safe');
    const md = renderPlanMarkdown(plan);
    expect(md).toContain(
      '#### Takeover of set 1 (ns1.vanity.com, ns2.vanity.com): the zones are delegated to these names today, ' +
        'served by 198.51.100.1, 198.51.100.2',
    );
    const steps = [
      '1. create the names; glue_check:1 proves 198.51.100.1, 198.51.100.2 still answer a.org, b.org with authority',
      '2. switch the zones (assign_zone:a.org, assign_zone:b.org)',
      '3. after apply, at the registrar of vanity.com: re-point the glue of ns1.vanity.com, ns2.vanity.com ' +
        "(and their A/AAAA records) to Cloudflare's addresses",
      '4. keep 198.51.100.1, 198.51.100.2 answering with authority for 172800 s after that (the glue TTL)',
    ];
    const at = steps.map((l) => md.indexOf(l));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // registering Cloudflare's addresses before the switches would send the zones to servers not serving them yet
    expect(md).not.toContain('Glue to publish before zones switch');
  });

  test('old servers not answering: takeover guard, no override; unknown: delegation_unknown', () => {
    const unsafe = planned('unsafe');
    expect(unsafe.safe).toBe(false);
    const g = unsafe.guards.find((x) => x.id === 'takeover:1')!;
    expect(g.kind).toBe('takeover');
    expect(g.override).toBeUndefined();
    expect(g.message).toMatch(/make the old servers answer each zone with authority/);
    expect(g.steps).toEqual(['glue_check:1', 'assign_zone:a.org', 'assign_zone:b.org']);
    expect(unsafe.takeover).toBeUndefined();

    const unknown = planned('unknown');
    const u = unknown.guards.find((x) => x.id === 'delegation_unknown:takeover:1')!;
    expect(u.kind).toBe('delegation_unknown');
    expect(u.override).toBe('delegation_unknown');
  });

  test('the takeover, its reason code and guard kind pass the plan schema and round-trip', () => {
    for (const plan of [planned('safe'), planned('unsafe')]) {
      const meta = { toolVersion: '0.1.0', createdAt: '2025-01-01T00:00:00.000Z' };
      const saved = parsePlanFile(encodePlanFile(plan, meta), 'plan.json');
      expect(saved.plan.takeover).toEqual(plan.takeover);
      expect(saved.plan.guards).toEqual(plan.guards);
      expect(saved.plan.steps).toEqual(plan.steps);
    }
  });
});

describe('progress of the registrar step', () => {
  const rec: TakeoverRecord = {
    set: 1,
    hostZone: 'vanity.com',
    names: [
      { name: 'ns1.vanity.com', old: ['198.51.100.1'] },
      { name: 'ns2.vanity.com', old: ['198.51.100.2'] },
    ],
    zones: ['a.org'],
    switchedAt: '2025-01-01T00:00:00.000Z',
    glueTtl: 3600,
    repointed: [],
  };
  const now = (ns1: 'old' | 'new', ns2: 'old' | 'new') => [
    {
      name: 'ns1.vanity.com',
      ok: ns1 === 'new',
      seen: [ns1 === 'new' ? '192.0.2.1' : '198.51.100.1'],
      cloudflare: ['192.0.2.1'],
    },
    {
      name: 'ns2.vanity.com',
      ok: ns2 === 'new',
      seen: [ns2 === 'new' ? '192.0.2.2' : '198.51.100.2'],
      cloudflare: ['192.0.2.2'],
    },
  ];
  const t0 = new Date('2025-01-02T00:00:00.000Z');
  const t1 = new Date('2025-01-02T00:30:00.000Z');

  test('glue still old: expected, the next step is the registrar', () => {
    const { progress, record } = takeoverProgress(rec, now('old', 'old'), t0);
    expect(progress.state).toBe('old');
    expect(progress.explained).toBe(true);
    expect(progress.message).toMatch(
      /still points at the old servers .* expected; next step: re-point it at the registrar of vanity\.com/,
    );
    expect(record.repointed).toEqual([]);
  });

  test('mixed is a warning during a takeover; all re-pointed: hold until the last sighting plus the glue TTL', () => {
    const first = takeoverProgress(rec, now('new', 'old'), t0);
    expect(first.progress.state).toBe('mixed');
    expect(first.progress.explained).toBe(true);
    expect(first.record.repointed).toEqual([{ name: 'ns1.vanity.com', at: t0.toISOString() }]);
    const second = takeoverProgress(first.record, now('new', 'new'), t1);
    expect(second.progress.state).toBe('repointed');
    // ns1's first sighting is kept; the hold runs from the last name's
    expect(second.record.repointed).toEqual([
      { name: 'ns1.vanity.com', at: t0.toISOString() },
      { name: 'ns2.vanity.com', at: t1.toISOString() },
    ]);
    expect(second.progress.until).toBe('2025-01-02T01:30:00.000Z');
    expect(second.progress.done).toBeUndefined();
    expect(second.progress.message).toMatch(
      /keep the old servers \(198\.51\.100\.1, 198\.51\.100\.2\) answering with authority until 2025-01-02T01:30/,
    );
    const later = takeoverProgress(second.record, now('new', 'new'), new Date('2025-01-02T02:00:00.000Z'));
    expect(later.progress.done).toBe(true);
    expect(later.progress.message).toMatch(/can be retired/);
  });

  test('a name seen on the old addresses again loses its sighting; a name on neither is not explained', () => {
    const first = takeoverProgress(rec, now('new', 'old'), t0);
    const back = takeoverProgress(first.record, now('old', 'old'), t1);
    expect(back.progress.state).toBe('old');
    expect(back.record.repointed).toEqual([]);
    const odd = takeoverProgress(
      rec,
      [{ name: 'ns1.vanity.com', ok: false, seen: ['203.0.113.9'], cloudflare: [] }],
      t0,
    );
    expect(odd.progress.explained).toBe(false);
  });
});
