import { currentStepId, executePlan } from '../../src/apply/executor.js';
import { checkStaleness } from '../../src/apply/stale.js';
import type { GlueChecker, GlueVerdict, StepResult, ZoneCheckVerdict } from '../../src/apply/types.js';
import type { GlueExpectation } from '../../src/plan/types.js';
import { CloudflareError, NetworkError } from '../../src/cloudflare/errors.js';
import { accountWideError, MemoryApi, serverError } from './memory-api.js';
import { create, makePlan, seedAccount, seedPlan, toSet } from './plans.js';

const okGlue: GlueChecker = async () => ({ blocking: false, verdict: 'ok' });
const byId = (results: StepResult[]): Record<string, StepResult['outcome']> =>
  Object.fromEntries(results.map((r) => [r.id, r.outcome]));

describe('executePlan: the check after each switch', () => {
  const failed: ZoneCheckVerdict = {
    verdict: 'failed',
    blocking: true,
    message: 'set 1 answers REFUSED',
    problems: [],
  };

  test('enforce: a blocking verdict fails that switch and stops the run; nothing new starts (exit 3)', async () => {
    const api = seedAccount(new MemoryApi());
    const checked: string[] = [];
    const res = await executePlan(seedPlan(), api, {
      checkGlue: okGlue,
      concurrency: 1,
      checkZone: async (step) => {
        checked.push(step.target);
        return step.target === 'a.example' ? failed : { ...failed, verdict: 'ok', blocking: false };
      },
    });
    expect(checked).toEqual(['a.example']);
    const a = res.results.find((r) => r.id === 'assign_zone:a.example')!;
    expect(a.outcome).toBe('failed');
    expect(a.error?.code).toBe('zone_check_failed');
    expect(a.error?.message).toMatch(
      /^a\.example was switched, but set 1 answers REFUSED; no further step was started/,
    );
    expect(a.zoneCheck).toEqual(failed);
    expect(res.stoppedBy).toBe('zone_check');
    expect(res.exitCode).toBe(3);
    // the switch itself happened; nothing after it was started
    expect(api.zoneByName('a.example')).toEqual({ type: 'custom.account', set: 1 });
    expect(api.zoneByName('b.example')).toEqual({ type: 'cloudflare.standard' });
    expect(byId(res.results)['assign_zone:b.example']).toBe('not_attempted');
  });

  test('warn: the verdict is kept on the step and the run goes on', async () => {
    const api = seedAccount(new MemoryApi());
    const res = await executePlan(seedPlan('warn'), api, { checkGlue: okGlue, checkZone: async () => failed });
    expect(res.exitCode).toBe(0);
    expect(res.results.find((r) => r.id === 'assign_zone:b.example')?.zoneCheck).toEqual(failed);
  });
});

describe('executePlan: the seed path', () => {
  test('runs every step once, in dependency order, and exits 0', async () => {
    const api = seedAccount(new MemoryApi());
    const seen: GlueExpectation[] = [];
    const res = await executePlan(seedPlan(), api, {
      checkGlue: async (exp) => {
        seen.push(exp);
        return { blocking: false, verdict: 'ok' };
      },
    });
    expect(res.exitCode).toBe(0);
    expect(res.stoppedBy).toBeUndefined();
    expect(res.counts).toEqual({ done: 7, already_done: 0, failed: 0, skipped: 0, not_attempted: 0 });
    expect(res.results.map((r) => r.id)).toEqual(seedPlan().steps.map((s) => s.id)); // plan order
    expect(api.callsOf('createNameserver')).toHaveLength(2);
    expect(api.zoneByName('a.example')).toEqual({ type: 'custom.account', set: 1 });
    expect(api.zoneByName('legacy.example')).toEqual({ type: 'cloudflare.standard' });
    expect(api.accountDefault).toBe('custom.account');

    // Zones and the default were written only after both names existed and the glue check ran.
    const idx = (m: string, t: string): number => api.calls.findIndex((c) => c.method === m && c.target === t);
    const lastCreate = Math.max(idx('createNameserver', 'ns1.example.com'), idx('createNameserver', 'ns2.example.com'));
    expect(seen).toHaveLength(1);
    for (const t of ['a.example', 'b.example']) expect(idx('setZoneNameservers', t)).toBeGreaterThan(lastCreate);
    expect(idx('setAccountDefault', 'account')).toBeGreaterThan(lastCreate);

    // The glue expectation was filled with the addresses Cloudflare assigned to the created names,
    // without listing the account again.
    expect(seen[0].names).toEqual(
      [...api.nameservers.values()].map((n) => ({ name: n.name, ipv4: n.ipv4, ipv6: n.ipv6 })),
    );
    expect(api.callsOf('listNameservers')).toHaveLength(0);
  });

  test('every API call runs in the context of its step (currentStepId)', async () => {
    const api = seedAccount(new MemoryApi());
    await executePlan(seedPlan(), api, { checkGlue: okGlue });
    for (const c of api.writes()) {
      const expected =
        c.method === 'setAccountDefault'
          ? 'set_account_default'
          : c.method === 'setZoneNameservers'
            ? `assign_zone:${c.target}`
            : `create_nameserver:${c.target}`;
      expect(c.step).toBe(expected);
    }
    expect(currentStepId()).toBeUndefined();
  });

  test('re-lists once to fill addresses of names that already existed', async () => {
    const api = seedAccount(new MemoryApi()).addNameserver('ns1.example.com', 1);
    const plan = seedPlan();
    const seen: GlueExpectation[] = [];
    const { alreadyDone } = await checkStaleness(plan, api);
    expect(alreadyDone).toContain('create_nameserver:ns1.example.com');
    await executePlan(plan, api, {
      alreadyDone,
      checkGlue: async (e) => (seen.push(e), { blocking: false, verdict: 'ok' }),
    });
    expect(api.callsOf('createNameserver').map((c) => c.target)).toEqual(['ns2.example.com']);
    expect(api.callsOf('listNameservers')).toHaveLength(2); // staleness + one re-list for the glue check
    expect(seen[0].names.every((n) => n.ipv4 && n.ipv6)).toBe(true);
  });
});

describe('executePlan: concurrency and failures', () => {
  const tenCreates = (): ReturnType<typeof makePlan> =>
    makePlan(Array.from({ length: 10 }, (_, i) => create(`ns${i}.example.com`)));

  test.each([1, 3])('never has more than %i steps in flight', async (concurrency) => {
    const api = new MemoryApi();
    const res = await executePlan(tenCreates(), api, { concurrency });
    expect(res.counts.done).toBe(10);
    expect(api.maxInFlight).toBe(concurrency);
  });

  test('a failed step skips its dependents; independent steps go on (exit 1)', async () => {
    const api = seedAccount(new MemoryApi()).fail('createNameserver', 'ns2.example.com', () => serverError('boom'));
    const res = await executePlan(seedPlan(), api, { checkGlue: okGlue, concurrency: 1 });
    expect(byId(res.results)).toEqual({
      'create_nameserver:ns1.example.com': 'done',
      'create_nameserver:ns2.example.com': 'failed',
      'glue_check:1': 'skipped',
      'assign_zone:a.example': 'skipped',
      'assign_zone:b.example': 'skipped',
      'assign_zone:legacy.example': 'done',
      set_account_default: 'skipped',
    });
    const failed = res.results.find((r) => r.outcome === 'failed');
    expect(failed?.error).toEqual({ code: 'cloudflare_api', message: 'boom', status: 500, cfCodes: [1000] });
    // Skips name the failed step at their root, even through a skipped glue check.
    expect(res.results.find((r) => r.id === 'assign_zone:a.example')?.blockedBy).toEqual([
      'create_nameserver:ns2.example.com',
    ]);
    expect(res.exitCode).toBe(1);
    expect(res.stoppedBy).toBeUndefined();
    expect(api.callsOf('setZoneNameservers').map((c) => c.target)).toEqual(['legacy.example']);
  });

  test('an account-wide failure stops new steps and lets running ones finish', async () => {
    const api = new MemoryApi()
      .addZone('z1', 'one.example')
      .addZone('z2', 'two.example')
      .addZone('z3', 'three.example')
      .addZone('z4', 'four.example')
      .fail('setZoneNameservers', 'one.example', () => accountWideError());
    const plan = makePlan([
      toSet('one.example', 'z1', 1),
      toSet('two.example', 'z2', 1),
      toSet('three.example', 'z3', 1),
      toSet('four.example', 'z4', 1),
    ]);
    const held = api.hold('setZoneNameservers', 'two.example');
    const res = await executePlan(plan, api, {
      concurrency: 2,
      onStepDone: (r) => {
        if (r.id === 'assign_zone:one.example') held.release(); // two.example is still running now
      },
    });
    expect(byId(res.results)).toEqual({
      'assign_zone:one.example': 'failed',
      'assign_zone:two.example': 'done',
      'assign_zone:three.example': 'not_attempted',
      'assign_zone:four.example': 'not_attempted',
    });
    expect(res.stoppedBy).toBe('account_wide');
    expect(res.exitCode).toBe(1);
    expect(api.callsOf('setZoneNameservers').map((c) => c.target)).toEqual(['one.example', 'two.example']);
  });

  test("the client's real errors keep Cloudflare codes, status and hint; unreachable API stops the run", async () => {
    const api = seedAccount(new MemoryApi())
      .fail(
        'setZoneNameservers',
        'legacy.example',
        () =>
          new CloudflareError({
            status: 500,
            errors: [{ code: 1000, message: 'Internal error' }],
            method: 'PATCH',
            path: '/zones/z-legacy/dns_settings',
          }),
      )
      .fail(
        'createNameserver',
        'ns2.example.com',
        () =>
          new NetworkError({
            baseUrl: 'http://127.0.0.1:9',
            method: 'POST',
            path: '/accounts/x/custom_ns',
            reason: 'ECONNREFUSED',
            attempts: 3,
          }),
      );
    const res = await executePlan(seedPlan(), api, { checkGlue: okGlue, concurrency: 1 });
    const err = (id: string) => res.results.find((r) => r.id === id)?.error;
    expect(err('assign_zone:legacy.example')).toBeUndefined(); // never started: ns2 failed first
    expect(err('create_nameserver:ns2.example.com')).toMatchObject({
      code: 'cloudflare_unreachable',
      hint: expect.stringContaining('CLOUDFLARE_BASE_URL'),
    });
    expect(res.stoppedBy).toBe('account_wide');
    expect(byId(res.results)['assign_zone:legacy.example']).toBe('not_attempted');

    const api2 = seedAccount(new MemoryApi()).fail(
      'setZoneNameservers',
      'legacy.example',
      () =>
        new CloudflareError({
          status: 500,
          errors: [{ code: 1000, message: 'Internal error' }],
          method: 'PATCH',
          path: '/zones/z-legacy/dns_settings',
        }),
    );
    const res2 = await executePlan(seedPlan(), api2, { checkGlue: okGlue });
    expect(res2.results.find((r) => r.id === 'assign_zone:legacy.example')?.error).toMatchObject({
      code: 'cloudflare_server_error',
      status: 500,
      cfCodes: [1000],
    });
    expect(res2.stoppedBy).toBeUndefined();
    expect(res2.exitCode).toBe(1);
  });

  test('abort (Ctrl-C): running steps finish, nothing new starts, exit 130', async () => {
    const api = seedAccount(new MemoryApi());
    const ac = new AbortController();
    const held = api.hold('createNameserver', 'ns1.example.com');
    const done: string[] = [];
    const run = executePlan(seedPlan(), api, {
      signal: ac.signal,
      checkGlue: okGlue,
      concurrency: 1,
      onStepDone: (r) => done.push(r.id),
    });
    await held.started;
    ac.abort();
    held.release();
    const res = await run;
    expect(res.stoppedBy).toBe('interrupted');
    expect(res.exitCode).toBe(130);
    expect(res.results[0]).toMatchObject({ id: 'create_nameserver:ns1.example.com', outcome: 'done' });
    expect(res.counts).toEqual({ done: 1, already_done: 0, failed: 0, skipped: 0, not_attempted: 6 });
    expect(api.writes()).toHaveLength(1);
    expect(done).toHaveLength(7); // every step reported once
  });

  test('an already-aborted signal starts nothing', async () => {
    const api = seedAccount(new MemoryApi());
    const res = await executePlan(seedPlan(), api, { signal: AbortSignal.abort(), checkGlue: okGlue });
    expect(res.counts.not_attempted).toBe(7);
    expect(res.exitCode).toBe(130);
    expect(api.calls).toHaveLength(0);
  });

  test('a throwing progress callback does not abort the apply', async () => {
    const api = seedAccount(new MemoryApi());
    const res = await executePlan(seedPlan(), api, {
      checkGlue: okGlue,
      onStepStart: () => {
        throw new Error('EPIPE');
      },
      onStepDone: () => {
        throw new Error('EPIPE');
      },
    });
    expect(res.exitCode).toBe(0);
    expect(res.counts.done).toBe(7);
  });

  test('refuses a plan whose dependencies are not earlier steps', async () => {
    const plan = makePlan([toSet('a.example', 'z-a', 1, ['create_nameserver:nope.example.com'])]);
    await expect(executePlan(plan, new MemoryApi())).rejects.toMatchObject({ code: 'plan_invalid' });
  });
});

describe('executePlan: resume', () => {
  test('a second run after a persistent failure runs only what is left, with no extra creates', async () => {
    const api = seedAccount(new MemoryApi()).fail('setZoneNameservers', 'b.example', () => serverError());
    const plan = seedPlan();
    const first = await executePlan(plan, api, { ...(await checkStaleness(plan, api)), checkGlue: okGlue });
    expect(first.exitCode).toBe(1);
    expect(byId(first.results)['assign_zone:b.example']).toBe('failed');

    api.clearFailures();
    const before = api.calls.length;
    const report = await checkStaleness(plan, api);
    expect(report.stale).toEqual([]);
    expect(report.alreadyDone.sort()).toEqual(
      [
        'assign_zone:a.example',
        'assign_zone:legacy.example',
        'create_nameserver:ns1.example.com',
        'create_nameserver:ns2.example.com',
        'set_account_default',
      ].sort(),
    );
    const second = await executePlan(plan, api, { alreadyDone: report.alreadyDone, checkGlue: okGlue });
    expect(second.exitCode).toBe(0);
    expect(byId(second.results)['assign_zone:b.example']).toBe('done');
    expect(byId(second.results)['glue_check:1']).toBe('done'); // b.example still depended on it
    const writes = api.calls.slice(before).filter((c) => /^(create|delete|set)/.test(c.method));
    expect(writes.map((c) => `${c.method} ${c.target}`)).toEqual(['setZoneNameservers b.example']);
    expect(api.callsOf('createNameserver')).toHaveLength(2);
  });

  test('a create whose response was lost is recognised as done on the next run', async () => {
    const api = seedAccount(new MemoryApi()).fail(
      'createNameserver',
      'ns1.example.com',
      () => serverError('response lost'),
      { afterWrite: true },
    );
    const plan = seedPlan();
    const first = await executePlan(plan, api, { checkGlue: okGlue });
    expect(byId(first.results)['create_nameserver:ns1.example.com']).toBe('failed');
    expect(api.nameservers.has('ns1.example.com')).toBe(true);

    const { alreadyDone, stale } = await checkStaleness(plan, api);
    expect(stale).toEqual([]);
    const second = await executePlan(plan, api, { alreadyDone, checkGlue: okGlue });
    expect(second.exitCode).toBe(0);
    expect(api.callsOf('createNameserver').filter((c) => c.target === 'ns1.example.com')).toHaveLength(1);
  });

  test('a glue check whose dependents are all already done is not run again', async () => {
    const api = seedAccount(new MemoryApi());
    const plan = seedPlan();
    await executePlan(plan, api, { checkGlue: okGlue });
    let checks = 0;
    const { alreadyDone } = await checkStaleness(plan, api);
    const res = await executePlan(plan, api, {
      alreadyDone,
      checkGlue: async () => (checks++, { blocking: false, verdict: 'ok' }),
    });
    expect(checks).toBe(0);
    expect(res.counts).toEqual({ done: 0, already_done: 7, failed: 0, skipped: 0, not_attempted: 0 });
    expect(api.writes()).toHaveLength(6); // only the first run's writes
  });
});

describe('executePlan: glue check', () => {
  const blocked = {
    blocking: true,
    verdict: 'not_visible',
    records: ['ns1.example.com. IN A 192.0.2.1'],
  } as GlueVerdict;

  test('enforce: a blocking report fails the check, skips its dependents, keeps the names (exit 3)', async () => {
    const api = seedAccount(new MemoryApi());
    const res = await executePlan(seedPlan('enforce'), api, { checkGlue: async () => blocked });
    expect(byId(res.results)).toEqual({
      'create_nameserver:ns1.example.com': 'done',
      'create_nameserver:ns2.example.com': 'done',
      'glue_check:1': 'failed',
      'assign_zone:a.example': 'skipped',
      'assign_zone:b.example': 'skipped',
      'assign_zone:legacy.example': 'done',
      set_account_default: 'skipped',
    });
    const g = res.results.find((r) => r.id === 'glue_check:1');
    expect(g?.error?.code).toBe('glue_check_failed');
    expect(g?.glue).toEqual(blocked);
    expect(res.exitCode).toBe(3);
    expect([...api.nameservers.keys()]).toEqual(['ns1.example.com', 'ns2.example.com']);
    expect(api.zoneByName('a.example')).toEqual({ type: 'cloudflare.standard' });
    expect(api.accountDefault).toBe('cloudflare.standard');
  });

  test('enforce: a non-glue failure outranks the glue failure (exit 1)', async () => {
    const api = seedAccount(new MemoryApi()).fail('setZoneNameservers', 'legacy.example', () => serverError());
    const res = await executePlan(seedPlan('enforce'), api, { checkGlue: async () => blocked });
    expect(res.exitCode).toBe(1);
  });

  test('enforce without a checker fails the check rather than passing it', async () => {
    const api = seedAccount(new MemoryApi());
    const res = await executePlan(seedPlan('enforce'), api, {});
    expect(byId(res.results)['glue_check:1']).toBe('failed');
    expect(res.exitCode).toBe(3);
  });

  test('warn: a blocking report is kept but does not block (exit 0)', async () => {
    const api = seedAccount(new MemoryApi());
    const res = await executePlan(seedPlan('warn'), api, { checkGlue: async () => blocked });
    expect(res.exitCode).toBe(0);
    expect(res.counts.done).toBe(7);
    expect(res.results.find((r) => r.id === 'glue_check:1')?.glue).toEqual(blocked);
    expect(api.zoneByName('a.example')).toEqual({ type: 'custom.account', set: 1 });
  });
});
