/**
 * Only the parent zone's own word counts: NXDOMAIN / NODATA without AA=1 (a cache, a resolver, or
 * something intercepting port 53 answering for the server we asked) is not evidence that a zone is
 * undelegated — it ends as could_not_verify / unknown, naming the server. Referrals keep AA=0.
 */
import { type FakeDnsServer, startFakeServers } from '../../src/dns/fakeserver.js';
import { unauthoritative, type DnsResponse } from '../../src/dns/client.js';
import { checkSetGlue, checkZoneDelegation, type GlueCheckOptions } from '../../src/dns/glue.js';
import { comZone, EXAMPLE, exampleZone, rootZone } from './fixtures.js';

let com: FakeDnsServer; // 127.0.0.1 — the .com parent
let child3: FakeDnsServer; // 127.0.0.3 / .4 — example.com's own servers
let child4: FakeDnsServer;
let root: FakeDnsServer; // 127.0.0.10 — a fake root
let port: number;

beforeAll(async () => {
  [com, child3, child4, root] = await startFakeServers([
    { host: '127.0.0.1', zones: [comZone()] },
    { host: '127.0.0.3', zones: [exampleZone()] },
    { host: '127.0.0.4', zones: [exampleZone()] },
    { host: '127.0.0.10', zones: [rootZone()] },
  ]);
  port = com.port;
});

afterAll(async () => {
  await Promise.all([com, child3, child4, root].map((s) => s?.close()));
});

afterEach(() => {
  for (const s of [com, root]) {
    s.knobs = {};
    s.log.length = 0;
  }
});

function opts(over: Partial<GlueCheckOptions> = {}): GlueCheckOptions {
  return { rootServers: [], parentServers: [com.address], port, timeoutMs: 300, retries: 0, ...over };
}

const nonexistent = {
  set: 1,
  registrar: 'external' as const,
  names: [{ name: 'ns1.nonexistent.com', ipv4: '127.0.0.40' }],
};
const example = { set: 1, registrar: 'external' as const, names: EXAMPLE };

describe('unauthoritative', () => {
  const res = (over: Partial<DnsResponse>, packet: Partial<DnsResponse['packet']> = {}): DnsResponse =>
    ({
      server: '192.0.2.1:53',
      rcode: 'NXDOMAIN',
      aa: false,
      ra: false,
      transport: 'udp',
      truncatedOverUdp: false,
      packet: { answers: [], authorities: [], ...packet },
      ...over,
    }) as DnsResponse;

  test('NXDOMAIN and NODATA without AA are not the zone’s word; RA=1 is named as an interceptor sign', () => {
    expect(unauthoritative(res({}))).toBe('NXDOMAIN: answer not authoritative (AA=0)');
    expect(unauthoritative(res({ rcode: 'NOERROR' }))).toBe('NODATA: answer not authoritative (AA=0)');
    expect(unauthoritative(res({ ra: true }))).toMatch(
      new RegExp(
        '^NXDOMAIN: answer not authoritative \\(AA=0\\), and RA=1 on a non-recursive query: ' +
          'a resolver or something intercepting port 53',
      ),
    );
  });

  test('AA=1 answers, referrals (AA=0 by design) and other rcodes pass through', () => {
    expect(unauthoritative(res({ aa: true }))).toBeUndefined();
    expect(
      unauthoritative(
        res(
          { rcode: 'NOERROR' },
          { authorities: [{ type: 'NS', name: 'example.com', data: 'ns1.example.com' }] as never },
        ),
      ),
    ).toBeUndefined();
    expect(unauthoritative(res({ rcode: 'SERVFAIL' }))).toBeUndefined();
  });
});

describe('checkSetGlue with answers that are not authoritative', () => {
  test('a parent server answering NXDOMAIN with AA=0 and RA=1 → could_not_verify, never failed', async () => {
    com.knobs = { notAuthoritative: true, recursionAvailable: true };
    const r = await checkSetGlue(nonexistent, opts());
    expect(r.verdict).toBe('could_not_verify');
    expect(r.blocking).toBe(true);
    expect(r.servers[0]).toMatchObject({ kind: 'error', rcode: 'NXDOMAIN' });
    expect(r.names[0]!.status).toBe('could_not_verify');
    const warnings = r.warnings.join('\n');
    expect(warnings).toContain(`parent server ${com.address}: NXDOMAIN: answer not authoritative (AA=0), and RA=1`);
    expect(warnings).not.toContain('does not exist in the parent zone');
    expect(r.unreachableParentServers).toEqual([]);
  });

  test('NODATA without AA → could_not_verify', async () => {
    com.knobs = { notAuthoritative: true };
    const r = await checkSetGlue({ ...nonexistent, hostZone: 'nic.com' }, opts());
    expect(r.verdict).toBe('could_not_verify');
    expect(r.warnings.join('\n')).toContain('NODATA: answer not authoritative (AA=0)');
  });

  test('the same NXDOMAIN with AA=1 is still failed', async () => {
    const r = await checkSetGlue(nonexistent, opts());
    expect(r.verdict).toBe('failed');
    expect(r.warnings.join()).toContain('does not exist in the parent zone (NXDOMAIN)');
  });

  test('referrals keep AA=0 and are trusted from a server of the parent zone', async () => {
    com.knobs = { notAuthoritative: true };
    const r = await checkSetGlue(example, opts());
    expect(r.servers[0]).toMatchObject({ kind: 'error' }); // its com SOA has AA=0 too: not a server of .com
    com.knobs = {};
    const ok = await checkSetGlue(example, opts());
    expect(ok.servers[0]).toMatchObject({ kind: 'referral' });
    expect(ok.verdict).toBe('ok');
  });

  test('a recursive resolver configured as a parent server (RA=1) is distrusted, even with a referral', async () => {
    com.knobs = { recursionAvailable: true };
    const r = await checkSetGlue(example, opts());
    expect(r.verdict).toBe('could_not_verify');
    expect(r.servers[0]).toMatchObject({ kind: 'error', transport: 'udp' });
    expect(r.servers[0]!.error).toContain('offers recursion (RA=1)');
    expect(r.names.map((n) => n.status)).toEqual(['could_not_verify', 'could_not_verify']);
  });

  test('an interceptor answering the root walk with NXDOMAIN (0x8083) → could_not_verify naming it', async () => {
    root.knobs = { interceptNxdomain: true };
    const r = await checkSetGlue(example, opts({ parentServers: [], rootServers: [root.address] }));
    expect(r.verdict).toBe('could_not_verify');
    expect(r.names.map((n) => n.status)).toEqual(['could_not_verify', 'could_not_verify']);
    const warnings = r.warnings.join('\n');
    expect(warnings).toContain(`could not find the servers of example.com's parent zone`);
    expect(warnings).toContain(`${root.address}: NXDOMAIN: answer not authoritative (AA=0), and RA=1`);
    expect(warnings).not.toMatch(/does not exist/);
  });

  test('the root walk asks the next server after a non-authoritative answer, and stops after three', async () => {
    root.knobs = { interceptNxdomain: true };
    const r = await checkSetGlue(example, opts({ parentServers: [], rootServers: Array(5).fill(root.address) }));
    expect(r.verdict).toBe('could_not_verify');
    expect(root.log.filter((l) => l.name === 'example.com')).toHaveLength(3);
    expect(r.warnings.join('\n')).toContain('3 of 5 tried');
  });
});

describe('checkZoneDelegation with answers that are not authoritative', () => {
  const base = () => ({ rootServers: [], parentServers: [com.address], port, timeoutMs: 300, retries: 0 });

  test('NXDOMAIN with AA=0 from the parent → unknown, not "not delegated"', async () => {
    com.knobs = { notAuthoritative: true, recursionAvailable: true };
    const d = await checkZoneDelegation('nonexistent.com', ['ns1.example.com'], base());
    expect(d.status).toBe('unknown');
    expect(d.detail).toContain(`${com.address}: NXDOMAIN: answer not authoritative (AA=0)`);
  });

  test('an intercepted root walk → unknown, naming the server', async () => {
    root.knobs = { interceptNxdomain: true };
    const d = await checkZoneDelegation('example.com', ['ns1.example.com'], {
      ...base(),
      parentServers: [],
      rootServers: [root.address],
    });
    expect(d.status).toBe('unknown');
    expect(d.nameservers).toEqual([]);
    expect(d.detail).toContain(`could not find the parent servers of example.com`);
    expect(d.detail).toContain(`${root.address}: NXDOMAIN: answer not authoritative (AA=0)`);
  });

  test('an authoritative NXDOMAIN is still "elsewhere" (not delegated)', async () => {
    const d = await checkZoneDelegation('nonexistent.com', ['ns1.example.com'], base());
    expect(d.status).toBe('elsewhere');
    expect(d.detail).toContain('NXDOMAIN');
  });
});
