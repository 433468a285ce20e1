import { buildPlan } from '../../src/plan/build.js';
import { desired, live } from './fixtures.js';
import { guardKinds, ids, step, waitsFor } from './helpers.js';

const S1 = ['ns1.example.com', 'ns2.example.com'];
const S2 = ['ns1.example.net', 'ns2.example.net'];

describe('buildPlan', () => {
  test('a fresh account: create names → glue check → zones → default', () => {
    const d = desired({
      sets: { 1: S1 },
      zones: { 'example.org': 1, 'legacy.example': 'standard' },
      accountDefault: 'custom.account',
    });
    const l = live({
      zones: { 'example.org': 'standard', 'legacy.example': 'standard' },
      accountDefault: 'cloudflare.standard',
    });
    const p = buildPlan(d, l, {});
    expect(ids(p)).toEqual([
      'create_nameserver:ns1.example.com',
      'create_nameserver:ns2.example.com',
      'glue_check:1',
      'assign_zone:example.org',
      'set_account_default',
    ]);
    expect(step(p, 'glue_check:1').dependsOn).toEqual([
      'create_nameserver:ns1.example.com',
      'create_nameserver:ns2.example.com',
    ]);
    expect(step(p, 'assign_zone:example.org').dependsOn).toEqual([
      ...step(p, 'glue_check:1').dependsOn,
      'glue_check:1',
    ]);
    expect(step(p, 'set_account_default').dependsOn).toContain('glue_check:1');
    const z = step(p, 'assign_zone:example.org');
    expect(z.before).toEqual({ type: 'cloudflare.standard' });
    expect(z.after).toEqual({ type: 'custom.account', set: 1 });
    expect(z.zoneId).toBe(l.zones[0].id);
    expect(z.source).toBe('acns.yaml:7');
    expect(z.reason).toBe('zone example.org uses set 1 in acns.yaml:7 but standard nameservers live');
    expect(z.class).toBe('config');
    expect(step(p, 'create_nameserver:ns1.example.com').source).toBe('acns.yaml:4');
    expect(p.summary).toEqual({ create: 2, change: 2, delete: 0, checks: 1 });
    expect(p.safe).toBe(true);
    expect(p.glue).toEqual([
      {
        set: 1,
        registrar: 'external',
        hostZone: 'example.com',
        names: [{ name: 'ns1.example.com' }, { name: 'ns2.example.com' }],
      },
    ]);
  });

  test('a no-change plan is empty and safe', () => {
    const d = desired({
      sets: { 1: S1 },
      zones: { 'example.org': 1, 'big.example': 'advanced' },
      accountDefault: 'custom.account',
    });
    const l = live({
      sets: { 1: S1 },
      zones: { 'example.org': 1, 'big.example': 'advanced' },
      accountDefault: 'custom.account',
    });
    const p = buildPlan(d, l, {});
    expect(p.steps).toEqual([]);
    expect(p.summary).toEqual({ create: 0, change: 0, delete: 0, checks: 0 });
    expect(p.safe).toBe(true);
    expect(p.glue).toEqual([]);
  });

  test('advanced in the file never flips a zone, whatever it uses live', () => {
    const d = desired({ sets: { 1: S1 }, zones: { 'big.example': 'advanced' } });
    const p = buildPlan(d, live({ sets: { 1: S1 }, zones: { 'big.example': 'standard' } }), {});
    expect(p.steps).toEqual([]);
  });

  test('adding a set: glue check only for the set zones switch to, not for a set whose zones are on it', () => {
    const d = desired({ sets: { 1: S1, 2: S2 }, zones: { 'example.org': 1, 'shop.example.org': 2 } });
    const l = live({ sets: { 1: S1 }, zones: { 'example.org': 1, 'shop.example.org': 'standard' } });
    const p = buildPlan(d, l, {});
    expect(ids(p)).toEqual([
      'create_nameserver:ns1.example.net',
      'create_nameserver:ns2.example.net',
      'glue_check:2',
      'assign_zone:shop.example.org',
    ]);
    expect(p.glue.map((g) => g.set)).toEqual([2]);
  });

  test('glue check for an existing set carries the live addresses', () => {
    const d = desired({ sets: { 1: S1 }, zones: { 'example.org': 1 } });
    const p = buildPlan(d, live({ sets: { 1: S1 }, zones: { 'example.org': 'standard' } }), {});
    expect(ids(p)).toEqual(['glue_check:1', 'assign_zone:example.org']);
    expect(p.glue[0].names[0]).toEqual({ name: 'ns1.example.com', ipv4: '192.0.2.1', ipv6: '2001:db8::1' });
  });

  test('glue_check off: no check steps, a note says so', () => {
    const d = desired({ sets: { 1: S1 }, zones: { 'example.org': 1 }, glueCheck: 'off' });
    const p = buildPlan(d, live({ zones: { 'example.org': 'standard' } }), {});
    expect(ids(p)).toEqual([
      'create_nameserver:ns1.example.com',
      'create_nameserver:ns2.example.com',
      'assign_zone:example.org',
    ]);
    expect(p.summary.checks).toBe(0);
    expect(p.notes.join('\n')).toMatch(/glue checks are off.*set 1/);
  });

  test('growing a set in use creates the name, then checks its glue (listed in every zone at once)', () => {
    const d = desired({ sets: { 1: [...S1, 'ns3.example.com'] }, zones: { 'example.org': 1 } });
    const p = buildPlan(d, live({ sets: { 1: S1 }, zones: { 'example.org': 1 } }), {});
    expect(ids(p)).toEqual(['create_nameserver:ns3.example.com', 'glue_check:1']);
    expect(step(p, 'glue_check:1').reasonCode).toBe('glue_set_grows');
    expect(step(p, 'glue_check:1').dependsOn).toEqual(['create_nameserver:ns3.example.com']);
    expect(step(p, 'glue_check:1').reason).toMatch(/every zone's apex NS at once/);
  });

  test('moving a name into a set in use: re-created there, then that set is glue-checked', () => {
    const d = desired({
      sets: { 1: S1, 2: [...S2, 'ns3.example.com'] },
      zones: { 'example.org': 1, 'other.example': 2 },
      prune: true,
    });
    const l = live({ sets: { 1: [...S1, 'ns3.example.com'], 2: S2 }, zones: { 'example.org': 1, 'other.example': 2 } });
    const p = buildPlan(d, l, {});
    expect(ids(p)).toEqual(['delete_nameserver:ns3.example.com', 'create_nameserver:ns3.example.com', 'glue_check:2']);
    expect(step(p, 'glue_check:2').reasonCode).toBe('glue_set_grows');
    expect(step(p, 'glue_check:2').dependsOn).toEqual(['create_nameserver:ns3.example.com']);
  });

  test('growing a set nothing uses needs no glue check', () => {
    const d = desired({ sets: { 1: [...S1, 'ns3.example.com'] }, zones: { 'example.org': 'standard' } });
    const p = buildPlan(d, live({ sets: { 1: S1 }, zones: { 'example.org': 'standard' } }), {});
    expect(ids(p)).toEqual(['create_nameserver:ns3.example.com']);
  });

  test('shrinking a set (prune on) to 2 names deletes freely; zones stay', () => {
    const d = desired({ sets: { 1: S1 }, zones: { 'example.org': 1 }, prune: true });
    const p = buildPlan(d, live({ sets: { 1: [...S1, 'ns3.example.com'] }, zones: { 'example.org': 1 } }), {});
    expect(ids(p)).toEqual(['delete_nameserver:ns3.example.com']);
    expect(step(p, 'delete_nameserver:ns3.example.com').dependsOn).toEqual([]);
    expect(step(p, 'delete_nameserver:ns3.example.com').source).toBeUndefined();
    expect(p.safe).toBe(true);
  });

  test('prune off: undeclared live names are reported as unmanaged, never deleted', () => {
    const d = desired({ sets: { 1: S1 }, zones: { 'example.org': 1 } });
    const p = buildPlan(d, live({ sets: { 1: [...S1, 'ns3.example.com'] }, zones: { 'example.org': 1 } }), {});
    expect(p.steps).toEqual([]);
    expect(p.unmanaged.nameservers.map((n) => n.name)).toEqual(['ns3.example.com']);
  });

  test('moving a name to another set: delete, then re-create; the old set keeps ≥2 names throughout', () => {
    const d = desired({
      sets: { 1: ['ns1.example.com', 'ns2.example.com', 'ns4.example.com'], 2: ['ns3.example.com', 'ns1.example.net'] },
      zones: { 'example.org': 1, 'other.example': 2 },
    });
    const l = live({
      sets: { 1: ['ns1.example.com', 'ns2.example.com', 'ns3.example.com'] },
      zones: { 'example.org': 1, 'other.example': 'standard' },
    });
    const p = buildPlan(d, l, {});
    expect(waitsFor(p, 'create_nameserver:ns3.example.com', 'delete_nameserver:ns3.example.com')).toBe(true);
    expect(waitsFor(p, 'assign_zone:other.example', 'create_nameserver:ns3.example.com')).toBe(true);
    expect(waitsFor(p, 'assign_zone:other.example', 'glue_check:2')).toBe(true);
    // set 1 keeps ns1+ns2 while ns3 leaves: the deletion does not wait for anything
    expect(step(p, 'delete_nameserver:ns3.example.com').dependsOn).toEqual([]);
    expect(step(p, 'delete_nameserver:ns3.example.com').reason).toMatch(
      /set 1 live but set 2 in acns\.yaml:\d+: a name cannot change set/,
    );
    expect(p.safe).toBe(true);
  });

  test('moving a name out of a 2-name set in use: the replacement is created first', () => {
    const d = desired({
      sets: { 1: ['ns1.example.com', 'ns9.example.com'], 2: ['ns2.example.com', 'ns1.example.net'] },
      zones: { 'example.org': 1 },
    });
    const l = live({ sets: { 1: S1 }, zones: { 'example.org': 1 } });
    const p = buildPlan(d, l, {});
    expect(waitsFor(p, 'delete_nameserver:ns2.example.com', 'create_nameserver:ns9.example.com')).toBe(true);
    expect(waitsFor(p, 'create_nameserver:ns2.example.com', 'delete_nameserver:ns2.example.com')).toBe(true);
    expect(p.safe).toBe(true);
  });

  test('a swap between two full sets in use cannot be ordered: a guard, still a complete plan', () => {
    const d = desired({
      sets: { 1: ['ns1.example.com', 'ns1.example.net'], 2: ['ns2.example.com', 'ns2.example.net'] },
      zones: { 'example.org': 1, 'example.net': 2 },
    });
    const l = live({ sets: { 1: S1, 2: S2 }, zones: { 'example.org': 1, 'example.net': 2 } });
    const p = buildPlan(d, l, {});
    // 2 deletes, 2 re-creates, and the glue checks of both sets (each loses names while a zone stays on it)
    expect(p.steps).toHaveLength(6);
    expect(p.safe).toBe(false);
    expect(guardKinds(p)).toEqual(['ordering']);
    expect(p.guards[0].steps).toHaveLength(6);
    expect(p.guards[0].message).toMatch(/split the change over two runs/);
  });

  test('a full set whose names are replaced alternates removals and additions (never 6 names, never below 2)', () => {
    const five = ['ns1.x.test', 'ns2.x.test', 'ns3.x.test', 'ns4.x.test', 'ns5.x.test'];
    const d = desired({ sets: { 1: ['ns6.x.test', 'ns7.x.test'] }, zones: { 'example.org': 1 }, prune: true });
    const p = buildPlan(d, live({ sets: { 1: five }, zones: { 'example.org': 1 } }), {});
    expect(p.safe).toBe(true);
    // simulate the order apply may take: every step only after its dependencies
    const count = simulateSetSize(p, 5);
    expect(Math.max(...count)).toBeLessThanOrEqual(5);
    expect(Math.min(...count)).toBeGreaterThanOrEqual(2);
    // the first addition needs room: one removal goes first
    expect(step(p, 'create_nameserver:ns6.x.test').dependsOn).toEqual(['delete_nameserver:ns1.x.test']);
    // the remaining removals wait for the last addition and for the glue of the new names
    expect(waitsFor(p, 'delete_nameserver:ns5.x.test', 'create_nameserver:ns7.x.test')).toBe(true);
    expect(waitsFor(p, 'delete_nameserver:ns5.x.test', 'glue_check:1')).toBe(true);
  });

  test('one name swapped in a full set: the removal goes first, then the addition', () => {
    const five = ['ns1.x.test', 'ns2.x.test', 'ns3.x.test', 'ns4.x.test', 'ns5.x.test'];
    const d = desired({
      sets: { 1: ['ns1.x.test', 'ns2.x.test', 'ns3.x.test', 'ns4.x.test', 'ns6.x.test'] },
      zones: { 'example.org': 1 },
      prune: true,
    });
    const p = buildPlan(d, live({ sets: { 1: five }, zones: { 'example.org': 1 } }), {});
    expect(step(p, 'create_nameserver:ns6.x.test').dependsOn).toEqual(['delete_nameserver:ns5.x.test']);
    expect(ids(p).indexOf('delete_nameserver:ns5.x.test')).toBeLessThan(ids(p).indexOf('create_nameserver:ns6.x.test'));
  });

  test('a custom.account default uses the sets: its only set is not emptied before a new one is ready', () => {
    const d = desired({
      sets: { 2: ['ns3.example.net', 'ns4.example.net'] },
      accountDefault: 'custom.account',
      prune: true,
    });
    const p = buildPlan(d, live({ sets: { 1: S1 }, accountDefault: 'custom.account' }), {});
    // set 2 becomes the default's fallback: its glue is checked, and set 1 goes only after that
    expect(ids(p)).toContain('glue_check:2');
    for (const n of S1) {
      expect(waitsFor(p, `delete_nameserver:${n}`, 'create_nameserver:ns3.example.net')).toBe(true);
      expect(waitsFor(p, `delete_nameserver:${n}`, 'glue_check:2')).toBe(true);
    }
  });

  test('parent and child zones never share a set midway: the joiner waits for the leaver; a swap is a guard', () => {
    const sets = { 1: S1, 2: S2, 3: ['ns1.example.io', 'ns2.example.io'] };
    // child leaves set 2 for standard, parent joins set 2: the parent waits for the child
    const d = desired({ sets, zones: { 'a.test': 2, 'z.a.test': 'standard' } });
    const p = buildPlan(d, live({ sets, zones: { 'a.test': 1, 'z.a.test': 2 } }), {});
    expect(p.safe).toBe(true);
    expect(waitsFor(p, 'assign_zone:a.test', 'assign_zone:z.a.test')).toBe(true);
    // a true swap cannot be ordered without sharing a set for a moment
    const swap = buildPlan(
      desired({ sets, zones: { 'p.test': 2, 'c.p.test': 1 } }),
      live({ sets, zones: { 'p.test': 1, 'c.p.test': 2 } }),
      {},
    );
    expect(swap.safe).toBe(false);
    expect(guardKinds(swap)).toEqual(['ordering']);
    expect(swap.guards[0]!.message).toMatch(/parent or child zone/);
  });

  test('moving zones between sets waits for the target set, not for the old one', () => {
    const d = desired({ sets: { 1: S1, 2: S2 }, zones: { 'a.example': 2, 'b.example': 2 } });
    const l = live({ sets: { 1: S1, 2: S2 }, zones: { 'a.example': 1, 'b.example': 1 } });
    const p = buildPlan(d, l, {});
    expect(ids(p)).toEqual(['glue_check:2', 'assign_zone:a.example', 'assign_zone:b.example']);
    expect(step(p, 'assign_zone:a.example').reason).toBe('zone a.example uses set 2 in acns.yaml:10 but set 1 live');
  });

  test('zones with live custom.tenant / custom.zone types are changed like any other', () => {
    const d = desired({ sets: { 1: S1 }, zones: { 'a.example': 1, 'b.example': 'standard' } });
    const l = live({
      sets: { 1: S1 },
      zones: { 'a.example': { type: 'custom.tenant' }, 'b.example': { type: 'custom.zone' } },
    });
    const p = buildPlan(d, l, {});
    expect(ids(p)).toEqual(['glue_check:1', 'assign_zone:a.example', 'assign_zone:b.example']);
    expect(step(p, 'assign_zone:b.example').after).toEqual({ type: 'cloudflare.standard' });
  });

  test('taking a zone back to standard (names kept) needs no glue check', () => {
    const d = desired({ sets: { 1: S1 }, zones: { 'example.org': 'standard' } });
    const p = buildPlan(d, live({ sets: { 1: S1 }, zones: { 'example.org': 1 } }), {});
    expect(ids(p)).toEqual(['assign_zone:example.org']);
    expect(step(p, 'assign_zone:example.org').dependsOn).toEqual([]);
  });

  test('changing the default to custom.account waits for every declared set to be ready', () => {
    const d = desired({ sets: { 1: S1, 2: S2 }, zones: {}, accountDefault: 'custom.account' });
    const l = live({ sets: { 1: S1 }, accountDefault: 'cloudflare.standard' });
    const p = buildPlan(d, l, {});
    expect(ids(p)).toEqual([
      'create_nameserver:ns1.example.net',
      'create_nameserver:ns2.example.net',
      'glue_check:1',
      'glue_check:2',
      'set_account_default',
    ]);
    expect(step(p, 'set_account_default').before).toEqual({ value: 'cloudflare.standard' });
    expect(step(p, 'set_account_default').after).toEqual({ value: 'custom.account' });
  });

  test('changing the default away from custom.account needs nothing; an unmanaged default is never touched', () => {
    const d = desired({ sets: { 1: S1 }, accountDefault: 'cloudflare.standard.random' });
    const p = buildPlan(d, live({ sets: { 1: S1 }, accountDefault: 'custom.account' }), {});
    expect(ids(p)).toEqual(['set_account_default']);
    expect(step(p, 'set_account_default').dependsOn).toEqual([]);
    const p2 = buildPlan(desired({ sets: { 1: S1 } }), live({ sets: { 1: S1 } }), {});
    expect(p2.steps).toEqual([]);
  });

  test('removing ACNS entirely: zones → standard and default → standard first; the names go in a later run', () => {
    const d = desired({
      sets: {},
      zones: { 'a.example': 'standard', 'b.example': 'standard' },
      accountDefault: 'cloudflare.standard',
      prune: true,
    });
    const l = live({
      sets: { 1: S1, 2: S2 },
      zones: { 'a.example': 1, 'b.example': 2 },
      accountDefault: 'custom.account',
    });
    const p = buildPlan(d, l, {});
    // parents and the caches of the zones' apex NS still name the sets: never deleted in this run
    expect(ids(p)).toEqual(['assign_zone:a.example', 'assign_zone:b.example', 'set_account_default']);
    expect(p.held?.map((h) => `${h.name} ${h.cause}`)).toEqual([
      'ns1.example.com same_run',
      'ns2.example.com same_run',
      'ns1.example.net same_run',
      'ns2.example.net same_run',
    ]);
    expect(p.notes.join('\n')).toMatch(
      /deleting ns1\.example\.com, ns2\.example\.com \(set 1\) is held: zones leave set 1/,
    );
    expect(p.summary).toEqual({ create: 0, change: 3, delete: 0, checks: 0 });
    expect(p.safe).toBe(true);

    // the next run: the zones and the default are standard, nothing holds the names any more
    const after = live({
      sets: { 1: S1, 2: S2 },
      zones: { 'a.example': 'standard', 'b.example': 'standard' },
      accountDefault: 'cloudflare.standard',
    });
    const p2 = buildPlan(d, after, {});
    expect(ids(p2)).toEqual([
      'delete_nameserver:ns1.example.com',
      'delete_nameserver:ns1.example.net',
      'delete_nameserver:ns2.example.com',
      'delete_nameserver:ns2.example.net',
    ]);
    expect(p2.held).toBeUndefined();
    expect(p2.safe).toBe(true);
  });

  test('a hold from DNS (a parent lists the name) leaves the deletion and the move of the name out', () => {
    const d = desired({ sets: { 1: S1, 2: [...S2, 'ns3.example.com'] }, zones: { 'a.example': 1 }, prune: true });
    const l = live({ sets: { 1: [...S1, 'ns3.example.com'], 2: S2 }, zones: { 'a.example': 1 } });
    const hold = [{ name: 'ns3.example.com', set: 1, cause: 'listed' as const, message: 'a.example lists it' }];
    const p = buildPlan(d, l, { hold });
    expect(ids(p)).toEqual([]);
    expect(p.held).toEqual(hold);
    expect(p.notes).toContain('a.example lists it');
    expect(ids(buildPlan(d, l, {}))).toContain('delete_nameserver:ns3.example.com');
  });

  test('unmanaged zones: other zones of the account on a set the file changes are listed', () => {
    const d = desired({ sets: { 1: [...S1, 'ns3.example.com'] }, zones: { 'example.org': 1 } });
    const l = live({
      sets: { 1: S1, 2: S2 },
      zones: { 'example.org': 1 },
      other: { 'x.example': 1, 'y.example': 2, 'z.example': 'standard' },
    });
    const p = buildPlan(d, l, {});
    expect(p.unmanaged.zones).toEqual([{ name: 'x.example', nameservers: { type: 'custom.account', set: 1 } }]);
    expect(p.unmanaged.nameservers.map((n) => n.name)).toEqual(['ns1.example.net', 'ns2.example.net']);
  });

  test('--zone restricts to the zone, its set creates and glue check; no deletions or default', () => {
    const d = desired({
      sets: { 1: S1, 2: S2 },
      zones: { 'a.example': 1, 'b.example': 2 },
      accountDefault: 'custom.account',
      prune: true,
    });
    const l = live({
      sets: { 3: ['ns7.example.com', 'ns8.example.com'] },
      zones: { 'a.example': 'standard', 'b.example': 'standard' },
      accountDefault: 'cloudflare.standard',
    });
    const full = buildPlan(d, l, {});
    expect(full.summary).toEqual({ create: 4, change: 3, delete: 2, checks: 2 });
    const p = buildPlan(d, l, { zoneFilter: ['A.example.'] });
    expect(ids(p)).toEqual([
      'create_nameserver:ns1.example.com',
      'create_nameserver:ns2.example.com',
      'glue_check:1',
      'assign_zone:a.example',
    ]);
    expect(p.zoneFilter).toEqual(['a.example']);
    expect(p.glue.map((g) => g.set)).toEqual([1]);
    expect(p.notes.join('\n')).toMatch(/restricted with --zone to a\.example/);
  });

  test('--zone leaves out a zone that needs a moved name, and says why', () => {
    const d = desired({
      sets: { 1: ['ns1.example.com', 'ns2.example.com', 'ns4.example.com'], 2: ['ns3.example.com', 'ns1.example.net'] },
      zones: { 'other.example': 2 },
    });
    const l = live({
      sets: { 1: ['ns1.example.com', 'ns2.example.com', 'ns3.example.com'] },
      zones: { 'other.example': 'standard' },
    });
    const p = buildPlan(d, l, { zoneFilter: ['other.example', 'nope.example'] });
    expect(p.steps.some((s) => s.kind === 'delete_nameserver')).toBe(false);
    expect(ids(p)).not.toContain('assign_zone:other.example');
    expect(p.notes.join('\n')).toMatch(/other\.example needs delete_nameserver:ns3\.example\.com/);
    expect(p.notes.join('\n')).toMatch(/nope\.example is not in acns\.yaml/);
  });

  test('drift classification with a baseline', () => {
    const d = desired({
      sets: { 1: S1, 2: S2 },
      zones: { 'a.example': 1, 'b.example': 2 },
      accountDefault: 'custom.account',
    });
    const l = live({
      sets: { 1: S1, 2: S2 },
      zones: { 'a.example': 'standard', 'b.example': 1 },
      accountDefault: 'cloudflare.standard',
    });
    const baseline = {
      'zone:a.example': { type: 'custom.account', set: 1 }, // applied, then someone switched it off: drift
      'zone:b.example': { type: 'custom.account', set: 1 }, // the file changed 1 → 2: config
      default: 'custom.account', // a plain string is accepted for the default
    };
    const p = buildPlan(d, l, { baseline });
    expect(step(p, 'assign_zone:a.example').class).toBe('drift');
    expect(step(p, 'assign_zone:a.example').reason).toMatch(/live changed since the last apply$/);
    expect(step(p, 'assign_zone:b.example').class).toBe('config');
    expect(step(p, 'set_account_default').class).toBe('drift');
    expect(step(p, 'glue_check:1').class).toBe('drift'); // only drift steps (a.example, the default) wait for it
    expect(step(p, 'glue_check:2').class).toBe('config');
    expect(buildPlan(d, l, {}).steps.every((s) => s.class === 'config')).toBe(true);
  });

  test('a live name the baseline never had is config when pruned (acns never set it)', () => {
    const d = desired({ sets: { 1: S1 }, zones: { 'example.org': 1 }, prune: true });
    const l = live({ sets: { 1: [...S1, 'ns9.example.com'] }, zones: { 'example.org': 1 } });
    const p = buildPlan(d, l, { baseline: { 'ns:ns1.example.com': { set: 1 }, 'ns:ns2.example.com': { set: 1 } } });
    // acns never set ns9: without a record of it, deleting it is the file's change (config)
    expect(step(p, 'delete_nameserver:ns9.example.com').class).toBe('config');
    const p2 = buildPlan(d, l, { baseline: { 'ns:ns9.example.com': { set: 1 } } });
    expect(step(p2, 'delete_nameserver:ns9.example.com').class).toBe('config');
  });

  test('deterministic: the same inputs give the same plan', () => {
    const d = desired({
      sets: { 1: S1, 2: S2 },
      zones: { 'a.example': 1, 'b.example': 2, 'c.example': 'standard' },
      accountDefault: 'custom.account',
      prune: true,
    });
    const l = live({
      sets: { 3: ['ns7.example.com', 'ns8.example.com'] },
      zones: { 'a.example': 3, 'b.example': 'standard', 'c.example': 3 },
    });
    expect(JSON.stringify(buildPlan(d, l, {}))).toBe(JSON.stringify(buildPlan(d, l, {})));
  });
});

/** Sizes set 1 passes through when the plan's name steps run one at a time in plan order. */
function simulateSetSize(p: ReturnType<typeof buildPlan>, start: number): number[] {
  let n = start;
  const out = [n];
  for (const s of p.steps) {
    if (s.kind === 'create_nameserver') n++;
    else if (s.kind === 'delete_nameserver') n--;
    else continue;
    out.push(n);
  }
  return out;
}
