import { planRequestLimit } from '../../bench/bound.js';
import { bigAccountState } from '../../src/emulator/model.js';
import { cloudflareNameServers } from '../../src/emulator/routes.js';
import { readLiveState, relatedUnmanaged, type ReadProgress } from '../../src/state/read.js';
import { desired } from '../plan/fixtures.js';
import { addNs, countKinds, setZone, startWorld, zoneId, type StateWorld } from './world.js';

let w: StateWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('readLiveState on the emulator', () => {
  test(
    'one managed zone: custom_ns list, one filtered lookup, its settings, and the zones below it found by ' + 'name',
    async () => {
      w = await startWorld();
      addNs(w.emu, 'ns2.example.com', 1);
      addNs(w.emu, 'ns1.example.com', 1);
      setZone(w.emu, 'example.org', { type: 'custom.account', ns_set: 1 });
      const live = await readLiveState(
        desired({ sets: { 1: ['ns1.example.com', 'ns2.example.com'] }, zones: { 'example.org': 1 } }),
        w.api,
      );
      // the zone by name, plus one `ends_with:.example.org` lookup for the subdomain rule; the demo
      // account has shop.example.org below it, whose setting is read too ("org" is never a zone)
      expect(countKinds(w.emu)).toEqual({
        custom_ns: 1,
        zones_by_name: 2,
        zones_page: 0,
        zone_settings: 2,
        default: 0,
        other: 0,
      });
      expect(live).toEqual({
        accountId: w.emu.state.accountId,
        nameservers: [
          { name: 'ns1.example.com', set: 1, ipv4: '198.51.100.7', ipv6: '2001:db8:cf::7' },
          { name: 'ns2.example.com', set: 1, ipv4: '198.51.100.7', ipv6: '2001:db8:cf::7' },
        ],
        zones: [
          {
            name: 'example.org',
            id: zoneId(w.emu, 'example.org'),
            nameservers: { type: 'custom.account', set: 1 },
            cloudflareNs: pairOf(w.emu, 'example.org'),
          },
        ],
        missingZones: [],
        otherZones: [
          {
            name: 'shop.example.org',
            id: zoneId(w.emu, 'shop.example.org'),
            nameservers: { type: 'cloudflare.standard' },
            cloudflareNs: pairOf(w.emu, 'shop.example.org'),
          },
        ],
      });
      // no listing happened, so no claim about the account's other zone names
      expect(live).not.toHaveProperty('accountZoneNames');
      expect(live).not.toHaveProperty('accountDefault');
    },
  );

  test(
    'one zone on standard: no lookup of zones above or below it (the subdomain rule only binds custom ' + 'sets)',
    async () => {
      w = await startWorld();
      await readLiveState(desired({ zones: { 'example.org': 'standard' } }), w.api);
      expect(countKinds(w.emu)).toEqual({
        custom_ns: 1,
        zones_by_name: 1,
        zones_page: 0,
        zone_settings: 1,
        default: 0,
        other: 0,
      });
    },
  );

  test('related zones found in the listing are read without a second lookup (ids come with the listing)', async () => {
    w = await startWorld();
    addNs(w.emu, 'ns1.example.com', 1);
    addNs(w.emu, 'ns2.example.com', 1);
    setZone(w.emu, 'shop.example.org', { type: 'custom.account', ns_set: 1 });
    const live = await readLiveState(
      desired({
        sets: { 1: ['ns1.example.com', 'ns2.example.com'] },
        zones: { 'example.org': 1, '113.0.203.in-addr.arpa': 1 },
      }),
      w.api,
    );
    // 1 names + 1 page (the demo account fits in one) + 2 managed settings + 2 related settings
    expect(countKinds(w.emu)).toEqual({
      custom_ns: 1,
      zones_by_name: 0,
      zones_page: 1,
      zone_settings: 4,
      default: 0,
      other: 0,
    });
    expect(live.otherZones!.map((z) => `${z.name}:${z.nameservers.type}:${z.nameservers.set ?? ''}`)).toEqual([
      '10.113.0.203.in-addr.arpa:cloudflare.standard:',
      'shop.example.org:custom.account:1',
    ]);
  });

  test('names are normalised and sorted by set, then name', async () => {
    w = await startWorld();
    addNs(w.emu, 'NS2.Example.NET.', 2, '198.51.100.9', '2001:DB8:CF::9');
    addNs(w.emu, 'ns9.example.com', 1);
    addNs(w.emu, 'ns1.example.net', 2);
    addNs(w.emu, 'NS1.example.com', 1);
    const live = await readLiveState(desired({}), w.api);
    expect(live.nameservers.map((n) => `${n.set}:${n.name}`)).toEqual([
      '1:ns1.example.com',
      '1:ns9.example.com',
      '2:ns1.example.net',
      '2:ns2.example.net',
    ]);
    expect(live.nameservers.find((n) => n.name === 'ns2.example.net')!.ipv6).toBe('2001:db8:cf::9');
    // an empty file reads the names only
    expect(countKinds(w.emu)).toEqual({
      custom_ns: 1,
      zones_by_name: 0,
      zones_page: 0,
      zone_settings: 0,
      default: 0,
      other: 0,
    });
  });

  test('the account default is read once, only when the file manages it (or readDefault asks)', async () => {
    w = await startWorld();
    w.emu.state.accountDefault = 'custom.account';
    const withDefault = await readLiveState(
      desired({ zones: { 'example.org': 'standard' }, accountDefault: 'custom.account' }),
      w.api,
    );
    expect(withDefault.accountDefault).toBe('custom.account');
    expect(countKinds(w.emu).default).toBe(1);
    w.emu.resetLog();
    const asked = await readLiveState(desired({ zones: { 'example.org': 'standard' } }), w.api, { readDefault: true });
    expect(asked.accountDefault).toBe('custom.account');
    expect(countKinds(w.emu).default).toBe(1);
    w.emu.resetLog();
    const without = await readLiveState(desired({ zones: { 'example.org': 'standard' } }), w.api);
    expect(without).not.toHaveProperty('accountDefault');
    expect(countKinds(w.emu).default).toBe(0);
  });

  test('a missing zone is listed, and one account listing feeds did-you-mean', async () => {
    w = await startWorld();
    const live = await readLiveState(desired({ zones: { 'exmaple.org': 1 } }), w.api);
    expect(live.missingZones).toEqual(['exmaple.org']);
    expect(live.zones).toEqual([]);
    expect(live.accountZoneNames).toContain('example.org');
    expect(live.accountZoneNames).toEqual([...live.accountZoneNames!].sort());
    const k = countKinds(w.emu);
    expect(k.zones_by_name).toBe(1);
    expect(k.zones_page).toBe(1); // 8 zones: one page
    expect(k.zone_settings).toBe(0);
  });

  test(
    'a missing zone deep in a hierarchy: its relatives come from the one listing, within the request ' + 'bound',
    async () => {
      w = await startWorld();
      const live = await readLiveState(desired({ zones: { 'x.shop.example.org': 1 } }), w.api);
      expect(live.missingZones).toEqual(['x.shop.example.org']);
      expect(live.otherZones!.map((z) => [z.name, z.id])).toEqual([
        ['example.org', zoneId(w.emu, 'example.org')],
        ['shop.example.org', zoneId(w.emu, 'shop.example.org')],
      ]);
      expect(countKinds(w.emu)).toEqual({
        custom_ns: 1,
        zones_by_name: 1,
        zones_page: 1,
        zone_settings: 2,
        default: 0,
        other: 0,
      });
      expect(w.emu.requests().length).toBeLessThanOrEqual(planRequestLimit(1, w.emu.state.zones.length));
    },
  );

  test('unmanaged ancestors of a managed zone are read for the hierarchy rule; look-alikes are not', async () => {
    w = await startWorld();
    addNs(w.emu, 'ns1.example.com', 1);
    addNs(w.emu, 'ns2.example.com', 1);
    setZone(w.emu, 'example.org', { type: 'custom.account', ns_set: 1 });
    setZone(w.emu, 'notexample.org', { type: 'custom.account', ns_set: 1 });
    const d = desired({
      sets: { 1: ['ns1.example.com', 'ns2.example.com'], 2: ['ns1.example.net', 'ns2.example.net'] },
      zones: { 'shop.example.org': 2, 'legacy.example': 'standard' },
    });
    const progress: ReadProgress[] = [];
    const live = await readLiveState(d, w.api, { onProgress: (p) => progress.push(p) });
    expect(live.zones.map((z) => z.name)).toEqual(['legacy.example', 'shop.example.org']);
    expect(live.otherZones).toEqual([
      {
        name: 'example.org',
        id: zoneId(w.emu, 'example.org'),
        nameservers: { type: 'custom.account', set: 1 },
        cloudflareNs: pairOf(w.emu, 'example.org'),
      },
    ]);
    expect(live.accountZoneNames).toEqual([...w.emu.state.zones.map((z) => z.name)].sort());
    expect(progress.some((p) => p.phase === 'related' && p.done === p.total)).toBe(true);
    const total = w.emu.requests().length;
    expect(total).toBeLessThanOrEqual(planRequestLimit(2, w.emu.state.zones.length));
    // the related zone's settings are read once, and no managed zone's twice
    const settings = w.emu
      .requests()
      .filter((e) => /\/dns_settings$/.test(e.path))
      .map((e) => e.path);
    expect(new Set(settings).size).toBe(settings.length);
    expect(settings).toHaveLength(3);
  });

  test(
    'descendants of a managed zone are related too; an account without relatives gives otherZones = ' + '[]',
    async () => {
      w = await startWorld();
      const live = await readLiveState(
        desired({ zones: { '113.0.203.in-addr.arpa': 'standard', 'example.net': 'standard' } }),
        w.api,
      );
      expect(live.otherZones!.map((z) => z.name)).toEqual(['10.113.0.203.in-addr.arpa']);
      w.emu.resetLog();
      const none = await readLiveState(
        desired({ zones: { 'example.com': 'standard', 'example.net': 'standard' } }),
        w.api,
      );
      expect(none.otherZones).toEqual([]);
      expect(countKinds(w.emu)).toEqual({
        custom_ns: 1,
        zones_by_name: 0,
        zones_page: 1,
        zone_settings: 2,
        default: 0,
        other: 0,
      });
    },
  );

  test('many zones are resolved by pages of 50, within managed + ceil(account / 50) + 3 requests', async () => {
    w = await startWorld({ state: bigAccountState(230) });
    const zones: Record<string, 'standard'> = {};
    for (let i = 1; i <= 230; i += 3) zones[`zone-${String(i).padStart(5, '0')}.example`] = 'standard';
    zones['zone-99999.example'] = 'standard'; // missing
    const managed = Object.keys(zones).length;
    const live = await readLiveState(desired({ zones, accountDefault: 'cloudflare.standard' }), w.api);
    expect(live.zones).toHaveLength(managed - 1);
    expect(live.missingZones).toEqual(['zone-99999.example']);
    expect(live.accountZoneNames).toHaveLength(230);
    const k = countKinds(w.emu);
    expect(k).toEqual({
      custom_ns: 1,
      zones_by_name: 0,
      zones_page: 5,
      zone_settings: managed - 1,
      default: 1,
      other: 0,
    });
    expect(w.emu.requests().length).toBeLessThanOrEqual(planRequestLimit(managed, 230));
    expect(live.zones.map((z) => z.name)).toEqual([...live.zones.map((z) => z.name)].sort());
  });

  describe('exact request counts for representative accounts', () => {
    const z = (i: number) => `zone-${String(i).padStart(5, '0')}.example`;
    const standard = (...is: number[]) => Object.fromEntries(is.map((i) => [z(i), 'standard' as const]));
    const total = () => w!.emu.requests().length;

    test('an account of one page: custom_ns, the page, one settings read per zone', async () => {
      w = await startWorld({ state: bigAccountState(30) });
      await readLiveState(desired({ zones: standard(3, 17, 30) }), w.api);
      expect(countKinds(w.emu)).toMatchObject({ custom_ns: 1, zones_page: 1, zones_by_name: 0, zone_settings: 3 });
      expect(total()).toBe(5);
    });

    test('zones all on the first page of 2,000: the first page only (not the 40)', async () => {
      w = await startWorld({ state: bigAccountState(2000) });
      await readLiveState(desired({ zones: standard(2, 10, 49) }), w.api);
      expect(total()).toBe(1 + 1 + 3);
    });

    test('zones on the first and the last page of 2,000: the first page and one lookup per other zone', async () => {
      w = await startWorld({ state: bigAccountState(2000) });
      await readLiveState(desired({ zones: standard(1, 1999, 2000) }), w.api);
      expect(countKinds(w.emu)).toMatchObject({ zones_page: 1, zones_by_name: 2, zone_settings: 3 });
      expect(total()).toBe(1 + 1 + 2 + 3);
    });

    test('500 of 2,000 zones with the account default: 1 + 40 pages + 500 settings + 1 default', async () => {
      w = await startWorld({ state: bigAccountState(2000) });
      const zones = standard(...Array.from({ length: 500 }, (_, k) => 1 + k * 4));
      await readLiveState(desired({ zones, accountDefault: 'cloudflare.standard' }), w.api);
      expect(countKinds(w.emu)).toEqual({
        custom_ns: 1,
        zones_by_name: 0,
        zones_page: 40,
        zone_settings: 500,
        default: 1,
        other: 0,
      });
    });

    test('an unknown zone among few: the lookup, then the rest of the listing (page 1 not asked twice)', async () => {
      w = await startWorld({ state: bigAccountState(2000) });
      const live = await readLiveState(desired({ zones: { ...standard(3), 'typo.example': 'standard' } }), w.api);
      expect(live.missingZones).toEqual(['typo.example']);
      expect(live.accountZoneNames).toHaveLength(2000);
      expect(countKinds(w.emu)).toMatchObject({ zones_page: 40, zones_by_name: 1, zone_settings: 1 });
      expect(total()).toBe(1 + 40 + 1 + 1);
    });

    test('a single unknown zone: one lookup, then one listing for did-you-mean', async () => {
      w = await startWorld({ state: bigAccountState(120) });
      await readLiveState(desired({ zones: standard(7777) }), w.api);
      expect(countKinds(w.emu)).toMatchObject({ zones_by_name: 1, zones_page: 3, zone_settings: 0 });
      expect(total()).toBe(1 + 1 + 3);
    });
  });

  test('pipelined: settings reads start while later pages of the listing are still to come', async () => {
    w = await startWorld({ state: bigAccountState(2000) });
    w.emu.options.latencyMs = 20;
    const zones = Object.fromEntries(
      Array.from({ length: 100 }, (_, k) => [
        `zone-${String(1 + k * 20).padStart(5, '0')}.example`,
        'standard' as const,
      ]),
    );
    await readLiveState(desired({ zones }), w.api);
    const log = w.emu.requests();
    const firstSettings = log.findIndex((e) => /\/dns_settings$/.test(e.path));
    const lastPage = log.map((e) => /^\/zones\?/.test(e.path)).lastIndexOf(true);
    expect(firstSettings).toBeGreaterThan(0);
    expect(firstSettings).toBeLessThan(lastPage);
  });

  test('legacy endpoints read the same live state through the deprecated calls', async () => {
    w = await startWorld({ endpoints: 'legacy' });
    addNs(w.emu, 'ns1.example.com', 1);
    addNs(w.emu, 'ns2.example.com', 1);
    setZone(w.emu, 'example.org', { type: 'custom.account', ns_set: 1 });
    w.emu.state.accountDefault = 'custom.account';
    const live = await readLiveState(
      desired({ zones: { 'example.org': 1, 'legacy.example': 'standard' }, accountDefault: 'custom.account' }),
      w.api,
    );
    expect(live.zones.map((z) => [z.name, z.nameservers])).toEqual([
      ['example.org', { type: 'custom.account', set: 1 }],
      ['legacy.example', { type: 'cloudflare.standard' }],
    ]);
    expect(live.accountDefault).toBe('custom.account');
    const paths = w.emu.requests().map((e) => e.path);
    expect(paths.some((p) => /^\/zones\/.*dns_settings/.test(p))).toBe(false);
    // 2 managed + shop.example.org (related)
    expect(paths.filter((p) => /^\/zones\/[0-9a-f]+\/custom_ns$/.test(p))).toHaveLength(3);
    // The account default has no legacy endpoint left: the old account settings fields are gone.
    expect(paths).toContain(`/accounts/${w.emu.state.accountId}/dns_settings`);
    expect(paths).not.toContain(`/accounts/${w.emu.state.accountId}`);
  });
});

describe('relatedUnmanaged', () => {
  const account = [
    'example.org',
    'shop.example.org',
    'a.shop.example.org',
    'notexample.org',
    'org.example',
    'example.org.uk',
    'other.net',
    'deep.x.example.org',
  ];

  test('ancestors and descendants (at any depth) of managed zones, sorted; managed and look-alikes excluded', () => {
    expect(relatedUnmanaged(new Set(['shop.example.org']), account)).toEqual(['a.shop.example.org', 'example.org']);
    expect(relatedUnmanaged(new Set(['example.org']), account)).toEqual([
      'a.shop.example.org',
      'deep.x.example.org',
      'shop.example.org',
    ]);
    expect(relatedUnmanaged(new Set(['example.org', 'shop.example.org']), account)).toEqual([
      'a.shop.example.org',
      'deep.x.example.org',
    ]);
  });

  test('unrelated managed zones find nothing', () => {
    expect(relatedUnmanaged(new Set(['other.net', 'missing.example']), account)).toEqual([]);
    expect(relatedUnmanaged(new Set(), account)).toEqual([]);
  });

  test('reverse zones follow the same rule', () => {
    const names = [
      '113.0.203.in-addr.arpa',
      '10.113.0.203.in-addr.arpa',
      '13.0.203.in-addr.arpa',
      '0.203.in-addr.arpa',
    ];
    expect(relatedUnmanaged(new Set(['113.0.203.in-addr.arpa']), names)).toEqual([
      '0.203.in-addr.arpa',
      '10.113.0.203.in-addr.arpa',
    ]);
  });
});

/** The zone's own pair of Cloudflare nameservers, as the zone listing carries it (`name_servers`). */
function pairOf(emu: StateWorld['emu'], zone: string): string[] {
  return cloudflareNameServers(zoneId(emu, zone));
}
