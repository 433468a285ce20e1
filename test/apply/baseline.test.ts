import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplyResult, StepOutcome } from '../../src/apply/types.js';
import { buildPlan } from '../../src/plan/build.js';
import type { Plan } from '../../src/plan/types.js';
import { BASELINE_PATH, baselinePath, readBaseline, recordApplied } from '../../src/apply/baseline.js';
import { desired, live } from '../plan/fixtures.js';

const ACC = '372e67954025e0ba6aaa6d586b9e0b59';
let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'acns-baseline-'));
  path = baselinePath(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An ApplyResult for `plan` with the given outcomes (default: done). */
function result(plan: Plan, outcomes: Record<string, StepOutcome> = {}): ApplyResult {
  const results = plan.steps.map((s) => ({
    id: s.id,
    kind: s.kind,
    target: s.target,
    outcome: outcomes[s.id] ?? ('done' as StepOutcome),
  }));
  const counts = { done: 0, already_done: 0, failed: 0, skipped: 0, not_attempted: 0 };
  for (const r of results) counts[r.outcome]++;
  return { results, exitCode: counts.failed ? 1 : 0, counts };
}

const SETS = { 1: ['ns1.example.com', 'ns2.example.com'], 2: ['ns1.example.net', 'ns2.example.net'] };

test('records done and already_done steps, not failed or skipped ones, in .acns/last-applied.json', async () => {
  const plan = buildPlan(
    desired({
      sets: SETS,
      zones: { 'example.org': 1, 'example.net': 2, 'legacy.example': 'standard' },
      accountDefault: 'custom.account',
    }),
    live({
      zones: { 'example.org': 'standard', 'example.net': 'standard', 'legacy.example': 1 },
      accountDefault: 'cloudflare.standard',
    }),
  );
  const ids = plan.steps.map((s) => s.id);
  expect(ids).toEqual(
    expect.arrayContaining(['create_nameserver:ns1.example.net', 'assign_zone:example.net', 'set_account_default']),
  );
  const r = result(plan, {
    'create_nameserver:ns1.example.com': 'already_done',
    'create_nameserver:ns1.example.net': 'failed',
    'glue_check:2': 'skipped',
    'assign_zone:example.net': 'skipped',
    set_account_default: 'skipped',
  });
  expect(await recordApplied(path, plan, r)).toBeUndefined();
  expect(path).toBe(join(dir, BASELINE_PATH));
  const file = JSON.parse(readFileSync(path, 'utf8'));
  expect(file.format_version).toBe(2);
  const doc = file.accounts[ACC];
  expect(Date.parse(doc.updated_at)).not.toBeNaN();
  expect(doc.values).toEqual({
    'ns:ns1.example.com': { set: 1 },
    'ns:ns2.example.com': { set: 1 },
    'ns:ns2.example.net': { set: 2 },
    'zone:example.org': { type: 'custom.account', set: 1 },
    'zone:legacy.example': { type: 'cloudflare.standard' },
  });
  expect(await readBaseline(path, ACC)).toEqual(doc.values);
  // written atomically: nothing but the record in the folder
  expect(readdirSync(join(dir, '.acns'))).toEqual(['last-applied.json']);
});

test('a later apply merges into the record: the default is added, earlier values stay', async () => {
  const d = desired({ sets: SETS, zones: { 'example.org': 1 }, accountDefault: 'custom.account' });
  const first = buildPlan(d, live({ zones: { 'example.org': 'standard' }, accountDefault: 'custom.account' }));
  await recordApplied(path, first, result(first));
  const second = buildPlan(d, live({ sets: SETS, zones: { 'example.org': 1 }, accountDefault: 'cloudflare.standard' }));
  expect(second.steps.filter((s) => s.kind !== 'glue_check').map((s) => s.id)).toEqual(['set_account_default']);
  await recordApplied(path, second, result(second));
  const v = (await readBaseline(path, ACC))!;
  expect(v.default).toEqual({ value: 'custom.account' });
  expect(v['zone:example.org']).toEqual({ type: 'custom.account', set: 1 });
  expect(v['ns:ns1.example.net']).toEqual({ set: 2 });
});

test('a name moved between sets (delete + create) keeps its new value; a pruned name is removed', async () => {
  await recordApplied(path, ...seed());
  const plan = buildPlan(
    desired({
      sets: { 1: ['ns1.example.com', 'ns2.example.com', 'ns1.example.net'], 2: ['ns3.example.net', 'ns4.example.net'] },
      prune: true,
    }),
    live({ sets: SETS }),
  );
  expect(plan.steps.map((s) => s.id)).toEqual(
    expect.arrayContaining([
      'delete_nameserver:ns1.example.net',
      'create_nameserver:ns1.example.net',
      'delete_nameserver:ns2.example.net',
    ]),
  );
  await recordApplied(path, plan, result(plan));
  const v = (await readBaseline(path, ACC))!;
  expect(v['ns:ns1.example.net']).toEqual({ set: 1 });
  expect(Object.keys(v)).not.toContain('ns:ns2.example.net');
  expect(v['ns:ns3.example.net']).toEqual({ set: 2 });
});

test('a move whose delete succeeded but whose create failed forgets the name: acns left it absent', async () => {
  await recordApplied(path, ...seed());
  const plan = buildPlan(
    desired({
      sets: { 1: ['ns1.example.com', 'ns2.example.com', 'ns1.example.net'], 2: ['ns2.example.net', 'ns3.example.net'] },
    }),
    live({ sets: SETS }),
  );
  await recordApplied(path, plan, result(plan, { 'create_nameserver:ns1.example.net': 'failed' }));
  const v = (await readBaseline(path, ACC))!;
  expect(Object.keys(v)).not.toContain('ns:ns1.example.net');
  expect(v['ns:ns3.example.net']).toEqual({ set: 2 });
});

test("another account's record is never read as this one's, and is kept when this one's is written", async () => {
  const [plan, r] = seed();
  const other = 'f'.repeat(32);
  await recordApplied(path, { ...plan, accountId: other }, r);
  expect(await readBaseline(path, ACC)).toBeUndefined();
  const theirs = await readBaseline(path, other);
  expect(theirs).toEqual(expect.objectContaining({ 'ns:ns1.example.com': { set: 1 } }));
  await recordApplied(path, plan, r);
  expect(await readBaseline(path, ACC)).toBeDefined();
  expect(await readBaseline(path, other)).toEqual(theirs); // two configs for two accounts share the directory
});

test('a format 1 record (one account) is read, and kept for its account when another one writes', async () => {
  mkdirSync(join(dir, '.acns'));
  const other = 'f'.repeat(32);
  const values = { 'zone:a.example': { type: 'custom.account', set: 1 } };
  writeFileSync(path, JSON.stringify({ format_version: 1, account_id: other, updated_at: 'x', values }));
  expect(await readBaseline(path, other)).toEqual(values);
  expect(await readBaseline(path, ACC)).toBeUndefined();
  await recordApplied(path, ...seed());
  expect(await readBaseline(path, other)).toEqual(values);
  expect(await readBaseline(path, ACC)).toBeDefined();
  expect(JSON.parse(readFileSync(path, 'utf8')).format_version).toBe(2);
});

test('a missing, corrupt or foreign-format file is no record; the plan builds and classifies as config', async () => {
  expect(await readBaseline(path, ACC)).toBeUndefined();
  mkdirSync(join(dir, '.acns'));
  for (const bad of [
    '{not json',
    'null',
    '[]',
    JSON.stringify({ format_version: 2, account_id: ACC, values: {} }),
    JSON.stringify({ format_version: 1, account_id: ACC, values: [] }),
  ]) {
    writeFileSync(path, bad);
    expect(await readBaseline(path, ACC)).toBeUndefined();
  }
  writeFileSync(path, '{not json');
  const warned: string[] = [];
  const baseline = await readBaseline(path, ACC, (l) => warned.push(l));
  expect(warned).toEqual([expect.stringMatching(/^acns: warning: \.acns\/last-applied\.json is damaged \(not JSON/)]);
  expect(warned[0]).toContain('the next apply keeps it aside');
  const plan = buildPlan(
    desired({ sets: SETS, zones: { 'example.org': 1 } }),
    live({ sets: SETS, zones: { 'example.org': 'standard' } }),
    baseline ? { baseline } : {},
  );
  expect(plan.steps.every((s) => s.class === 'config')).toBe(true);
  // recording over a corrupt file keeps it aside (other accounts' sections may be in it) and starts afresh
  const msg = await recordApplied(path, plan, result(plan));
  expect(msg).toMatch(/^acns: warning: \.acns\/last-applied\.json was damaged; it was kept as \S+damaged-/);
  const aside = readdirSync(join(dir, '.acns')).filter((f) => f !== 'last-applied.json');
  expect(aside).toEqual([expect.stringMatching(/^last-applied\.json\.damaged-\d{4}-\d\d-\d\dT[\d-]+\.\d+Z$/)]);
  expect(readFileSync(join(dir, '.acns', aside[0]!), 'utf8')).toBe('{not json');
  expect((await readBaseline(path, ACC))!['zone:example.org']).toEqual({ type: 'custom.account', set: 1 });
});

test('a file of a newer format is never overwritten: plan and apply warn, the file stays as it is', async () => {
  mkdirSync(join(dir, '.acns'));
  const newer = JSON.stringify({ format_version: 3, sections: { [ACC]: {}, other: { values: {} } } });
  writeFileSync(path, newer);
  const warned: string[] = [];
  expect(await readBaseline(path, ACC, (l) => warned.push(l))).toBeUndefined();
  expect(warned).toEqual([expect.stringContaining('.acns/last-applied.json was written by a newer acns')]);
  expect(warned[0]).toContain('(format_version 3; this acns reads 1 and 2)');
  expect(warned[0]).toContain('upgrade acns, or move the file away');
  const msg = await recordApplied(path, ...seed());
  expect(msg).toMatch(/^acns: warning: \.acns\/last-applied\.json was written by a newer acns .*not recorded/);
  expect(readFileSync(path, 'utf8')).toBe(newer);
  expect(readdirSync(join(dir, '.acns'))).toEqual(['last-applied.json']);
});

test('recording never throws: an unwritable location comes back as a message', async () => {
  writeFileSync(join(dir, '.acns'), 'a file where the folder should be');
  const [plan, r] = seed();
  const msg = await recordApplied(path, plan, r);
  expect(typeof msg).toBe('string');
  expect(msg).not.toBe('');
});

/** Both sets created from nothing, all done. */
function seed(): [Plan, ApplyResult] {
  const plan = buildPlan(desired({ sets: SETS }), live({}));
  return [plan, result(plan)];
}
