import { executePlan } from '../../src/apply/executor.js';
import { checkStaleness } from '../../src/apply/stale.js';
import type { ApplyResult, StepResult } from '../../src/apply/types.js';
import { formatDuration, renderApplySummary, renderStaleReport, renderStepLine } from '../../src/render/apply.js';
import { describeValue } from '../../src/plan/describe.js';
import { accountWideError, MemoryApi, serverError } from './memory-api.js';
import { seedAccount, seedPlan } from './plans.js';

const ok = async (): Promise<{ blocking: boolean; verdict: string }> => ({ blocking: false, verdict: 'ok' });
const noDurations = (r: ApplyResult): ApplyResult => ({
  ...r,
  results: r.results.map(({ durationMs: _d, ...rest }) => rest),
});

describe('renderStepLine', () => {
  const base = {
    id: 'create_nameserver:ns1.example.com',
    kind: 'create_nameserver',
    target: 'ns1.example.com',
  } as const;
  test.each<[Partial<StepResult>, string]>([
    [{ outcome: 'done', durationMs: 412 }, '✓ + nameserver ns1.example.com: created (412ms)\n'],
    [{ outcome: 'already_done' }, '= + nameserver ns1.example.com: already done\n'],
    [
      {
        outcome: 'failed',
        durationMs: 1530,
        error: { code: 'cloudflare_api', message: 'Internal error', status: 500, cfCodes: [1000] },
      },
      '✗ + nameserver ns1.example.com: failed — Internal error [Cloudflare code 1000, HTTP 500] (1.5s)\n',
    ],
    [
      // The client's CloudflareError message already names the codes: they are not repeated.
      {
        outcome: 'failed',
        error: {
          code: 'cloudflare_server_error',
          message: 'Cloudflare failed to answer POST /accounts/x/custom_ns (1000: Internal error)',
          status: 500,
          cfCodes: [1000],
        },
      },
      '✗ + nameserver ns1.example.com: failed — ' +
        'Cloudflare failed to answer POST /accounts/x/custom_ns (1000: Internal error)\n',
    ],
    [
      { outcome: 'skipped', blockedBy: ['delete_nameserver:ns1.example.com'] },
      '↷ + nameserver ns1.example.com: skipped (depends on delete_nameserver:ns1.example.com, which failed)\n',
    ],
    [{ outcome: 'not_attempted' }, '· + nameserver ns1.example.com: not attempted\n'],
  ])('%o', (r, expected) => {
    expect(renderStepLine({ ...base, ...r } as StepResult)).toBe(expected);
  });

  test('symbols per kind, glue verdicts, and colour only when asked', () => {
    const line = (r: Partial<StepResult>): string => renderStepLine({ outcome: 'done', ...r } as StepResult);
    expect(line({ kind: 'delete_nameserver', target: 'ns3.example.com' })).toBe(
      '✓ - nameserver ns3.example.com: deleted\n',
    );
    expect(line({ kind: 'assign_zone', target: 'a.example' })).toBe('✓ ~ zone a.example: changed\n');
    expect(line({ kind: 'set_account_default', target: 'account default' })).toBe('✓ ~ account default: changed\n');
    expect(line({ kind: 'glue_check', target: 'set 1', glue: { blocking: false, verdict: 'ok' } })).toBe(
      '✓ ? glue check set 1: ok\n',
    );
    expect(line({ kind: 'glue_check', target: 'set 1', glue: { blocking: true, verdict: 'not_visible' } })).toBe(
      '✓ ? glue check set 1: not_visible (policy warn: not blocking)\n',
    );
    const plain = line({ kind: 'assign_zone', target: 'a.example' });
    expect(plain).not.toContain('\x1b[');
    const coloured = renderStepLine(
      { id: 'x', kind: 'assign_zone', target: 'a.example', outcome: 'done' },
      { colour: true },
    );
    expect(coloured).toContain('\x1b[');
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain);
  });

  test('formatDuration and describeValue', () => {
    expect(formatDuration(999)).toBe('999ms');
    expect(formatDuration(61_000)).toBe('61.0s');
    expect(describeValue(null)).toBe('absent');
    expect(describeValue({ set: 2 })).toBe('set 2');
    expect(describeValue({ type: 'custom.account' })).toBe('set 1');
    expect(describeValue({ type: 'cloudflare.standard' })).toBe('standard nameservers');
    expect(describeValue({ value: 'custom.account' })).toBe('custom.account');
  });
});

describe('renderApplySummary', () => {
  test('everything done: the one-line summary with counts', async () => {
    const res = await executePlan(seedPlan(), seedAccount(new MemoryApi()), { checkGlue: ok });
    expect(renderApplySummary(res)).toBe('Apply complete: 2 created, 4 changed, 0 deleted, 1 check.\n');
  });

  test('a resumed run counts only its own work and says how much was already done', async () => {
    const api = seedAccount(new MemoryApi()).addNameserver('ns1.example.com', 1).addNameserver('ns2.example.com', 1);
    const { alreadyDone } = await checkStaleness(seedPlan(), api);
    const res = await executePlan(seedPlan(), api, { alreadyDone, checkGlue: ok });
    expect(renderApplySummary(res)).toBe(
      'Apply complete: 0 created, 4 changed, 0 deleted, 1 check.\n2 steps were already done and left as they are.\n',
    );
  });

  test('glue warn: complete, with a warning pointing at the records to register', async () => {
    const res = await executePlan(seedPlan('warn'), seedAccount(new MemoryApi()), {
      checkGlue: async () => ({ blocking: true, verdict: 'failed' }),
    });
    const out = renderApplySummary(res);
    expect(out).toMatch(/^Apply complete: 2 created, 4 changed, 0 deleted, 1 check\.\n/);
    expect(out).toContain('Warning: the glue check for set 1 did not pass (failed); policy glue_check is warn');
  });

  test('failures: done, failed with Cloudflare code and message, skipped naming its dependency, resume', async () => {
    const api = seedAccount(new MemoryApi()).fail('setZoneNameservers', 'legacy.example', () =>
      serverError('Internal error'),
    );
    const res = await executePlan(seedPlan(), api, {
      concurrency: 1,
      checkGlue: async () => ({ blocking: true, verdict: 'not_visible' }),
    });
    expect(renderApplySummary(noDurations(res), { planFile: 'plan.json' })).toBe(
      [
        'Apply incomplete: 2 steps failed.',
        'This run: 2 created, 0 changed, 0 deleted, 0 checks.',
        '',
        'Done (2):',
        '  + nameserver ns1.example.com: created',
        '  + nameserver ns2.example.com: created',
        '',
        'Failed (2):',
        '  ? glue check set 1: glue not ready (verdict: not_visible): ' +
          'the 2 zones switching to set 1 stay where they are; the account default was not changed',
        '  ~ zone legacy.example: Internal error [Cloudflare code 1000, HTTP 500]',
        '',
        'Skipped because a dependency failed (3):',
        '  ~ zone a.example (depends on glue_check:1)',
        '  ~ zone b.example (depends on glue_check:1)',
        '  ~ account default (depends on glue_check:1)',
        '',
        'The glue check for set 1 did not pass: ' +
          'register the records shown in the glue report above (at the registrar of the ' +
          "names' domain, or through Cloudflare Support when it uses Cloudflare " +
          'Registrar), wait until the parent zone serves them, ' +
          'then re-run apply. The nameservers already created stay.',
        'Re-run `acns apply plan.json` to resume: done steps are recognised, the rest run.',
        '',
      ].join('\n'),
    );
  });

  test('glue unverified (no parent server answered): says how to reach DNS, not to register records', async () => {
    const res = await executePlan(seedPlan(), seedAccount(new MemoryApi()), {
      checkGlue: async () => ({ blocking: true, verdict: 'could_not_verify' }),
    });
    const out = renderApplySummary(res);
    expect(out).toContain('The glue check for set 1 could not verify anything: no parent server answered');
    expect(out).toContain('dns.parent_servers');
    expect(out).toContain('policy.glue_check: warn');
    expect(out).not.toContain('register the records');
  });

  test('account-wide stop lists what was not attempted', async () => {
    const api = seedAccount(new MemoryApi()).fail('createNameserver', 'ns1.example.com', () => accountWideError());
    const res = await executePlan(seedPlan(), api, { concurrency: 1, checkGlue: ok });
    const out = renderApplySummary(res);
    expect(out).toContain('Apply incomplete: stopped after an account-wide failure — no new steps were started.');
    expect(out).toContain(
      'Failed (1):\n  + nameserver ns1.example.com: ' +
        'Authentication error [Cloudflare code 10000, HTTP 401]\n' +
        '      hint: check CLOUDFLARE_API_TOKEN and its permissions\n',
    );
    expect(out).toContain('Not attempted (2):\n  + nameserver ns2.example.com\n  ~ zone legacy.example\n');
    expect(out).toContain('Re-run `acns apply` to resume');
  });

  test('interrupted', async () => {
    const res = await executePlan(seedPlan(), seedAccount(new MemoryApi()), { signal: AbortSignal.abort() });
    const out = renderApplySummary(res);
    expect(out).toMatch(
      /^Apply incomplete: interrupted — no new steps were started, running steps were allowed to finish\.\n/,
    );
    expect(out).toContain('Not attempted (7):');
  });
});

describe('renderStaleReport', () => {
  test('names each changed object with its plan-time and current value', async () => {
    const api = seedAccount(new MemoryApi()).addNameserver('ns2.example.com', 3);
    api.zones.get('z-b')!.ns = { type: 'cloudflare.advanced' };
    api.accountDefault = 'cloudflare.standard.random';
    const { stale } = await checkStaleness(seedPlan(), api);
    expect(renderStaleReport(stale)).toBe(
      [
        'acns: the plan is stale — 3 objects changed since it was made:',
        '  nameserver ns2.example.com: was absent when planned, now set 3',
        '  zone b.example: was standard nameservers when planned, now advanced (Foundation DNS)',
        '  account default: was cloudflare.standard when planned, now cloudflare.standard.random',
        'Nothing was changed. Re-run `acns plan`, review the new plan, and apply that one.',
        '',
      ].join('\n'),
    );
  });
});
