/**
 * No DNS check runs unbounded: glueless cycles end at once, referral walks are capped, a check
 * has a deadline and a query cap, servers of one level are asked staggered in parallel (a silent
 * first server costs no timeout), REFUSED / SERVFAIL move on to the next server, a server that
 * does not know EDNS is asked without it, and a run's checks share what they learned.
 * Deadlines here are short and injected; nothing waits on a production timer.
 */
import { DnsCache } from '../../src/dns/cache.js';
import { type FakeDnsServer, type FakeRecord, fakeSoa, startFakeServers } from '../../src/dns/fakeserver.js';
import { checkSetGlue, checkZoneDelegation, type GlueCheckOptions } from '../../src/dns/glue.js';
import { checkZoneReferral } from '../../src/dns/referral.js';
import { comZone, EXAMPLE, exampleZone, finishesWithin, rootZone } from './fixtures.js';

const ns = (name: string, data: string): FakeRecord => ({ name, type: 'NS', data });
const a = (name: string, data: string): FakeRecord => ({ name, type: 'A', data });

let root: FakeDnsServer; // 127.0.0.10 — root: com and net
let root2: FakeDnsServer; // 127.0.0.11 — a second root address (made to refuse / fail)
let com: FakeDnsServer; // 127.0.0.1
let silent: FakeDnsServer; // 127.0.0.7
let port: number;
let all: FakeDnsServer[];

function rootRecords(): FakeRecord[] {
  return [...rootZone().records, ns('net', 'a.nic.net'), a('a.nic.net', '127.0.0.2')];
}

function cycleCom(): FakeRecord[] {
  // a.com → ns.b.net and b.net → ns.a.com, no glue anywhere on the loop
  return [
    ...comZone().records,
    fakeSoa('com'),
    ns('a.com', 'ns.b.net'),
    // quiet.com's only server is blackholed
    ns('quiet.com', 'ns.quiet.com'),
    a('ns.quiet.com', '127.0.0.7'),
  ];
}

beforeAll(async () => {
  all = await startFakeServers([
    { host: '127.0.0.10', zones: [{ origin: '', records: rootRecords() }] },
    { host: '127.0.0.11', zones: [{ origin: '', records: rootRecords() }] },
    { host: '127.0.0.1', zones: [{ origin: 'com', records: cycleCom() }] },
    { host: '127.0.0.2', zones: [{ origin: 'net', records: [fakeSoa('net'), ns('b.net', 'ns.a.com')] }] },
    { host: '127.0.0.3', zones: [exampleZone()] },
    { host: '127.0.0.4', zones: [exampleZone()] },
    { host: '127.0.0.7', zones: [], knobs: { silent: true } },
  ]);
  [root, root2, com, , , , silent] = all; // .2 serves net, .3/.4 serve example.com
  port = root.port;
});

afterAll(async () => {
  await Promise.all(all.map((s) => s.close()));
});

afterEach(() => {
  for (const s of all) {
    s.knobs = s === silent ? { silent: true } : {};
    s.log.length = 0;
  }
});

function opts(over: Partial<GlueCheckOptions> = {}): GlueCheckOptions {
  return { rootServers: [root.address], parentServers: [], port, timeoutMs: 300, retries: 0, ...over };
}

const queries = (): number => all.reduce((n, s) => n + s.log.length, 0);

describe('a glueless cycle (a.com → ns.b.net, b.net → ns.a.com)', () => {
  test('the glue check ends as could_not_verify after a handful of queries, naming the cycle', async () => {
    const r = await checkSetGlue(
      { set: 1, registrar: 'external', names: [{ name: 'ns1.a.com', ipv4: '127.0.0.50' }] },
      opts(),
    );
    expect(r.verdict).toBe('could_not_verify');
    expect(r.names[0]!.status).toBe('could_not_verify');
    expect(r.warnings.join('\n')).toContain('glueless delegation cycle: ns.b.net → ns.a.com → ns.b.net');
    expect(queries()).toBeLessThan(20);
    expect(r.bounds.queries).toBe(queries());
  });

  test('with blackholed servers too, the check ends at its deadline as could_not_verify', async () => {
    const deadlineMs = 800;
    const check = checkSetGlue(
      {
        set: 1,
        registrar: 'external',
        names: [
          { name: 'ns1.a.com', ipv4: '127.0.0.50' },
          { name: 'ns1.quiet.com', ipv4: '127.0.0.51' },
        ],
      },
      // a silent first root and quiet.com's silent server; per-query timeouts would never end first
      opts({ rootServers: [silent.address, root.address], timeoutMs: 60_000, staggerMs: 20, deadlineMs }),
    );
    const r = await finishesWithin(check, deadlineMs + 3000);
    expect(r.verdict).toBe('could_not_verify');
    expect(r.domains.map((d) => [d.hostZone, d.verdict])).toEqual([
      ['a.com', 'could_not_verify'],
      ['quiet.com', 'could_not_verify'],
    ]);
    expect(r.warnings.join('\n')).toContain('glueless delegation cycle: ns.b.net → ns.a.com → ns.b.net');
    expect(r.bounds.cutShort).toBe('the check did not finish within its deadline of 800 ms');
    expect(silent.log.length).toBeGreaterThan(0);
    expect(queries()).toBeLessThan(40);
  });

  test('a delegation check below the cycle ends as unknown', async () => {
    const d = await checkZoneDelegation('www.a.com', ['ns1.example.com'], opts());
    expect(d.status).toBe('unknown');
    expect(d.detail).toContain('have no address we could find');
    expect(queries()).toBeLessThan(20);
  });
});

describe('deadline and query cap', () => {
  test('blackholed DNS: the check ends at its deadline as could_not_verify, with the reason', async () => {
    const r = await checkSetGlue(
      { set: 1, registrar: 'external', names: EXAMPLE },
      // 13 roots 1 ms apart fit well inside the deadline even on a loaded machine
      opts({ rootServers: Array(13).fill(silent.address), timeoutMs: 60_000, deadlineMs: 800, staggerMs: 1 }),
    );
    expect(r.verdict).toBe('could_not_verify');
    expect(r.blocking).toBe(true);
    expect(r.bounds.cutShort).toBe('the check did not finish within its deadline of 800 ms');
    expect(r.warnings.join('\n')).toContain('within its deadline of 800 ms');
    expect(silent.log.length).toBe(13); // staggered: every root was tried before the deadline
  });

  test('blackholed parent servers: the delegation check ends at its deadline as unknown', async () => {
    const d = await checkZoneDelegation('example.com', ['ns1.example.com'], {
      ...opts({ parentServers: [silent.address], timeoutMs: 60_000 }),
      deadlineMs: 200,
    });
    expect(d).toMatchObject({ status: 'unknown', detail: "no answer about example.com's delegation within 200 ms" });
  });

  test('the query cap stops a check and says so', async () => {
    const r = await checkSetGlue({ set: 1, registrar: 'external', names: EXAMPLE }, opts({ maxQueries: 2 }));
    expect(r.verdict).toBe('could_not_verify');
    expect(queries()).toBe(2);
    expect(r.bounds).toMatchObject({
      queries: 2,
      maxQueries: 2,
      cutShort: 'the check reached its cap of 2 DNS queries',
    });
  });
});

describe('servers of one level', () => {
  test('a silent first root costs no timeout: the next one is asked after the stagger', async () => {
    const d = await checkZoneDelegation(
      'example.com',
      EXAMPLE.map((e) => e.name),
      { ...opts({ rootServers: [silent.address, root.address], timeoutMs: 60_000, staggerMs: 20 }), deadlineMs: 5000 },
    );
    expect(d).toMatchObject({ status: 'delegated', parentZone: 'com' });
    expect(silent.log).toHaveLength(1);
    expect(root.log).toHaveLength(1);
  });

  test.each(['REFUSED', 'SERVFAIL'] as const)('a root answering %s: the next root is asked', async (rcode) => {
    root2.knobs = { rcode };
    const r = await checkSetGlue(
      { set: 1, registrar: 'external', names: EXAMPLE },
      opts({ rootServers: [root2.address, root.address] }),
    );
    expect(r.verdict).toBe('ok');
    expect(r.parentZone).toBe('com');
    expect(root2.log).toHaveLength(1);
    expect(root.log).toHaveLength(1);
  });

  test('a parent that answers FORMERR to EDNS is asked again without it', async () => {
    com.knobs = { formerrOnEdns: true };
    const r = await checkSetGlue(
      { set: 1, registrar: 'external', names: EXAMPLE },
      opts({ parentServers: [com.address] }),
    );
    expect(r.verdict).toBe('ok');
    expect(r.servers[0]).toMatchObject({ kind: 'referral', ednsFallback: true });
    const asked = com.log.filter((l) => l.name === 'example.com' && l.type === 'NS').map((l) => l.edns);
    expect(asked).toEqual([true, false]);
  });
});

describe('a cache shared by the checks of a run', () => {
  test('two sets and two zones under .com: the root is asked once', async () => {
    const cache = new DnsCache();
    const o = opts({ cache });
    const [r1, r2] = [
      await checkSetGlue({ set: 1, registrar: 'external', names: EXAMPLE }, o),
      await checkSetGlue({ set: 2, registrar: 'external', names: [EXAMPLE[0]!] }, o),
    ];
    const d = await checkZoneDelegation('missing.com', ['ns1.missing.com'], { ...o, cache });
    expect([r1.verdict, r2.verdict, d.status]).toEqual(['ok', 'ok', 'elsewhere']);
    expect(root.log).toHaveLength(1);
    // "is this a server of .com?" is asked once per run too
    expect(com.log.filter((l) => l.name === 'com' && l.type === 'SOA')).toHaveLength(1);
  });

  test("a zone's referral check reuses the NS answer its delegation check got; a glue check asks again", async () => {
    // the parent's servers given: the only NS questions at com are the checks' own (no walk)
    const o = opts({ cache: new DnsCache(), shareNsAnswers: true, parentServers: [com.address] });
    const asked = (): number => com.log.filter((l) => l.name === 'example.com' && l.type === 'NS').length;
    const d = await checkZoneDelegation(
      'example.com',
      EXAMPLE.map((e) => e.name),
      o,
    );
    expect(d.status).toBe('delegated');
    expect(asked()).toBe(1);
    const r = await checkZoneReferral('example.com', EXAMPLE, o);
    expect([r.nsMatches, r.staleGlue]).toEqual([true, []]);
    expect(asked()).toBe(1); // full glue over UDP: no new query, not even a TCP confirmation
    // a check repeated until the glue changes never takes a kept answer, nor does a new run
    await checkSetGlue({ set: 1, registrar: 'external', names: EXAMPLE }, { ...o, shareNsAnswers: false });
    expect(asked()).toBe(2);
    await checkZoneReferral('example.com', EXAMPLE, { ...o, cache: new DnsCache() });
    expect(asked()).toBe(3);
  });

  test('a failed NS query is not kept: the next check asks again', async () => {
    const cache = new DnsCache();
    const o = opts({ cache, shareNsAnswers: true, parentServers: [com.address] });
    com.knobs = { dropUdp: 2 }; // its SOA and NS questions of the first check
    const d = await checkZoneDelegation(
      'example.com',
      EXAMPLE.map((e) => e.name),
      o,
    );
    expect(d.status).toBe('unknown');
    const r = await checkZoneReferral('example.com', EXAMPLE, o);
    expect(r.nsMatches).toBe(true);
    expect(com.log.filter((l) => l.name === 'example.com' && l.type === 'NS')).toHaveLength(2);
  });

  test('without a shared cache every check walks from the root', async () => {
    await checkSetGlue({ set: 1, registrar: 'external', names: EXAMPLE }, opts());
    await checkSetGlue({ set: 2, registrar: 'external', names: EXAMPLE }, opts());
    expect(root.log).toHaveLength(2);
  });
});
