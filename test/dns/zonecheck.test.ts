/**
 * The check apply makes right after a zone's switch, against fake DNS servers: the new set's
 * addresses must answer the zone with authority, and while the zone's parent still delegates it to
 * the set it left, so must the old set's — Cloudflare does not document whether they keep doing so,
 * and the run stops when they do not.
 */
import type { AccountApi } from '../../src/cloudflare/api.js';
import type { LiveNameserver } from '../../src/cloudflare/types.js';
import { DnsCache } from '../../src/dns/cache.js';
import { type FakeDnsServer, type FakeRecord, fakeSoa, startFakeServers } from '../../src/dns/fakeserver.js';
import type { DnsRun } from '../../src/operations/dns-run.js';
import { switchCheckWaitMs, ZONE_CHECK_WAIT_MS, zoneChecker } from '../../src/operations/zonecheck.js';
import type { Step } from '../../src/plan/types.js';

const OLD = ['ns1.old.test', 'ns2.old.test'];
const NEW = ['ns1.new.test', 'ns2.new.test'];
const OLD_IP = '127.0.0.4';
const NEW_IP = '127.0.0.5';

const ns = (name: string, data: string): FakeRecord => ({ name, type: 'NS', data });
const served = (names: string[]) => ({
  origin: 'example.org',
  records: [fakeSoa('example.org'), ...names.map((n) => ns('example.org', n))],
});

let root: FakeDnsServer;
let tld: FakeDnsServer;
let oldSet: FakeDnsServer;
let newSet: FakeDnsServer;

function delegateTo(names: string[]): void {
  tld.setZones([
    {
      origin: 'org',
      records: [fakeSoa('org'), ns('org', 'a.nic.org'), ...names.map((n) => ns('example.org', n))],
    },
  ]);
}

beforeAll(async () => {
  [root, tld, oldSet, newSet] = (await startFakeServers([
    {
      host: '127.0.0.1',
      zones: [
        {
          origin: '',
          records: [fakeSoa(''), ns('org', 'a.nic.org'), { name: 'a.nic.org', type: 'A', data: '127.0.0.2' }],
        },
      ],
    },
    { host: '127.0.0.2', zones: [] },
    { host: OLD_IP, zones: [served(NEW)] },
    { host: NEW_IP, zones: [served(NEW)] },
  ])) as [FakeDnsServer, FakeDnsServer, FakeDnsServer, FakeDnsServer];
});
afterAll(async () => {
  await Promise.all([root, tld, oldSet, newSet].map((s) => s.close()));
});
beforeEach(() => {
  delegateTo(OLD);
  oldSet.setZones([served(NEW)]);
  newSet.setZones([served(NEW)]);
});

function api(): AccountApi {
  const names: LiveNameserver[] = [
    ...OLD.map((name) => ({ name, set: 1, ipv4: OLD_IP })),
    ...NEW.map((name) => ({ name, set: 2, ipv4: NEW_IP })),
  ];
  return { listNameservers: async () => names } as unknown as AccountApi;
}

function run(): DnsRun {
  const cache = new DnsCache();
  return {
    on: true,
    dns: { rootServers: [root.address], parentServers: [], port: root.port, cache },
    reads: { cache },
  };
}

const MOVE: Step = {
  id: 'assign_zone:example.org',
  kind: 'assign_zone',
  target: 'example.org',
  zoneId: 'z1',
  before: { type: 'custom.account', set: 1 },
  after: { type: 'custom.account', set: 2 },
  reasonCode: 'zone_setting_differs',
  reason: 'r',
  class: 'config',
  dependsOn: [],
};

const check = (step: Step = MOVE) => zoneChecker(api(), run(), { waitMs: 0 })(step);

test('moved, parent still on the old set, and the old set keeps answering with authority: ok', async () => {
  const v = await check();
  expect(v).toMatchObject({ verdict: 'ok', blocking: false });
});

test('moved while the parent names the old set, which stopped answering: failed, blocking', async () => {
  oldSet.setZones([]); // REFUSED for example.org: the old set no longer serves a zone that left it
  const v = await check();
  expect(v?.verdict).toBe('failed');
  expect(v?.blocking).toBe(true);
  expect(v?.message).toMatch(/set 1 \(its parent still lists ns1\.old\.test, ns2\.old\.test\).*REFUSED/);
});

test('once the parent names the new set, the old set is not asked', async () => {
  delegateTo(NEW);
  oldSet.setZones([]);
  const before = oldSet.log.length;
  expect(await check()).toMatchObject({ verdict: 'ok', blocking: false });
  expect(oldSet.log.length).toBe(before);
});

test('the new set not answering for the zone (lame) is failed; its apex NS not yet the set is failed too', async () => {
  newSet.setZones([]);
  expect(await check()).toMatchObject({ verdict: 'failed', blocking: true });
  newSet.setZones([served(OLD)]);
  const v = await check();
  expect(v?.verdict).toBe('failed');
  expect(v?.message).toMatch(/apex NS/);
});

test("a zone's delegation that cannot be read after leaving a set is could not verify (blocking)", async () => {
  tld.knobs.silent = true;
  try {
    const v = await zoneChecker(api(), { ...run(), dns: { ...run().dns, deadlineMs: 300 } }, { waitMs: 0 })(MOVE);
    expect(v).toMatchObject({ verdict: 'could_not_verify', blocking: true });
  } finally {
    tld.knobs.silent = false;
  }
});

test('no DNS checks with glue_check off; steps that touch no custom set are not checked', async () => {
  expect(await zoneChecker(api(), { ...run(), on: false }, { waitMs: 0 })(MOVE)).toBeUndefined();
  const std: Step = { ...MOVE, before: { type: 'cloudflare.standard' }, after: { type: 'cloudflare.standard' } };
  expect(await check(std)).toBeUndefined();
});

describe('how long apply keeps asking after a switch (dns.switch_check_seconds)', () => {
  /** A clock the pauses advance: no real waiting. */
  function virtual(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
    let t = 0;
    const slept: number[] = [];
    return { now: () => t, sleep: async (ms) => void (slept.push(ms), (t += ms)), slept };
  }

  test('the wait comes from the file, an explicit wait wins, and unset is 30 s', () => {
    expect(switchCheckWaitMs({})).toBe(ZONE_CHECK_WAIT_MS);
    expect(ZONE_CHECK_WAIT_MS).toBe(30_000);
    expect(switchCheckWaitMs({ switchCheckSeconds: 0 })).toBe(0);
    expect(switchCheckWaitMs({ switchCheckSeconds: 90 })).toBe(90_000);
    expect(switchCheckWaitMs({ switchCheckSeconds: 90 }, 0)).toBe(0);
  });

  const soaAsked = (from: number): number =>
    newSet.log.slice(from).filter((q) => q.name === 'example.org' && q.type === 'SOA').length;
  let oneAttempt = 0;

  test('0: a lame new set is asked once, no pause', async () => {
    newSet.setZones([]);
    const clock = virtual();
    const before = newSet.log.length;
    const v = await zoneChecker(api(), run(), { waitMs: switchCheckWaitMs({ switchCheckSeconds: 0 }), ...clock })(MOVE);
    expect(v?.verdict).toBe('failed');
    expect(clock.slept).toEqual([]);
    oneAttempt = soaAsked(before);
    expect(oneAttempt).toBeGreaterThan(0);
  });

  test('the default keeps asking with growing pauses until 30 s would pass, never beyond', async () => {
    newSet.setZones([]);
    const clock = virtual();
    const before = newSet.log.length;
    const v = await zoneChecker(api(), run(), { waitMs: switchCheckWaitMs({}), ...clock })(MOVE);
    expect(v?.verdict).toBe('failed');
    expect(clock.slept).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(soaAsked(before)).toBe(6 * oneAttempt);
    expect(clock.now()).toBeLessThanOrEqual(30_000);
  });
});
