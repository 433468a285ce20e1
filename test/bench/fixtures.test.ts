import { managedZoneNames, desiredYaml, accountState, pureStates, SET1_NAMES } from '../../bench/fixtures.js';
import { glueYaml } from '../../bench/dns-scenarios.js';
import { repeatedRequests, median, timeline } from '../../bench/measure.js';
import { loadDesiredStateFromString } from '../../src/config/load.js';
import { buildPlan } from '../../src/plan/build.js';

describe('bench fixtures', () => {
  test('managed zones are spread evenly over the account and exist in it', () => {
    const names = managedZoneNames(5, 20);
    expect(names).toEqual([
      'zone-00001.example',
      'zone-00005.example',
      'zone-00009.example',
      'zone-00013.example',
      'zone-00017.example',
    ]);
    const account = new Set(accountState(20).zones.map((z) => z.name));
    for (const n of names) expect(account.has(n)).toBe(true);
    expect(() => managedZoneNames(3, 2)).toThrow(RangeError);
  });

  test('the generated file is valid and manages exactly the zones given', () => {
    const zones = managedZoneNames(30, 100);
    const res = loadDesiredStateFromString(desiredYaml({ zones, mix: true, accountDefault: true }), 'bench.yaml', {
      cwd: '/',
      env: {},
    });
    if (!res.ok) throw new Error(JSON.stringify(res.errors));
    expect(res.state.zones.map((z) => z.name)).toEqual(zones);
    expect(res.state.sets.map((s) => s.set)).toEqual([1, 2]);
    expect(res.state.policy.glueCheck).toBe('off');
    expect(res.state.accountDefault?.value).toBe('custom.account');
  });

  test('an account with set 1 already created holds its names', () => {
    expect(accountState(3, true).customNs.map((n) => [n.ns_name, n.ns_set])).toEqual(SET1_NAMES.map((n) => [n, 1]));
  });

  test('pure states plan a switch for every custom zone not already in place', () => {
    const { desired, live } = pureStates(70);
    const plan = buildPlan(desired, live);
    const assigns = plan.steps.filter((s) => s.kind === 'assign_zone').length;
    const custom = desired.zones.filter((z) => z.target.type === 'custom').length;
    const inPlace = live.zones.filter((z) => z.nameservers.type === 'custom.account').length;
    expect(inPlace).toBeGreaterThan(0);
    expect(assigns).toBe(custom - inPlace);
  });
});

describe('measure helpers', () => {
  test('repeatedRequests counts only successful repeats', () => {
    const e = (method: string, path: string, status: number) => ({ method, path, status, time: 0 });
    const log = [
      e('GET', '/zones?page=1', 429),
      e('GET', '/zones?page=1', 200),
      e('GET', '/zones?page=2', 200),
      e('GET', '/zones?page=2', 200),
      e('PATCH', '/zones/a', 200),
    ];
    expect(repeatedRequests(log)).toEqual(['GET /zones?page=2']);
  });

  test('median', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('timeline', () => {
  const log = [
    { method: 'GET', path: '/a', status: 200, time: 1000, answeredAt: 1050 },
    { method: 'GET', path: '/b', status: 200, time: 1010, answeredAt: 1060 },
    { method: 'GET', path: '/c', status: 429, time: 1500, answeredAt: 1550 },
    { method: 'GET', path: '/d', status: 200, time: 2100, answeredAt: 2150 },
  ];
  test('where the time went: start-up to the first request, the span, the busiest second, in flight', () => {
    expect(timeline(log, 400)).toEqual({
      requests: 4,
      rateLimited: 1,
      firstRequestMs: 600,
      spanMs: 1150,
      perSecond: (4 / 1150) * 1000,
      busiestSecond: 3,
      maxInFlight: 2,
    });
  });
  test('an empty log', () => {
    expect(timeline([], 0)).toEqual({ requests: 0, rateLimited: 0, busiestSecond: 0, maxInFlight: 0 });
  });
});

describe('the glue scenario file', () => {
  test('declares every set with two names of its own and is valid', () => {
    const res = loadDesiredStateFromString(glueYaml(5), 'glue.yaml', { cwd: '/', env: {} });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.state.sets.map((s) => s.names.map((n) => n.name))).toEqual([
      ['ns1.bench-dns.example', 'ns2.bench-dns.example'],
      ['ns3.bench-dns.example', 'ns4.bench-dns.example'],
      ['ns5.bench-dns.example', 'ns6.bench-dns.example'],
      ['ns7.bench-dns.example', 'ns8.bench-dns.example'],
      ['ns9.bench-dns.example', 'ns10.bench-dns.example'],
    ]);
  });
});
