/**
 * Per-zone checks as plain data: lameness of a set's addresses for a zone, the referral resolvers
 * really get (stale sibling glue, NS, DS against the served DNSKEY), and reading a delegation as
 * the union over every answering parent server, with its NS TTL.
 */
import type { DnskeyData, DsData } from 'dns-packet';
import { dsDigest, keyTag } from '../../src/dns/dnssec.js';
import { type FakeDnsServer, type FakeRecord, fakeSoa, startFakeServers } from '../../src/dns/fakeserver.js';
import { checkZoneDelegation } from '../../src/dns/glue.js';
import { checkZoneLameness } from '../../src/dns/lameness.js';
import { checkZoneReferral } from '../../src/dns/referral.js';
import { comZone } from './fixtures.js';

const ns = (name: string, data: string, ttl?: number): FakeRecord => ({ name, type: 'NS', data, ttl });
const a = (name: string, data: string): FakeRecord => ({ name, type: 'A', data });

// RFC 4034 §5.4: dskey.example.com DNSKEY 256 3 5 … (key tag 60485) and its SHA-1 DS
const RFC_KEY: DnskeyData = {
  flags: 256,
  algorithm: 5,
  key: Buffer.from(
    'AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7Or' +
      'zKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==',
    'base64',
  ),
};

describe('DNSSEC arithmetic (RFC 4034 §5.4 example)', () => {
  test('key tag and SHA-1 DS digest', () => {
    expect(keyTag(RFC_KEY)).toBe(60485);
    expect(dsDigest('dskey.example.com', RFC_KEY, 1)?.toString('hex').toUpperCase()).toBe(
      '2BB183AF5F22588179A53B0A98631FAD1A292118',
    );
    expect(dsDigest('DSKEY.Example.COM.', RFC_KEY, 1)?.toString('hex').toUpperCase()).toBe(
      '2BB183AF5F22588179A53B0A98631FAD1A292118',
    );
  });
});

function zoneOf(origin: string, nsNames: string[], serial = 7): { origin: string; records: FakeRecord[] } {
  const soa = fakeSoa(origin);
  return {
    origin,
    records: [{ ...soa, data: { ...(soa.data as object), serial } }, ...nsNames.map((n) => ns(origin, n))],
  };
}

const CF = [
  { name: 'ns1.hosted.com', ipv4: '127.0.0.22', ipv6: '::ffff:127.0.0.22' },
  { name: 'ns2.hosted.com', ipv4: '127.0.0.23' },
];
const cfNames = CF.map((n) => n.name);

function comRecords(): FakeRecord[] {
  const ds: DsData = { keyTag: 60485, algorithm: 5, digestType: 1, digest: dsDigest('signed.com', RFC_KEY, 1)! };
  return [
    ...comZone().records.filter((r) => r.name !== 'ns1.hosted.com'),
    // customer.com uses the hosted.com names: the registry still serves ns1's old address as sibling glue
    ns('customer.com', 'ns1.hosted.com', 172800),
    ns('customer.com', 'ns2.hosted.com', 172800),
    // signed.com: a DS for the RFC key; the zone serves that key (or, in one test, another)
    ns('signed.com', 'ns1.hosted.com'),
    ns('signed.com', 'ns2.hosted.com'),
    { name: 'signed.com', type: 'DS', data: ds },
  ];
}

let servers: FakeDnsServer[];
let com: FakeDnsServer;
let com2: FakeDnsServer;
let set1: FakeDnsServer; // 127.0.0.22 / .23: the set's addresses
let set2: FakeDnsServer;
let silent: FakeDnsServer;
let port: number;

function setZones(): { origin: string; records: FakeRecord[] }[] {
  return [
    zoneOf('customer.com', cfNames),
    { ...zoneOf('signed.com', cfNames), records: [...zoneOf('signed.com', cfNames).records, dnskey(RFC_KEY)] },
  ];
}

function dnskey(k: DnskeyData): FakeRecord {
  return { name: 'signed.com', type: 'DNSKEY', data: k };
}

beforeAll(async () => {
  servers = await startFakeServers([
    { host: '127.0.0.1', zones: [{ origin: 'com', records: comRecords() }] },
    { host: '127.0.0.2', zones: [{ origin: 'com', records: comRecords() }] },
    { host: '127.0.0.22', zones: setZones() },
    { host: '127.0.0.23', zones: setZones() },
    { host: '127.0.0.7', zones: [], knobs: { silent: true } },
  ]);
  [com, com2, set1, set2, silent] = servers;
  port = com.port;
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

afterEach(() => {
  for (const s of [com, com2]) s.setZones([{ origin: 'com', records: comRecords() }]);
  for (const s of [set1, set2]) {
    s.setZones(setZones());
    s.knobs = {};
  }
});

const base = { port: 0, timeoutMs: 300, retries: 0 };
const addrs = (): string[] => [set1.address, set2.address];

describe('checkZoneLameness', () => {
  test('ok: both addresses answer SOA and NS with AA=1, one serial, apex NS = the names', async () => {
    const r = await checkZoneLameness('customer.com', addrs(), cfNames, { ...base, port });
    expect(r).toMatchObject({
      status: 'ok',
      serials: [7],
      serialsAgree: true,
      apexNs: cfNames,
      apexNsMatches: true,
      lame: [],
    });
  });

  test('an address that REFUSES the zone is lame', async () => {
    set2.knobs = { rcode: 'REFUSED' };
    const r = await checkZoneLameness('customer.com', addrs(), cfNames, { ...base, port });
    expect(r.status).toBe('failed');
    expect(r.lame).toEqual([set2.address]);
    expect(r.problems.join()).toContain('answers customer.com SOA REFUSED: it does not serve the zone');
  });

  test('serials that disagree and an apex NS that is not the set fail', async () => {
    set2.setZones([zoneOf('customer.com', ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'], 8)]);
    const r = await checkZoneLameness('customer.com', addrs(), cfNames, { ...base, port });
    expect(r).toMatchObject({ status: 'failed', serials: [7, 8], serialsAgree: false, apexNsMatches: false });
  });

  test('an address that does not answer leaves it unverified', async () => {
    const r = await checkZoneLameness('customer.com', [set1.address, silent.address], cfNames, { ...base, port });
    expect(r).toMatchObject({ status: 'could_not_verify', unreachable: [silent.address] });
  });
});

describe('checkZoneReferral', () => {
  const opts = () => ({ ...base, port, rootServers: [], parentServers: [com.address] });

  test('stale sibling glue in the zone’s own referral is reported; absent sibling glue is fine', async () => {
    com.addRecords('com', [a('ns1.hosted.com', '127.0.0.21')]); // the registry host record, stale
    const r = await checkZoneReferral('customer.com', CF, opts());
    expect(r.nameservers).toEqual(cfNames);
    expect(r.nsMatches).toBe(true);
    expect(r.staleGlue).toEqual([
      { name: 'ns1.hosted.com', type: 'A', address: '127.0.0.21', expected: '127.0.0.22', servers: [com.address] },
    ]);
    expect(r.status).toBe('failed');
    expect(r.ds.status).toBe('unsigned');
  });

  test('current sibling glue (or none) and the intended NS: ok', async () => {
    const none = await checkZoneReferral('customer.com', CF, opts());
    expect(none).toMatchObject({ status: 'ok', staleGlue: [], glue: [] });
    com.addRecords('com', [a('ns1.hosted.com', '127.0.0.22')]);
    const current = await checkZoneReferral('customer.com', CF, opts());
    expect(current).toMatchObject({ status: 'ok', staleGlue: [] });
    expect(current.glue).toEqual([{ name: 'ns1.hosted.com', type: 'A', address: '127.0.0.22' }]);
  });

  test('the parent NS not being the intended names fails', async () => {
    const r = await checkZoneReferral('example.com', CF, opts());
    expect(r.nsMatches).toBe(false);
    expect(r.status).toBe('failed');
    expect(r.problems.join()).toContain('the parent delegates example.com to ns1.example.com, ns2.example.com');
  });

  test('DS at the parent matching a served DNSKEY: ok; matching none: mismatch', async () => {
    const ok = await checkZoneReferral('signed.com', CF, opts());
    expect(ok.ds).toMatchObject({ status: 'ok', ds: [expect.objectContaining({ keyTag: 60485 })] });
    expect(ok.status).toBe('ok');
    const other: DnskeyData = { ...RFC_KEY, key: Buffer.from('another key') };
    for (const s of [set1, set2]) s.setZones([{ ...zoneOf('signed.com', cfNames), records: [dnskey(other)] }]);
    const bad = await checkZoneReferral('signed.com', CF, opts());
    expect(bad.ds.status).toBe('mismatch');
    expect(bad.ds.dnskeys).toEqual([{ keyTag: keyTag(other), algorithm: 5, flags: 256 }]);
    expect(bad.status).toBe('failed');
    expect(bad.problems.join()).toContain('matches no DNSKEY the zone serves');
  });
});

describe('checkZoneDelegation reads the union over every answering parent server', () => {
  const opts = () => ({ ...base, port, rootServers: [], parentServers: [com.address, com2.address] });

  test('one server saying NXDOMAIN does not erase what the other delegates: reported as disagreement', async () => {
    com2.removeRecords('com', { name: 'customer.com' });
    const d = await checkZoneDelegation('customer.com', cfNames, opts());
    expect(d.nameservers).toEqual(cfNames);
    expect(d.disagreement).toBe(true);
    expect(d.status).toBe('elsewhere');
    expect(d.detail).toContain(`${com2.address} says NXDOMAIN`);
    expect(d.servers?.map((s) => s.kind)).toEqual(['referral', 'nxdomain']);
  });

  test('the NS TTL of the parent is returned', async () => {
    const d = await checkZoneDelegation('customer.com', cfNames, opts());
    expect(d).toMatchObject({ status: 'delegated', nsTtl: 172800, disagreement: false, parentZone: 'com' });
  });
});
