import { managedZoneNames, desiredYaml, accountState, pureStates, SET1_NAMES } from '../../bench/fixtures.js';
import { repeatedRequests, median } from '../../bench/measure.js';
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
