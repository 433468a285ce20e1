import { FakeDnsServer } from '../../src/dns/fakeserver.js';
import { checkSetGlue, type GlueReport } from '../../src/dns/glue.js';
import { renderGlueJson, renderGlueText } from '../../src/dns/render.js';
import { comZone, EXAMPLE } from './fixtures.js';

let com: FakeDnsServer;
let silent: FakeDnsServer;
let missing: GlueReport;
let mismatch: GlueReport;
let ok: GlueReport;

beforeAll(async () => {
  com = await FakeDnsServer.start({ zones: [comZone()] });
  silent = await FakeDnsServer.start({ zones: [], knobs: { silent: true } });
  const o = {
    rootServers: [],
    parentServers: [com.address, silent.address],
    port: com.port,
    timeoutMs: 200,
    retries: 0,
  };
  [missing, mismatch, ok] = await Promise.all([
    checkSetGlue(
      {
        set: 1,
        registrar: 'cloudflare',
        names: [
          // loopback addresses where nothing listens: the names' own servers do not answer yet
          { name: 'ns1.missing.com', ipv4: '127.0.0.51', ipv6: '::ffff:127.0.0.51' },
          { name: 'ns2.missing.com', ipv4: '127.0.0.52', ipv6: '::ffff:127.0.0.52' },
        ],
      },
      o,
    ),
    checkSetGlue(
      {
        set: 2,
        registrar: 'external',
        names: [{ name: 'ns1.mismatch.com', ipv4: '127.0.0.61', ipv6: '::ffff:127.0.0.61' }],
      },
      o,
    ),
    checkSetGlue({ set: 3, registrar: 'external', names: EXAMPLE }, { ...o, parentServers: [com.address] }),
  ]);
});

afterAll(async () => {
  await Promise.all([com.close(), silent.close()]);
});

describe('renderGlueText', () => {
  test('missing glue: one line per name, the records in both forms, the Cloudflare Support line', () => {
    const text = renderGlueText([missing]);
    expect(text).toContain(
      'Glue check for set 1: missing.com (parent zone "com", 1/2 parent servers answered): FAILED',
    );
    expect(text).toMatch(
      new RegExp(
        'MISSING\\s+ns1\\.missing\\.com {2}A: missing {2}AAAA: missing {2}- ' +
          'A glue missing \\(expected 127\\.0\\.0\\.51\\); AAAA glue missing \\(expected ::ffff:7f00:33\\)',
      ),
    );
    expect(text).toContain(
      'At the registrar of missing.com, register these name server hosts ' +
        '(glue records / child name servers / host records):',
    );
    expect(text).toContain('  ns1.missing.com  IPv4 127.0.0.51       IPv6 ::ffff:7f00:33');
    expect(text).toContain('  ns1.missing.com.  IN A     127.0.0.51');
    expect(text).toContain('  ns2.missing.com.  IN AAAA  ::ffff:7f00:34');
    expect(text).toContain(`Parent servers that did not answer: ${silent.address}`);
    expect(text).toContain(
      'Cloudflare Support adds glue for domains on Cloudflare Registrar; open a support ticket with the records above',
    );
    expect(text).not.toContain('\u001b['); // no colour unless asked
  });

  test('stale addresses and no Cloudflare line for an external registrar', () => {
    const text = renderGlueText([mismatch]);
    expect(text).toContain('Remove stale glue addresses: ns1.mismatch.com 127.0.0.19');
    expect(text).not.toContain('Cloudflare Support');
  });

  test('ok prints no registrar instructions; colour on request', () => {
    const text = renderGlueText([ok], { colour: true });
    expect(text).toContain('OK');
    expect(text).not.toContain('At the registrar');
    expect(text).toContain('\u001b[');
  });
});

describe('renderGlueText: where the records go', () => {
  test('a names domain whose parent is a Cloudflare zone: an edit in that zone, no registrar or Support line', () => {
    const where = { kind: 'cloudflare_zone' as const, zone: 'missing.com', parentZone: 'com' };
    const text = renderGlueText([{ ...missing, where, domains: missing.domains.map((d) => ({ ...d, where })) }]);
    expect(text).toContain(
      "In the Cloudflare zone com (NS records for missing.com in that zone's DNS records), publish these glue records:",
    );
    expect(text).not.toContain('At the registrar');
    expect(text).not.toContain('Cloudflare Support');
  });

  test('names spanning two domains: both named, the records grouped per domain', async () => {
    const r = await checkSetGlue(
      { set: 4, registrar: 'external', names: [EXAMPLE[0]!, { name: 'ns1.missing.com', ipv4: '127.0.0.51' }] },
      { rootServers: [], parentServers: [com.address], port: com.port, timeoutMs: 200, retries: 0 },
    );
    const text = renderGlueText([r]);
    expect(text).toContain('Glue check for set 4: example.com (parent zone "com"), missing.com (parent zone "com");');
    expect(text).toContain('At the registrar of example.com, register these name server hosts');
    expect(text).toContain('At the registrar of missing.com, register these name server hosts');
    const doc = JSON.parse(renderGlueJson([r]));
    expect(doc.sets[0].domains.map((d: { host_zone: string; verdict: string }) => [d.host_zone, d.verdict])).toEqual([
      ['example.com', 'ok'],
      ['missing.com', 'failed'],
    ]);
    expect(doc.sets[0].names.map((n: { host_zone: string }) => n.host_zone)).toEqual(['example.com', 'missing.com']);
  });
});

describe('renderGlueJson', () => {
  test('parses, is versioned and carries what machines need', () => {
    const doc = JSON.parse(renderGlueJson([missing, ok]));
    expect(doc.format_version).toBe(1);
    expect(doc.ok).toBe(false);
    expect(doc.sets[0]).toMatchObject({
      set: 1,
      verdict: 'failed',
      blocking: true,
      host_zone: 'missing.com',
      parent_zone: 'com',
      unreachable_parent_servers: [silent.address],
    });
    expect(doc.sets[0].register[0]).toEqual({ name: 'ns1.missing.com', ipv4: '127.0.0.51', ipv6: '::ffff:7f00:33' });
    expect(doc.sets[0].servers[0]).toMatchObject({
      kind: 'referral',
      transport: 'tcp',
      confirmed_over_tcp: true,
      truncated_over_udp: false,
      delegation_ns: ['ns1.missing.com', 'ns2.missing.com'],
    });
    expect(doc.sets[0].names[0]).toMatchObject({
      name: 'ns1.missing.com',
      status: 'missing',
      in_delegation: true,
      inconsistent_across_servers: false,
    });
    expect(doc.sets[1].verdict).toBe('ok');
    expect(renderGlueJson([missing, ok])).toBe(renderGlueJson([missing, ok]));
  });

  test('every key is snake_case, like the plan and drift documents', () => {
    const keys = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) keys.add(k), walk(x);
    };
    walk(JSON.parse(renderGlueJson([missing, mismatch, ok])));
    expect([...keys].filter((k) => !/^[a-z0-9]+(_[a-z0-9]+)*$/.test(k))).toEqual([]);
    expect(keys).toContain('child_servers');
  });
});
