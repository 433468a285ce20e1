import { FakeDnsServer } from '../../src/dns/fakeserver.js';
import { DnsQueryError, formatServer, parseServer, query } from '../../src/dns/client.js';
import { AcnsError } from '../../src/errors.js';
import { comZone } from './fixtures.js';

describe('parseServer / formatServer', () => {
  test.each([
    ['192.0.2.1', { host: '192.0.2.1', port: 53 }, '192.0.2.1:53'],
    ['192.0.2.1:5353', { host: '192.0.2.1', port: 5353 }, '192.0.2.1:5353'],
    ['2001:DB8:0::1', { host: '2001:db8::1', port: 53 }, '[2001:db8::1]:53'],
    ['[2001:db8::1]:5353', { host: '2001:db8::1', port: 5353 }, '[2001:db8::1]:5353'],
    ['::1', { host: '::1', port: 53 }, '[::1]:53'],
  ])('%s', (text, parsed, formatted) => {
    expect(parseServer(text)).toEqual(parsed);
    expect(formatServer(parseServer(text))).toBe(formatted);
  });

  test('bare addresses take the default port', () => {
    expect(parseServer('127.0.0.1', 5300)).toEqual({ host: '127.0.0.1', port: 5300 });
  });

  test.each([
    'a.gtld-servers.net',
    'a.gtld-servers.net:53',
    '192.0.2.1:0',
    '192.0.2.1:70000',
    '[example.com]:53',
    '',
    '300.1.1.1',
  ])('rejects %j', (text) => {
    let err: unknown;
    try {
      parseServer(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AcnsError);
    expect((err as AcnsError).code).toBe('dns_server_invalid');
    expect((err as AcnsError).hint).toContain('host names are not accepted');
  });
});

describe('query', () => {
  let server: FakeDnsServer;
  beforeAll(async () => {
    server = await FakeDnsServer.start({ zones: [comZone()] });
  });
  afterAll(async () => server.close());
  afterEach(() => {
    server.knobs = {};
  });

  test('RD=0, a referral with its sections, and forced TCP', async () => {
    const res = await query(parseServer(server.address), 'example.com', 'NS', { timeoutMs: 300 });
    expect(res).toMatchObject({ rcode: 'NOERROR', aa: false, transport: 'udp', truncatedOverUdp: false });
    expect(res.packet.flag_rd).toBe(false);
    expect(res.packet.authorities?.map((a) => a.type)).toEqual(['NS', 'NS']);
    const tcp = await query(parseServer(server.address), 'example.com', 'NS', { timeoutMs: 300, tcp: true });
    expect(tcp.transport).toBe('tcp');
    expect(tcp.packet.additionals?.filter((a) => a.type === 'A')).toHaveLength(2);
  });

  test('a silent server ends in a DnsQueryError naming the server', async () => {
    server.knobs = { silent: true };
    await expect(
      query(parseServer(server.address), 'example.com', 'NS', { timeoutMs: 100, retries: 1 }),
    ).rejects.toThrow(DnsQueryError);
    await expect(
      query(parseServer(server.address), 'example.com', 'NS', { timeoutMs: 100, retries: 0 }),
    ).rejects.toThrow(`no answer from ${server.address}`);
  });

  test('AA answer and NXDOMAIN', async () => {
    const soa = await query(parseServer(server.address), 'com', 'SOA', { timeoutMs: 300 });
    expect(soa.aa).toBe(true);
    const nx = await query(parseServer(server.address), 'nope.com', 'NS', { timeoutMs: 300 });
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(nx.packet.authorities?.[0]?.type).toBe('SOA');
  });
});
