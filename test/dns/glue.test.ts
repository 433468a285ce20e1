import { type FakeDnsServer, startFakeServers } from '../../src/dns/fakeserver.js';
import { checkSetGlue, checkZoneDelegation, waitForGlue, type GlueCheckOptions } from '../../src/dns/glue.js';
import type { GlueExpectation } from '../../src/plan/types.js';
import { comZone, EXAMPLE, exampleZone, hostedZone, rootZone } from './fixtures.js';

let com: FakeDnsServer; // 127.0.0.1 — the .com parent
let com2: FakeDnsServer; // 127.0.0.2 — a second .com server (made to disagree in one test)
let child3: FakeDnsServer; // 127.0.0.3 / .4 — example.com's own servers (the names' addresses)
let child4: FakeDnsServer;
let silent: FakeDnsServer; // 127.0.0.7 — never answers
let hosted: FakeDnsServer; // 127.0.0.8 — ns.elsewhere.com, serving hosted.com
let root: FakeDnsServer; // 127.0.0.10 — a fake root
let port: number;

beforeAll(async () => {
  [com, com2, child3, child4, silent, hosted, root] = await startFakeServers([
    { host: '127.0.0.1', zones: [comZone()] },
    { host: '127.0.0.2', zones: [comZone()] },
    { host: '127.0.0.3', zones: [exampleZone()] },
    { host: '127.0.0.4', zones: [exampleZone()] },
    { host: '127.0.0.7', zones: [], knobs: { silent: true } },
    { host: '127.0.0.8', zones: [hostedZone()] },
    { host: '127.0.0.10', zones: [rootZone()] },
  ]);
  port = com.port;
});

afterAll(async () => {
  await Promise.all([com, com2, child3, child4, silent, hosted, root].map((s) => s?.close()));
});

afterEach(() => {
  for (const s of [com, com2]) {
    s.knobs = {};
    s.setZones([comZone()]);
    s.log.length = 0;
  }
  hosted.setZones([hostedZone()]);
});

function opts(over: Partial<GlueCheckOptions> = {}): GlueCheckOptions {
  return { rootServers: [], parentServers: [com.address], port, timeoutMs: 300, retries: 0, ...over };
}

function exp(names: GlueExpectation['names'], over: Partial<GlueExpectation> = {}): GlueExpectation {
  return { set: 1, registrar: 'external', names, ...over };
}

const missingNames = [
  { name: 'ns1.missing.com', ipv4: '127.0.0.5', ipv6: '::ffff:127.0.0.5' },
  { name: 'ns2.missing.com', ipv4: '127.0.0.6', ipv6: '::ffff:127.0.0.6' },
];

describe('checkSetGlue', () => {
  test('ok: full glue over UDP, child servers agree', async () => {
    const r = await checkSetGlue(exp(EXAMPLE), opts());
    expect(r.verdict).toBe('ok');
    expect(r.blocking).toBe(false);
    expect(r.hostZone).toBe('example.com');
    expect(r.parentZone).toBe('com');
    expect(r.names.map((n) => [n.name, n.status, n.ipv4, n.ipv6, n.inDelegation])).toEqual([
      ['ns1.example.com', 'ok', 'ok', 'ok', true],
      ['ns2.example.com', 'ok', 'ok', 'ok', true],
    ]);
    expect(r.names[0]!.found.ipv6).toEqual(['::ffff:7f00:3']); // canonical text of 0:0:0:0:0:FFFF:7F00:0003
    expect(r.names.every((n) => n.child.status === 'ok')).toBe(true);
    expect(r.servers).toEqual([
      expect.objectContaining({
        server: com.address,
        kind: 'referral',
        transport: 'udp',
        truncatedOverUdp: false,
        confirmedOverTcp: false,
      }),
    ]);
    expect(com.log.filter((l) => l.transport === 'tcp')).toEqual([]);
  });

  test('missing glue is confirmed over TCP before it is reported', async () => {
    const r = await checkSetGlue(exp(missingNames), opts());
    expect(r.verdict).toBe('failed');
    expect(r.blocking).toBe(true);
    expect(r.names.map((n) => [n.status, n.ipv4, n.ipv6])).toEqual([
      ['missing', 'missing', 'missing'],
      ['missing', 'missing', 'missing'],
    ]);
    expect(r.servers[0]).toMatchObject({ kind: 'referral', transport: 'tcp', confirmedOverTcp: true });
    expect(com.log.some((l) => l.transport === 'tcp' && l.name === 'missing.com')).toBe(true);
    // the records to register, their IPv6 in canonical text
    expect(r.register).toEqual([
      { name: 'ns1.missing.com', ipv4: '127.0.0.5', ipv6: '::ffff:7f00:5' },
      { name: 'ns2.missing.com', ipv4: '127.0.0.6', ipv6: '::ffff:7f00:6' },
    ]);
  });

  test('mismatch: a stale A and a missing AAAA', async () => {
    const r = await checkSetGlue(
      exp([
        { name: 'ns1.mismatch.com', ipv4: '127.0.0.11', ipv6: '::ffff:127.0.0.11' },
        { name: 'ns2.mismatch.com', ipv4: '127.0.0.12', ipv6: '::ffff:127.0.0.12' },
      ]),
      opts(),
    );
    expect(r.verdict).toBe('failed');
    const [ns1, ns2] = r.names;
    expect([ns1!.status, ns1!.ipv4, ns1!.ipv6, ns1!.stale]).toEqual(['mismatch', 'mismatch', 'ok', ['127.0.0.19']]);
    expect([ns2!.status, ns2!.ipv4, ns2!.ipv6]).toEqual(['mismatch', 'ok', 'missing']);
    expect(ns2!.problems).toContain('AAAA glue missing (expected ::ffff:7f00:c)');
    expect(r.stale).toEqual([{ name: 'ns1.mismatch.com', address: '127.0.0.19' }]);
  });

  test('TC=1 over UDP is asked again over TCP', async () => {
    com.knobs = { truncateUdp: true };
    const r = await checkSetGlue(exp(EXAMPLE), opts());
    expect(r.verdict).toBe('ok');
    expect(r.servers[0]).toMatchObject({ transport: 'tcp', truncatedOverUdp: true });
  });

  test('partial glue with TC=0 over UDP (NSD/BIND) is not reported as missing', async () => {
    com.knobs = { omitGlueOverUdp: true };
    const r = await checkSetGlue(exp(EXAMPLE), opts());
    expect(r.verdict).toBe('ok');
    expect(r.servers[0]).toMatchObject({ transport: 'tcp', truncatedOverUdp: false, confirmedOverTcp: true });
  });

  test('a dropped UDP query is retried', async () => {
    com.knobs = { dropUdp: 1 };
    const r = await checkSetGlue(exp(EXAMPLE), opts({ retries: 1 }));
    expect(r.verdict).toBe('ok');
    // example.com NS and com SOA (is it a server of .com?), one of them dropped and asked again
    expect(com.log.filter((l) => l.transport === 'udp')).toHaveLength(3);
  });

  test('a reply with a wrong id is ignored', async () => {
    com.knobs = { spoofFirst: 1 };
    const r = await checkSetGlue(exp(EXAMPLE), opts());
    expect(r.verdict).toBe('ok');
    expect(r.servers[0]!.transport).toBe('udp');
    expect(com.knobs.spoofFirst).toBe(0); // the spoofed reply was really sent first
  });

  test('additional records outside the parent zone are not glue', async () => {
    com.knobs = {
      extraAdditionals: [
        { name: 'ns1.oob.net', type: 'A', data: '127.0.0.31' },
        { name: 'ns1.example.com', type: 'A', data: '192.0.2.66' },
      ],
    };
    const r = await checkSetGlue(exp([{ name: 'ns1.oob.net', ipv4: '127.0.0.31' }], { hostZone: 'oob.com' }), opts());
    expect(r.servers[0]!.glue).toEqual([]);
    expect(r.names[0]).toMatchObject({ status: 'missing', inDelegation: true });
    expect(r.verdict).toBe('failed');
  });

  test('two parent servers that disagree → mismatch and inconsistentAcrossServers', async () => {
    com2.removeRecords('com', { name: 'ns1.example.com', type: 'A' });
    com2.addRecords('com', [{ name: 'ns1.example.com', type: 'A', data: '127.0.0.33' }]);
    const r = await checkSetGlue(exp(EXAMPLE), opts({ parentServers: [com.address, com2.address] }));
    expect(r.verdict).toBe('failed');
    expect(r.names[0]).toMatchObject({
      status: 'mismatch',
      ipv4: 'mismatch',
      ipv6: 'ok',
      inconsistentAcrossServers: true,
      stale: ['127.0.0.33'],
    });
    expect(r.names[1]).toMatchObject({ status: 'ok', inconsistentAcrossServers: false });
    expect(r.names[0]!.problems.join()).toContain(`${com2.address} has 127.0.0.33`);
  });

  test('an unreachable parent server is listed separately and does not count as missing glue', async () => {
    const r = await checkSetGlue(exp(EXAMPLE), opts({ parentServers: [com.address, silent.address] }));
    expect(r.verdict).toBe('ok');
    expect(r.unreachableParentServers).toEqual([silent.address]);
    expect(r.servers[1]).toMatchObject({ kind: 'error', transport: null });
  });

  test('no parent server answering → could_not_verify, blocking, never ok', async () => {
    const r = await checkSetGlue(exp(EXAMPLE), opts({ parentServers: [silent.address] }));
    expect(r.verdict).toBe('could_not_verify');
    expect(r.blocking).toBe(true);
    expect(r.names.map((n) => n.status)).toEqual(['could_not_verify', 'could_not_verify']);
    expect(r.warnings.join('\n')).toContain('dns.parent_servers');
  });

  test('NXDOMAIN for the host zone → failed', async () => {
    const r = await checkSetGlue(exp([{ name: 'ns1.nonexistent.com', ipv4: '127.0.0.40' }]), opts());
    expect(r.verdict).toBe('failed');
    expect(r.servers[0]!.kind).toBe('nxdomain');
    expect(r.names[0]!.status).toBe('missing');
    expect(r.warnings.join()).toContain('NXDOMAIN');
  });

  test('names domain delegated elsewhere → not_visible (warning) when the child check passes', async () => {
    const r = await checkSetGlue(
      exp([{ name: 'ns1.hosted.com', ipv4: '127.0.0.21', ipv6: '::ffff:127.0.0.21' }]),
      opts(),
    );
    expect(r.verdict).toBe('not_visible');
    expect(r.blocking).toBe(false);
    expect(r.delegationNs).toEqual(['ns.elsewhere.com']);
    expect(r.names[0]).toMatchObject({ status: 'not_visible', inDelegation: false, child: { status: 'ok' } });
    expect(r.childServers).toEqual([expect.objectContaining({ server: `127.0.0.8:${port}`, answered: true })]);
    expect(hosted.log.some((l) => l.name === 'ns1.hosted.com' && l.type === 'AAAA')).toBe(true);
  });

  test('not_visible with the child answering other addresses → failed', async () => {
    hosted.removeRecords('hosted.com', { name: 'ns1.hosted.com', type: 'A' });
    hosted.addRecords('hosted.com', [{ name: 'ns1.hosted.com', type: 'A', data: '127.0.0.99' }]);
    const r = await checkSetGlue(
      exp([{ name: 'ns1.hosted.com', ipv4: '127.0.0.21', ipv6: '::ffff:127.0.0.21' }]),
      opts(),
    );
    expect(r.verdict).toBe('failed');
    expect(r.names[0]!.child).toMatchObject({ status: 'mismatch', ipv4: ['127.0.0.99'] });
    expect(r.names[0]!.problems.join()).toContain(
      "hosted.com's servers answer A 127.0.0.99 for ns1.hosted.com (expected 127.0.0.21)",
    );
  });

  test('parent discovery from root hints: fake root → com → child', async () => {
    const r = await checkSetGlue(exp(EXAMPLE), opts({ parentServers: [], rootServers: [root.address] }));
    expect(r.parentZone).toBe('com');
    expect(r.servers.map((s) => s.server)).toEqual([`127.0.0.1:${port}`]);
    expect(r.verdict).toBe('ok');
    expect(root.log).toEqual([{ transport: 'udp', name: 'example.com', type: 'NS', edns: true }]);
  });

  test('waitForGlue polls until the registry publishes the glue', async () => {
    const attempts: string[] = [];
    const r = await waitForGlue(exp(missingNames), {
      ...opts(),
      waitMs: 10_000,
      initialDelayMs: 20,
      onAttempt: (rep, n, next) => {
        attempts.push(`${n}:${rep.verdict}:${next ? 'again' : 'last'}`);
        if (next) {
          expect(next.delayMs).toBe(20); // the first backoff, well inside the wait
          expect(next.leftMs).toBeGreaterThan(0);
          expect(next.leftMs).toBeLessThanOrEqual(10_000);
        }
        if (n === 1)
          com.addRecords(
            'com',
            missingNames.flatMap((m) => [
              { name: m.name, type: 'A' as const, data: m.ipv4 },
              { name: m.name, type: 'AAAA' as const, data: m.ipv6 },
            ]),
          );
      },
    });
    expect(attempts).toEqual(['1:failed:again', '2:ok:last']);
    expect(r.blocking).toBe(false);
  });
});

test('waitForGlue: the retry is capped by the time left, and the last attempt says no check follows', async () => {
  const seen: string[] = [];
  const r = await waitForGlue(exp(missingNames), {
    ...opts(),
    waitMs: 150,
    initialDelayMs: 100,
    maxDelayMs: 100,
    onAttempt: (rep, _n, next) => {
      expect(rep.blocking).toBe(true);
      if (next) expect(next.delayMs).toBeLessThanOrEqual(next.leftMs);
      seen.push(next ? 'again' : 'last');
    },
  });
  expect(r.blocking).toBe(true);
  expect(seen.at(-1)).toBe('last');
  expect(seen.slice(0, -1).every((s) => s === 'again')).toBe(true);
});

describe('checkZoneDelegation', () => {
  const base = () => ({ rootServers: [], parentServers: [com.address], port, timeoutMs: 300, retries: 0 });

  test('delegated to the expected names (case and order do not matter)', async () => {
    const d = await checkZoneDelegation('Example.com', ['NS2.example.com.', 'ns1.example.com'], base());
    expect(d).toMatchObject({
      zone: 'example.com',
      status: 'delegated',
      nameservers: ['ns1.example.com', 'ns2.example.com'],
    });
  });

  test('delegated elsewhere, with the NS the parent has', async () => {
    const d = await checkZoneDelegation(
      'hosted.com',
      EXAMPLE.map((e) => e.name),
      base(),
    );
    expect(d).toMatchObject({ status: 'elsewhere', nameservers: ['ns.elsewhere.com'] });
    expect(d.detail).toContain('ns.elsewhere.com');
  });

  test('through the root hints', async () => {
    const d = await checkZoneDelegation(
      'example.com',
      EXAMPLE.map((e) => e.name),
      { ...base(), parentServers: [], rootServers: [root.address] },
    );
    expect(d.status).toBe('delegated');
  });

  test('unknown when no parent server answers, within the bound', async () => {
    const d = await checkZoneDelegation('example.com', ['ns1.example.com'], {
      ...base(),
      parentServers: [silent.address],
      deadlineMs: 5000,
    });
    expect(d).toMatchObject({ status: 'unknown', nameservers: [] });
    expect(d.detail).toContain('no parent server answered');
  });

  test('unknown when the whole call exceeds its bound', async () => {
    const d = await checkZoneDelegation('example.com', ['ns1.example.com'], {
      ...base(),
      parentServers: [silent.address],
      timeoutMs: 5000,
      deadlineMs: 100,
    });
    expect(d.status).toBe('unknown');
    expect(d.detail).toContain('within 100 ms');
  });
});
