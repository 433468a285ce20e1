import { checkStaleness, StalePlanError } from '../../src/apply/stale.js';
import type { ResolveOptions, ResolvedZones } from '../../src/cloudflare/api.js';
import { AcnsError } from '../../src/errors.js';
import { MemoryApi } from './memory-api.js';
import { create, makePlan, remove, seedAccount, seedPlan, setDefault, toSet } from './plans.js';

describe('checkStaleness', () => {
  test('a fresh account: nothing done, nothing stale; reads only what the plan touches', async () => {
    const api = seedAccount(new MemoryApi());
    const report = await checkStaleness(seedPlan(), api);
    expect(report).toEqual({ stale: [], alreadyDone: [] });
    expect(api.callsOf('listNameservers')).toHaveLength(1);
    expect(
      api
        .callsOf('getZoneNameservers')
        .map((c) => c.target)
        .sort(),
    ).toEqual(['a.example', 'b.example', 'legacy.example']);
    expect(api.callsOf('getAccountDefault')).toHaveLength(1);
    expect(api.writes()).toEqual([]);
  });

  test('a plan without nameserver or default steps does not list them (the zone id is checked by name)', async () => {
    const api = seedAccount(new MemoryApi());
    await checkStaleness(makePlan([toSet('a.example', 'z-a', 1)]), api);
    expect(api.calls.map((c) => c.method)).toEqual(['resolveZones', 'getZoneNameservers']);
  });

  test('a zone changed out of band makes the plan stale, naming planned and current values', async () => {
    const api = seedAccount(new MemoryApi());
    api.zones.get('z-a')!.ns = { type: 'custom.account', set: 2 };
    const report = await checkStaleness(seedPlan(), api);
    expect(report.stale).toEqual([
      {
        stepId: 'assign_zone:a.example',
        target: 'a.example',
        planned: { type: 'cloudflare.standard' },
        current: { type: 'custom.account', set: 2 },
      },
    ]);
    expect(api.writes()).toEqual([]);

    const err = new StalePlanError(report.stale);
    expect(err).toBeInstanceOf(AcnsError);
    expect(err.exitCode).toBe(3);
    expect(err.code).toBe('plan_stale');
    expect(err.message).toContain('zone a.example: was standard nameservers when planned, now set 2');
    expect(err.hint).toContain('acns plan');
  });

  test('a zone already at the planned value is done; custom.account without a set means set 1', async () => {
    const api = seedAccount(new MemoryApi());
    api.zones.get('z-a')!.ns = { type: 'custom.account' };
    const report = await checkStaleness(seedPlan(), api);
    expect(report.alreadyDone).toEqual(['assign_zone:a.example']);
  });

  test('nameservers: create present in the wanted set is done, in another stale; delete absent is done', async () => {
    const api = new MemoryApi()
      .addNameserver('ns1.example.com', 1)
      .addNameserver('ns2.example.com', 3)
      .addNameserver('ns4.example.com', 2);
    const plan = makePlan([
      create('ns1.example.com', 1),
      create('ns2.example.com', 1),
      create('ns3.example.com', 1),
      remove('ns4.example.com', 2),
      remove('ns5.example.com', 2),
    ]);
    const report = await checkStaleness(plan, api);
    expect(report.alreadyDone.sort()).toEqual([
      'create_nameserver:ns1.example.com',
      'delete_nameserver:ns5.example.com',
    ]);
    expect(report.stale).toEqual([
      { stepId: 'create_nameserver:ns2.example.com', target: 'ns2.example.com', planned: null, current: { set: 3 } },
    ]);
  });

  test('a delete whose name moved to another set meanwhile is stale', async () => {
    const api = new MemoryApi().addNameserver('ns4.example.com', 3);
    const report = await checkStaleness(makePlan([remove('ns4.example.com', 2)]), api);
    expect(report.stale).toEqual([
      {
        stepId: 'delete_nameserver:ns4.example.com',
        target: 'ns4.example.com',
        planned: { set: 2 },
        current: { set: 3 },
      },
    ]);
  });

  test('a name moving between sets (delete, then re-create) resumes at every point', async () => {
    const plan = makePlan([
      remove('ns1.example.com', 1),
      create('ns1.example.com', 2, ['delete_nameserver:ns1.example.com']),
    ]);
    const at = async (set?: number): Promise<Awaited<ReturnType<typeof checkStaleness>>> => {
      const api = new MemoryApi();
      if (set !== undefined) api.addNameserver('ns1.example.com', set);
      return checkStaleness(plan, api);
    };
    expect(await at(1)).toEqual({ stale: [], alreadyDone: [] });
    expect(await at(undefined)).toEqual({ stale: [], alreadyDone: ['delete_nameserver:ns1.example.com'] });
    expect(await at(2)).toEqual({
      stale: [],
      alreadyDone: ['delete_nameserver:ns1.example.com', 'create_nameserver:ns1.example.com'],
    });
    expect((await at(4)).stale.map((s) => ('stepId' in s ? s.stepId : s.object))).toEqual([
      'delete_nameserver:ns1.example.com',
      'create_nameserver:ns1.example.com',
    ]);
  });

  test('account default: after → done, before → run, other → stale, unknown before → run', async () => {
    const check = async (
      live: string,
      before = 'cloudflare.standard',
    ): Promise<Awaited<ReturnType<typeof checkStaleness>>> => {
      const api = new MemoryApi();
      api.accountDefault = live;
      return checkStaleness(makePlan([setDefault(before, 'custom.account')]), api);
    };
    expect((await check('custom.account')).alreadyDone).toEqual(['set_account_default']);
    expect(await check('cloudflare.standard')).toEqual({ stale: [], alreadyDone: [] });
    expect((await check('cloudflare.standard.random')).stale).toEqual([
      {
        stepId: 'set_account_default',
        target: 'account default',
        planned: { value: 'cloudflare.standard' },
        current: { value: 'cloudflare.standard.random' },
      },
    ]);
    expect((await check('cloudflare.standard.random', 'unknown')).stale).toEqual([]);
  });

  test('a glue_check is never stale, and not done while a step it gates is still to run', async () => {
    const api = seedAccount(new MemoryApi()).addNameserver('ns1.example.com', 1).addNameserver('ns2.example.com', 1);
    api.zones.get('z-a')!.ns = { type: 'custom.account', set: 1 };
    const report = await checkStaleness(seedPlan(), api);
    expect(report.alreadyDone).toContain('assign_zone:a.example');
    expect(report.alreadyDone).not.toContain('glue_check:1'); // b.example and the default still wait for it
    expect(report.stale).toEqual([]);
  });

  test('a glue_check whose gated steps are all done is done: a finished plan has nothing left to check', async () => {
    const api = seedAccount(new MemoryApi()).addNameserver('ns1.example.com', 1).addNameserver('ns2.example.com', 1);
    api.zones.get('z-a')!.ns = { type: 'custom.account', set: 1 };
    api.zones.get('z-b')!.ns = { type: 'custom.account', set: 1 };
    api.zones.get('z-legacy')!.ns = { type: 'cloudflare.standard' };
    api.accountDefault = 'custom.account';
    const plan = seedPlan();
    const report = await checkStaleness(plan, api);
    expect(report.stale).toEqual([]);
    expect([...report.alreadyDone].sort()).toEqual(plan.steps.map((s) => s.id).sort());
  });

  test('an API error while re-reading propagates (nothing is written)', async () => {
    const api = seedAccount(new MemoryApi()).fail(
      'getAccountDefault',
      '*',
      () => new AcnsError('cloudflare_api', 'down'),
    );
    await expect(checkStaleness(seedPlan(), api)).rejects.toMatchObject({ code: 'cloudflare_api' });
    expect(api.writes()).toEqual([]);
  });
});

describe('the re-read is pipelined', () => {
  /** A listing that names its zones at once, then holds its answer until released. */
  class SlowListing extends MemoryApi {
    release: () => void = () => {};
    override resolveZones(names: string[], opts: ResolveOptions = {}): Promise<ResolvedZones> {
      for (const z of this.zoneRefs()) if (names.includes(z.name)) opts.onFound?.(z);
      const held = new Promise<void>((r) => (this.release = r));
      return held.then(() => super.resolveZones(names));
    }
  }

  test("a zone still under the plan's id is read as soon as the page naming it arrives", async () => {
    const api = seedAccount(new SlowListing());
    const report = checkStaleness(makePlan([toSet('a.example', 'z-a', 1), toSet('b.example', 'z-b', 1)]), api);
    await new Promise((r) => setImmediate(r));
    // both reads started while the listing was still on its way
    expect(api.callsOf('getZoneNameservers').map((c) => c.target)).toEqual(['a.example', 'b.example']);
    api.release();
    expect(await report).toEqual({ stale: [], alreadyDone: [] });
    expect(api.callsOf('getZoneNameservers')).toHaveLength(2); // each once: exactly as before
  });

  test('a zone found under another id than the plan recorded is not read, and the plan is stale', async () => {
    const api = new SlowListing().addZone('z-new', 'a.example');
    const report = checkStaleness(makePlan([toSet('a.example', 'z-a', 1)]), api);
    await new Promise((r) => setImmediate(r));
    api.release();
    expect((await report).stale).toHaveLength(1);
    expect(api.callsOf('getZoneNameservers')).toHaveLength(0);
  });
});
