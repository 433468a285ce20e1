/**
 * Honest verdicts: nothing unverified passes, each name is judged against its own domain, a lame
 * delegation of the names' domain fails, CNAME names are named as such, missing AAAA glue can be
 * allowed (wrong addresses never), out-of-domain servers of the names' domain are asked too, and
 * the place to make a change is data (`where`), not a fixed "at your registrar".
 */
import { type FakeDnsServer, type FakeRecord, startFakeServers } from '../../src/dns/fakeserver.js';
import { checkSetGlue, checkZoneDelegation, type GlueCheckOptions } from '../../src/dns/glue.js';
import { whereOf, whereText } from '../../src/dns/where.js';
import type { GlueExpectation } from '../../src/plan/types.js';
import { comZone, EXAMPLE, exampleZone, hostedZone, rootZone } from './fixtures.js';

const ns = (name: string, data: string): FakeRecord => ({ name, type: 'NS', data });
const a = (name: string, data: string): FakeRecord => ({ name, type: 'A', data });

function com(): FakeRecord[] {
  return [
    ...comZone().records,
    // quiet.com: delegated to a server that never answers
    ns('quiet.com', 'ns.quiethost.com'),
    ns('quiethost.com', 'ns.quiethost.com'),
    a('ns.quiethost.com', '127.0.0.7'),
    // three.com: two in-domain names and one out-of-domain name (under .net, no glue here)
    ns('three.com', 'ns1.three.com'),
    ns('three.com', 'ns.oob3.net'),
    a('ns1.three.com', '127.0.0.23'),
  ];
}

function threeZone(ns1: string): { origin: string; records: FakeRecord[] } {
  return { origin: 'three.com', records: [ns('three.com', 'ns1.three.com'), a('ns1.three.com', ns1)] };
}

let servers: FakeDnsServer[];
let comServer: FakeDnsServer;
let child3: FakeDnsServer;
let child4: FakeDnsServer;
let hosted: FakeDnsServer;
let port: number;

beforeAll(async () => {
  servers = await startFakeServers([
    { host: '127.0.0.1', zones: [{ origin: 'com', records: com() }] },
    { host: '127.0.0.3', zones: [exampleZone()] },
    { host: '127.0.0.4', zones: [exampleZone()] },
    { host: '127.0.0.7', zones: [], knobs: { silent: true } },
    { host: '127.0.0.8', zones: [hostedZone()] },
    {
      host: '127.0.0.10',
      zones: [{ origin: '', records: [...rootZone().records, ns('net', 'a.nic.net'), a('a.nic.net', '127.0.0.2')] }],
    },
    {
      host: '127.0.0.2',
      zones: [{ origin: 'net', records: [ns('oob3.net', 'ns.oob3.net'), a('ns.oob3.net', '127.0.0.24')] }],
    },
    { host: '127.0.0.23', zones: [threeZone('127.0.0.23')] },
    {
      host: '127.0.0.24', // ns.oob3.net: the out-of-domain server of three.com, which disagrees
      zones: [threeZone('127.0.0.99'), { origin: 'oob3.net', records: [a('ns.oob3.net', '127.0.0.24')] }],
    },
  ]);
  [comServer, child3, child4, , hosted] = servers;
  port = comServer.port;
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

afterEach(() => {
  for (const s of [child3, child4, hosted]) s.knobs = {};
  hosted.setZones([hostedZone()]);
});

function opts(over: Partial<GlueCheckOptions> = {}): GlueCheckOptions {
  return {
    rootServers: [servers[5]!.address],
    parentServers: [comServer.address],
    port,
    timeoutMs: 300,
    retries: 0,
    ...over,
  };
}

function exp(names: GlueExpectation['names']): GlueExpectation {
  return { set: 1, registrar: 'external', names };
}

const hostedName = { name: 'ns1.hosted.com', ipv4: '127.0.0.21', ipv6: '::ffff:127.0.0.21' };

describe('names spanning several domains', () => {
  test('each name is judged against its own domain: missing glue under a second domain fails the set', async () => {
    const r = await checkSetGlue(exp([EXAMPLE[0]!, { name: 'ns1.missing.com', ipv4: '127.0.0.5' }]), opts());
    expect(r.verdict).toBe('failed');
    expect(r.names.map((n) => [n.name, n.hostZone, n.status])).toEqual([
      ['ns1.example.com', 'example.com', 'ok'],
      ['ns1.missing.com', 'missing.com', 'missing'],
    ]);
    expect(r.domains.map((d) => [d.hostZone, d.verdict])).toEqual([
      ['example.com', 'ok'],
      ['missing.com', 'failed'],
    ]);
  });

  test('one verified name does not make "not visible" pass for a name nothing could verify', async () => {
    const r = await checkSetGlue(exp([hostedName, { name: 'ns1.quiet.com', ipv4: '127.0.0.31' }]), opts());
    expect(r.names.map((n) => [n.name, n.status])).toEqual([
      ['ns1.hosted.com', 'not_visible'],
      ['ns1.quiet.com', 'could_not_verify'],
    ]);
    expect(r.verdict).toBe('could_not_verify');
    expect(r.blocking).toBe(true);
  });
});

test('names without known addresses are could_not_verify, never ok', async () => {
  const r = await checkSetGlue(exp(EXAMPLE.map((e) => ({ name: e.name }))), opts());
  expect(r.names.map((n) => n.status)).toEqual(['could_not_verify', 'could_not_verify']);
  expect(r.names[0]!.problems.join()).toContain('Cloudflare reports no address for this name');
  expect(r.verdict).toBe('could_not_verify');
});

test('a failed TCP confirmation is could_not_verify for that server, not "missing"', async () => {
  comServer.knobs = { omitGlueOverUdp: true, dropTcp: 10 };
  try {
    const r = await checkSetGlue(exp(EXAMPLE), opts());
    expect(r.servers[0]).toMatchObject({ kind: 'error', transport: 'udp' });
    expect(r.servers[0]!.error).toContain('TCP confirmation failed');
    expect(r.names.map((n) => n.status)).toEqual(['could_not_verify', 'could_not_verify']);
    expect(r.verdict).toBe('could_not_verify');
  } finally {
    comServer.knobs = {};
  }
});

describe('the names domain delegated to its own names', () => {
  test('glue matches but the addresses REFUSE the domain: a lame delegation fails', async () => {
    child3.knobs = { rcode: 'REFUSED' };
    child4.knobs = { rcode: 'REFUSED' };
    const r = await checkSetGlue(exp(EXAMPLE.map(({ name, ipv4 }) => ({ name, ipv4 }))), opts());
    expect(r.names.map((n) => [n.status, n.child.status])).toEqual([
      ['ok', 'lame'],
      ['ok', 'lame'],
    ]);
    expect(r.verdict).toBe('failed');
    expect(r.warnings.join('\n')).toContain(
      `lame delegation: example.com is delegated to servers that do not serve it: 127.0.0.3:${port} answers REFUSED`,
    );
  });

  test('addresses that do not answer at all stay a warning (Cloudflare may not answer yet)', async () => {
    child3.knobs = { silent: true };
    child4.knobs = { silent: true };
    const r = await checkSetGlue(exp(EXAMPLE.map(({ name, ipv4 }) => ({ name, ipv4 }))), opts());
    expect(r.verdict).toBe('ok');
    expect(r.warnings.join('\n')).toContain("the names' own addresses did not answer for example.com");
  });
});

test('every NS of the names domain is asked, out-of-domain ones too', async () => {
  const r = await checkSetGlue(exp([{ name: 'ns1.three.com', ipv4: '127.0.0.23' }]), opts());
  expect(r.childServers.map((s) => s.server)).toEqual([`127.0.0.23:${port}`, `127.0.0.24:${port}`]);
  expect(r.names[0]!.child).toMatchObject({ status: 'mismatch', ipv4: ['127.0.0.23', '127.0.0.99'] });
  expect(r.verdict).toBe('failed');
});

test('a name that is a CNAME is reported as such', async () => {
  hosted.setZones([
    {
      origin: 'hosted.com',
      records: [ns('hosted.com', 'ns.elsewhere.com'), { name: 'ns1.hosted.com', type: 'CNAME', data: 'x.hosted.com' }],
    },
  ]);
  const r = await checkSetGlue(exp([hostedName]), opts());
  expect(r.names[0]!.child).toMatchObject({ status: 'cname', cname: 'x.hosted.com' });
  expect(r.names[0]!.problems.join()).toContain('ns1.hosted.com is a CNAME to x.hosted.com');
  expect(r.verdict).toBe('failed');
});

describe('missing AAAA glue', () => {
  const v4only = (): void => comServer.removeRecords('com', { name: 'ns1.example.com', type: 'AAAA' });
  afterEach(() => comServer.setZones([{ origin: 'com', records: com() }]));

  test('blocks by default', async () => {
    v4only();
    const r = await checkSetGlue(exp(EXAMPLE), opts());
    expect(r.names[0]).toMatchObject({ status: 'mismatch', ipv4: 'ok', ipv6: 'missing' });
    expect(r.verdict).toBe('failed');
  });

  test('passes with aaaaGlue: optional, with a note', async () => {
    v4only();
    const r = await checkSetGlue(exp(EXAMPLE), opts({ aaaaGlue: 'optional' }));
    expect(r.names[0]).toMatchObject({ status: 'ok', ipv4: 'ok', ipv6: 'missing' });
    expect(r.names[0]!.problems.join()).toContain('not required');
    expect(r.verdict).toBe('ok');
  });

  test('a wrong AAAA still fails with aaaaGlue: optional', async () => {
    v4only();
    comServer.addRecords('com', [{ name: 'ns1.example.com', type: 'AAAA', data: '::ffff:127.0.0.99' }]);
    const r = await checkSetGlue(exp(EXAMPLE), opts({ aaaaGlue: 'optional' }));
    // ::ffff:7f00:63 is the canonical text of ::ffff:127.0.0.99
    expect(r.names[0]).toMatchObject({ status: 'mismatch', ipv6: 'mismatch', stale: ['::ffff:7f00:63'] });
    expect(r.verdict).toBe('failed');
  });
});

describe('where a delegation is changed', () => {
  test.each([
    ['example.com', 'com', {}, 'registrar', 'at the registrar of example.com'],
    ['sub.example.com', 'example.com', {}, 'parent_zone', 'at the DNS operator of the parent zone example.com'],
    [
      'sub.example.com',
      'example.com',
      { cloudflareZones: ['example.com'] },
      'cloudflare_zone',
      'in the Cloudflare zone example.com (NS records for sub.example.com',
    ],
    [
      'sub.example.org',
      'example.org',
      { parentNs: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'] },
      'cloudflare_zone',
      'in the Cloudflare zone example.org',
    ],
    ['2.0.192.in-addr.arpa', '0.192.in-addr.arpa', {}, 'rir', 'at the regional internet registry'],
    ['8.b.d.0.1.0.0.2.ip6.arpa', undefined, {}, 'rir', 'at the regional internet registry'],
  ] as const)('%s (parent %s, %j) → %s', (zone, parent, o, kind, text) => {
    const w = whereOf(zone, parent, o as { cloudflareZones?: string[]; parentNs?: string[] });
    expect(w.kind).toBe(kind);
    expect(whereText(w)).toContain(text);
  });

  test('glue reports and delegation results carry it', async () => {
    const r = await checkSetGlue(exp(EXAMPLE), opts({ cloudflareZones: ['com'] }));
    expect(r.where).toEqual({ kind: 'cloudflare_zone', zone: 'example.com', parentZone: 'com' });
    const d = await checkZoneDelegation('2.0.192.in-addr.arpa', ['ns1.example.com'], {
      ...opts({ parentServers: [servers[3]!.address] }),
      deadlineMs: 100,
    });
    expect(d.where).toMatchObject({ kind: 'rir', zone: '2.0.192.in-addr.arpa' });
  });
});
