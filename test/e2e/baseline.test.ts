/** The last-applied record: apply writes it; a later plan marks out-of-band changes as drift. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accountRecord, BASE_CONFIG, startWorld, type World } from './harness.js';

let w: World;
afterEach(() => w.close());

test('after an apply, a zone changed out of band is planned back as [drift]; a file change stays config', async () => {
  w = await startWorld();
  w.writeConfig(BASE_CONFIG);
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  const record = accountRecord<{ values: Record<string, unknown> }>(w, 'last-applied.json');
  expect(record.values['zone:example.org']).toEqual({ type: 'custom.account', set: 1 });
  expect(record.values['ns:ns1.example.net']).toEqual({ set: 2 });
  expect(record.values.default).toEqual({ value: 'custom.account' });

  // Someone moves example.org back to standard in the dashboard; the file also moves legacy.example to set 1.
  w.emu.state.zones.find((z) => z.name === 'example.org')!.nameservers = { type: 'cloudflare.standard' };
  w.writeConfig(BASE_CONFIG.replace('legacy.example: standard', 'legacy.example: 1'));
  const plan = await w.cli(['plan', '-o', 'plan.json']);
  expect(plan.code).toBe(0);
  const doc = JSON.parse(readFileSync(join(w.dir, 'plan.json'), 'utf8')) as { steps: { id: string; class: string }[] };
  const cls = Object.fromEntries(doc.steps.map((s) => [s.id, s.class]));
  expect(cls['assign_zone:example.org']).toBe('drift');
  expect(cls['assign_zone:legacy.example']).toBe('config');
  expect(plan.stdout).toMatch(/example\.org.*\[drift\]|\[drift\][^\n]*example\.org/);
});

test('a damaged last-applied record is kept aside with a warning; a newer format is left alone', async () => {
  w = await startWorld();
  w.writeConfig(BASE_CONFIG);
  mkdirSync(join(w.dir, '.acns'));
  const path = join(w.dir, '.acns/last-applied.json');
  const newer = JSON.stringify({ format_version: 3, accounts: {} });
  writeFileSync(path, newer);
  const plan = await w.cli(['plan']);
  expect(plan.code).toBe(0);
  expect(plan.stderr).toMatch(/acns: warning: \.acns\/last-applied\.json was written by a newer acns/);
  const apply = await w.cli(['apply', '--auto-approve']);
  expect(apply.code).toBe(0); // advisory: the changes were made
  expect(apply.stderr).toMatch(/upgrade acns, or move the file away to start a new record/);
  expect(readFileSync(path, 'utf8')).toBe(newer);

  writeFileSync(path, '{"format_version": 2, "accounts": {"ffff'); // cut short
  w.emu.state.zones.find((z) => z.name === 'example.org')!.nameservers = { type: 'cloudflare.standard' };
  const again = await w.cli(['apply', '--auto-approve']);
  expect(again.code).toBe(0);
  expect(again.stderr).toMatch(/last-applied\.json is damaged \(not JSON/);
  expect(again.stderr).toMatch(/last-applied\.json was damaged; it was kept as \S*last-applied\.json\.damaged-/);
  const aside = readdirSync(join(w.dir, '.acns')).filter((f) => f.startsWith('last-applied.json.damaged-'));
  expect(aside).toHaveLength(1);
  expect(readFileSync(join(w.dir, '.acns', aside[0]!), 'utf8')).toBe('{"format_version": 2, "accounts": {"ffff');
  const values = accountRecord<{ values: Record<string, unknown> }>(w, 'last-applied.json').values;
  expect(values['zone:example.org']).toEqual({ type: 'custom.account', set: 1 });
});
