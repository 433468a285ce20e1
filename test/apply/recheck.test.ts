/**
 * The re-checks made during apply, right before the write they protect. Each case is a shrunk
 * counterexample of the chaos test with that re-check switched off: the account changes after
 * apply's first re-read, between two steps.
 */
import { executePlan } from '../../src/apply/executor.js';
import { preflightSavedPlan } from '../../src/apply/preflight.js';
import type { GlueExpectation, Plan } from '../../src/plan/types.js';
import { buildPlan } from '../../src/plan/build.js';
import { desired, live } from '../plan/fixtures.js';
import { MemoryApi } from './memory-api.js';

const A = ['ns1.a.test', 'ns2.a.test', 'ns3.a.test'];
const B = ['ns1.b.test', 'ns2.b.test'];

/** The account the fixtures' live() describes, as a MemoryApi with the same zone ids. */
function account(sets: Record<number, string[]>, zones: Record<string, number | 'standard'>, def: string): MemoryApi {
  const api = new MemoryApi();
  for (const [set, names] of Object.entries(sets)) for (const n of names) api.addNameserver(n, Number(set));
  const l = live({ zones });
  for (const z of l.zones) api.addZone(z.id, z.name, z.nameservers);
  api.accountDefault = def;
  return api;
}

test('a deletion that another name’s removal would now take below 2 names stops the run (exit 3)', async () => {
  const api = account({ 1: A }, { 'p.test': 1 }, 'cloudflare.standard');
  const d = desired({ sets: { 1: A.slice(0, 2) }, zones: { 'p.test': 1 }, prune: true, glueCheck: 'off' });
  const plan = buildPlan(d, live({ sets: { 1: A }, zones: { 'p.test': 1 } }));
  expect(plan.steps.map((s) => s.id)).toEqual(['delete_nameserver:ns3.a.test']);
  const { alreadyDone } = await preflightSavedPlan(plan, api, { planFile: 'plan.json' });
  api.nameservers.delete('ns2.a.test'); // out of band, after the first re-read
  const result = await executePlan(plan, api, { alreadyDone });
  expect(result.exitCode).toBe(3);
  expect(result.stoppedBy).toBe('stale');
  expect(api.nameservers.has('ns3.a.test')).toBe(true);
  expect(result.results[0]!.error?.message).toContain(
    'names of set 1: ns1.a.test, ns2.a.test, ns3.a.test (the plan keeps at least 2) when planned, ' +
      'now ns1.a.test, ns3.a.test',
  );
});

function pruneSet2(): { api: MemoryApi; plan: Plan } {
  const api = account({ 1: A.slice(0, 2), 2: B }, { 'p.test': 1, 'q.test': 'standard' }, 'cloudflare.standard');
  const d = desired({ sets: { 1: A.slice(0, 2) }, zones: { 'p.test': 1 }, prune: true, glueCheck: 'off' });
  const l = live({
    sets: { 1: A.slice(0, 2), 2: B },
    zones: { 'p.test': 1 },
    other: {},
    accountDefault: 'cloudflare.standard',
  });
  // as after state/set-users.ts: every zone of the account read for set 2 (q.test is on standard)
  return { api, plan: buildPlan(d, { ...l, otherZones: [], usersReadFor: [2] }) };
}

test('a zone moved onto a set being emptied after the first re-read stops the deletion', async () => {
  const { api, plan } = pruneSet2();
  expect(plan.preconditions!.setUsers).toEqual([
    { set: 2, zones: [], scope: 'account', steps: ['delete_nameserver:ns1.b.test', 'delete_nameserver:ns2.b.test'] },
  ]);
  const { alreadyDone } = await preflightSavedPlan(plan, api, { planFile: 'plan.json' });
  const q = [...api.zones.values()].find((z) => z.name === 'q.test')!;
  let moved = false;
  const result = await executePlan(plan, api, {
    alreadyDone,
    concurrency: 1,
    onStepStart: () => {
      if (!moved) q.ns = { type: 'custom.account', set: 2 };
      moved = true;
    },
  });
  expect(result.exitCode).toBe(3);
  expect(api.nameservers.has('ns1.b.test') && api.nameservers.has('ns2.b.test')).toBe(true);
  expect(result.stale?.map((s) => ('object' in s ? s.object : s.stepId))).toEqual(['zones on set 2']);
});

test('deleting every name of an unused set reads its users once, right before it drops below 2 names', async () => {
  const { api, plan } = pruneSet2();
  const { alreadyDone } = await preflightSavedPlan(plan, api, { planFile: 'plan.json' });
  api.calls.length = 0;
  const result = await executePlan(plan, api, { alreadyDone, concurrency: 4 });
  expect(result.exitCode).toBe(0);
  expect(api.nameservers.size).toBe(2);
  // deletions of one set run one after another; only the first one crosses below 2 names
  expect(api.callsOf('listAllZones')).toHaveLength(1);
  expect(api.callsOf('getAccountDefault')).toHaveLength(2);
});

test('the glue check checks the set’s live members: a name added after the first re-read is in it', async () => {
  const api = account({ 1: A.slice(0, 2) }, { 'p.test': 'standard' }, 'cloudflare.standard');
  const d = desired({ sets: { 1: A.slice(0, 2) }, zones: { 'p.test': 1 } });
  const plan = buildPlan(d, live({ sets: { 1: A.slice(0, 2) }, zones: { 'p.test': 'standard' } }));
  expect(plan.steps.map((s) => s.id)).toEqual(['glue_check:1', 'assign_zone:p.test']);
  const { alreadyDone } = await preflightSavedPlan(plan, api, { planFile: 'plan.json' });
  api.addNameserver('ns5.a.test', 1);
  const checked: GlueExpectation[] = [];
  const result = await executePlan(plan, api, {
    alreadyDone,
    checkGlue: async (exp) => {
      checked.push(exp);
      return { blocking: true, verdict: 'failed' };
    },
  });
  expect(checked[0]!.names.map((n) => n.name)).toEqual(['ns1.a.test', 'ns2.a.test', 'ns5.a.test']);
  expect(result.exitCode).toBe(3);
  expect(api.zoneByName('p.test')).toEqual({ type: 'cloudflare.standard' });
});

test('a name the glue check relies on that is gone stops the run as stale', async () => {
  const api = account({ 1: A }, { 'p.test': 'standard' }, 'cloudflare.standard');
  const d = desired({ sets: { 1: A }, zones: { 'p.test': 1 } });
  const plan = buildPlan(d, live({ sets: { 1: A }, zones: { 'p.test': 'standard' } }));
  const { alreadyDone } = await preflightSavedPlan(plan, api, { planFile: 'plan.json' });
  api.nameservers.delete('ns3.a.test');
  const result = await executePlan(plan, api, {
    alreadyDone,
    checkGlue: async () => ({ blocking: false, verdict: 'ok' }),
  });
  expect(result.exitCode).toBe(3);
  expect(result.stoppedBy).toBe('stale');
  expect(api.zoneByName('p.test')).toEqual({ type: 'cloudflare.standard' });
});
