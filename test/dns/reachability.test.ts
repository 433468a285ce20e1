/** The DNS reachability probe of `acns doctor`: the interception rules alone, then against fake servers. */
import type { DnsResponse } from '../../src/dns/client.js';
import { type FakeDnsServer, startFakeServers } from '../../src/dns/fakeserver.js';
import { checkDnsReachability, interceptionSign } from '../../src/dns/reachability.js';
import { comZone, exampleZone, rootZone } from './fixtures.js';

const res = (over: Partial<DnsResponse>, packet: Partial<DnsResponse['packet']> = {}): DnsResponse =>
  ({
    server: '192.0.2.1:53',
    rcode: 'NOERROR',
    aa: false,
    ra: false,
    transport: 'udp',
    truncatedOverUdp: false,
    packet: { answers: [], authorities: [], additionals: [], ...packet },
    ...over,
  }) as DnsResponse;

const referral = { authorities: [{ name: 'com', type: 'NS', data: 'a.gtld-servers.net' }] } as never;
const answer = { answers: [{ name: 'example.com', type: 'NS', data: 'ns1.example.com' }] } as never;

describe('interceptionSign', () => {
  test('a referral from a root, and an authoritative NXDOMAIN, are what a root sends', () => {
    expect(interceptionSign(res({}, referral), 'root', 'example.com')).toBeUndefined();
    expect(interceptionSign(res({ rcode: 'NXDOMAIN', aa: true }), 'root', 'example.invalid')).toBeUndefined();
  });

  test('RA=1 on our non-recursive query: a resolver answered', () => {
    expect(interceptionSign(res({ ra: true }, referral), 'root', 'example.com')).toMatch(/RA=1/);
  });

  test('an NXDOMAIN or an answer without AA: not the server asked', () => {
    expect(interceptionSign(res({ rcode: 'NXDOMAIN' }), 'parent', 'example.com')).toMatch(/not authoritative/);
    expect(interceptionSign(res({}, answer), 'parent', 'example.com')).toMatch(/not authoritative/);
  });

  test('a root answering a name below a top-level domain, even with AA=1', () => {
    expect(interceptionSign(res({ aa: true }, answer), 'root', 'example.com')).toMatch(
      /a root server answered example\.com NS itself \(AA=1\) instead of referring it/,
    );
    // a parent that also serves the child may answer it with authority
    expect(interceptionSign(res({ aa: true }, answer), 'parent', 'example.com')).toBeUndefined();
  });
});

describe('checkDnsReachability against fake servers', () => {
  let root: FakeDnsServer;
  let com: FakeDnsServer;
  let impostor: FakeDnsServer;
  beforeAll(async () => {
    [root, com, impostor] = await startFakeServers([
      { host: '127.0.0.10', zones: [rootZone()] },
      { host: '127.0.0.1', zones: [comZone()] },
      // answers for example.com with authority, where a root would refer it to com
      { host: '127.0.0.30', zones: [exampleZone()] },
    ]);
  });
  afterAll(() => Promise.all([root, com, impostor].map((s) => s.close())));

  test('a root that refers the probe zone: UDP and TCP ok, no interception, IPv6 skipped', async () => {
    const r = await checkDnsReachability({
      rootServers: [root.address],
      parentServers: [],
      port: root.port,
      probeZone: 'example.com',
    });
    expect(r).toMatchObject({ role: 'root', source: 'configured', question: 'example.com NS' });
    expect(r.udp).toMatchObject({ status: 'ok', answer: expect.stringMatching(/referral to com/) });
    expect(r.tcp).toMatchObject({ status: 'ok' });
    expect(r.interception).toBeUndefined();
    expect(r.ipv6).toEqual({ status: 'skipped', why: 'no IPv6 address among the root servers' });
    expect(root.log.map((q) => q.transport).sort()).toEqual(['tcp', 'udp']);
  });

  test('configured parent servers are probed instead of the roots', async () => {
    const before = root.log.length;
    const r = await checkDnsReachability({
      rootServers: [root.address],
      parentServers: [com.address],
      port: com.port,
      probeZone: 'example.com',
    });
    expect(r.role).toBe('parent');
    expect(r.udp).toMatchObject({ status: 'ok', server: com.address });
    expect(root.log.length).toBe(before);
  });

  test('a "root" that answers the name itself is reported as interception', async () => {
    const r = await checkDnsReachability({
      rootServers: [impostor.address],
      parentServers: [],
      port: impostor.port,
      probeZone: 'example.com',
    });
    expect(r.udp.status).toBe('ok');
    expect(r.interception).toMatchObject({
      server: impostor.address,
      why: expect.stringMatching(/instead of referring/),
    });
  });

  test('an unreachable IPv6 server is a failed IPv6 probe, not a failed UDP probe', async () => {
    // nothing listens on the IPv6 loopback at this port (or the machine has no IPv6 loopback)
    const r = await checkDnsReachability({
      rootServers: [root.address, `[::1]:${root.port}`],
      parentServers: [],
      port: root.port,
      probeZone: 'example.com',
      deadlineMs: 400,
      timeoutMs: 200,
    });
    expect(r.udp.status).toBe('ok');
    expect(r.ipv6.status).toBe('failed');
  });
});
