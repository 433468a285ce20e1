import { buildPlan } from '../../src/plan/build.js';
import { desired, live } from './fixtures.js';
import { guardKinds, ids } from './helpers.js';

const S1 = ['ns1.example.com', 'ns2.example.com'];
const S2 = ['ns1.example.net', 'ns2.example.net'];

describe('guards', () => {
  test('mass change: more zone changes than max_zone_changes, with the override', () => {
    const zones: Record<string, number> = {};
    const liveZones: Record<string, 'standard'> = {};
    for (let i = 0; i < 4; i++) {
      zones[`z${i}.example`] = 1;
      liveZones[`z${i}.example`] = 'standard';
    }
    const d = desired({ sets: { 1: S1 }, zones, maxZoneChanges: 3 });
    const p = buildPlan(d, live({ sets: { 1: S1 }, zones: liveZones }), {});
    expect(p.safe).toBe(false);
    expect(guardKinds(p)).toEqual(['mass_change']);
    expect(p.guards[0].override).toBe('mass_change');
    expect(p.guards[0].steps).toHaveLength(4);
    expect(p.guards[0].message).toMatch(
      /changes 4 zones, more than policy\.max_zone_changes \(3\).*--allow-mass-change/,
    );
    expect(p.steps).toHaveLength(5); // still complete
    expect(
      buildPlan(desired({ sets: { 1: S1 }, zones, maxZoneChanges: 4 }), live({ sets: { 1: S1 }, zones: liveZones }), {})
        .safe,
    ).toBe(true);
  });

  test('zone not found, with a did-you-mean from the account', () => {
    const d = desired({ sets: { 1: S1 }, zones: { 'exmaple.org': 1, 'example.org': 1, 'zzzz.test': 1 } });
    const l = live({
      sets: { 1: S1 },
      zones: { 'example.org': 1 },
      missing: ['exmaple.org', 'zzzz.test'],
      accountZoneNames: ['example.org', 'example.net', 'other.io'],
    });
    const p = buildPlan(d, l, {});
    expect(guardKinds(p)).toEqual(['zone_not_found:exmaple.org', 'zone_not_found:zzzz.test']);
    expect(p.guards[0].message).toBe(
      'zone exmaple.org (acns.yaml:8) ' +
        'is not in account 372e67954025e0ba6aaa6d586b9e0b59: did you mean example.org? — ' +
        'fix the name in acns.yaml, or add the zone to the account first',
    );
    expect(p.guards[1].message).not.toMatch(/did you mean/);
    expect(p.guards[0].source).toBe('acns.yaml:8');
    expect(ids(p)).toEqual([]);
  });

  test('set in use: pruning names leaves a set that other zones still use', () => {
    const d = desired({ sets: { 1: S1 }, zones: { 'example.org': 1 }, prune: true });
    const l = live({ sets: { 1: S1, 2: S2 }, zones: { 'example.org': 1 }, other: { 'legacy.example': 2 } });
    const p = buildPlan(d, l, {});
    expect(guardKinds(p)).toEqual(['set_in_use:2']);
    expect(p.guards[0].steps).toEqual(['delete_nameserver:ns1.example.net', 'delete_nameserver:ns2.example.net']);
    expect(p.guards[0].message).toMatch(
      /leaves set 2 with 0 names while zone legacy\.example still uses it — move that zone/,
    );
    expect(p.unmanaged.zones.map((z) => z.name)).toEqual(['legacy.example']);
  });

  test('set in use: the default stays custom.account with no usable set left', () => {
    const d = desired({ sets: {}, zones: { 'a.example': 'standard' }, prune: true });
    const l = live({ sets: { 1: S1 }, zones: { 'a.example': 'standard' }, accountDefault: 'custom.account' });
    const p = buildPlan(d, l, {});
    expect(guardKinds(p)).toEqual(['set_in_use:default']);
    expect(p.guards[0].message).toMatch(/set account_default: cloudflare\.standard/);
  });

  test('set too small: a set used by a zone would have fewer than 2 names', () => {
    // set 2 is not declared (the loader would reject that), but live has one name in it
    const d = desired({ sets: { 1: S1 }, zones: { 'a.example': 2 } });
    const l = live({ sets: { 1: S1, 2: ['ns1.example.net'] }, zones: { 'a.example': 'standard' } });
    const p = buildPlan(d, l, {});
    expect(guardKinds(p)).toEqual(['set_too_small:2']);
    expect(p.guards[0].message).toMatch(
      /set 2 would have 1 name \(ns1\.example\.net\) but zone a\.example uses it; a set in use needs 2–5 names/,
    );
    expect(p.guards[0].steps).toEqual(['assign_zone:a.example']);
  });

  test('hierarchy: a file zone on the same set as a live parent the file does not manage', () => {
    const d = desired({ sets: { 1: S1, 2: S2 }, zones: { 'shop.example.org': 2, 'ok.example.com': 1 } });
    const l = live({
      sets: { 1: S1, 2: S2 },
      zones: { 'shop.example.org': 'standard', 'ok.example.com': 'standard' },
      other: { 'example.org': 2, 'example.com': 2, 'deep.shop.example.org': 'standard' },
    });
    const p = buildPlan(d, l, {});
    expect(guardKinds(p)).toEqual(['hierarchy:shop.example.org:example.org']);
    expect(p.guards[0].message).toMatch(
      new RegExp(
        /zone shop\.example\.org \(set 2 in acns\.yaml:\d+\) and its ancestor example\.org /.source +
          /\(set 2 live, not in acns\.yaml\) would use the same set; .*choose another set for shop\.example\.org/
            .source,
      ),
    );
    expect(p.guards[0].steps).toEqual(['assign_zone:shop.example.org']);
  });

  test('hierarchy: a live child zone under a file zone, further down than one label', () => {
    const d = desired({ sets: { 1: S1, 2: S2 }, zones: { 'example.org': 1 } });
    const l = live({ sets: { 1: S1, 2: S2 }, zones: { 'example.org': 'standard' }, other: { 'a.b.example.org': 1 } });
    expect(guardKinds(buildPlan(d, l, {}))).toEqual(['hierarchy:a.b.example.org:example.org']);
  });

  test('several guards at once are all reported', () => {
    const d = desired({
      sets: { 1: S1 },
      zones: { 'a.example': 1, 'b.example': 1, 'typo.example': 1 },
      maxZoneChanges: 1,
    });
    const l = live({
      sets: { 1: S1 },
      zones: { 'a.example': 'standard', 'b.example': 'standard' },
      missing: ['typo.example'],
    });
    expect(guardKinds(buildPlan(d, l, {}))).toEqual(['zone_not_found:typo.example', 'mass_change']);
  });
});
