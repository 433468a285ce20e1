/** `plan -o`: where the plan may and may not be written, through the real CLI against the emulator. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLAN_FORMAT_VERSION } from '../../src/plan/planfile.js';
import { BASE_CONFIG, startWorld, type World } from './harness.js';

let w: World;
beforeAll(async () => {
  w = await startWorld({ glue: { 1: true, 2: true } });
  w.writeConfig(BASE_CONFIG);
});
afterAll(() => w.close());

test('-o acns.yaml (the config it reads) is refused and the config is kept', async () => {
  const before = readFileSync(join(w.dir, 'acns.yaml'), 'utf8');
  const r = await w.cli(['plan', '-o', 'acns.yaml']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('refusing to write the plan to acns.yaml: it is the configuration this command reads');
  expect(readFileSync(join(w.dir, 'acns.yaml'), 'utf8')).toBe(before);
});

test('-o over a file that is not an acns plan is refused unless --force', async () => {
  writeFileSync(join(w.dir, 'notes.json'), '{"mine": true}\n');
  const r = await w.cli(['plan', '-o', 'notes.json']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('notes.json exists and is not an acns plan; nothing was written');
  expect(readFileSync(join(w.dir, 'notes.json'), 'utf8')).toBe('{"mine": true}\n');
  const forced = await w.cli(['plan', '-o', 'notes.json', '--force']);
  expect(forced.code).toBe(0);
  expect(JSON.parse(readFileSync(join(w.dir, 'notes.json'), 'utf8')).format_version).toBe(PLAN_FORMAT_VERSION);
});

test('-o replaces an older acns plan without asking', async () => {
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  const first = readFileSync(join(w.dir, 'plan.json'), 'utf8');
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  expect(JSON.parse(readFileSync(join(w.dir, 'plan.json'), 'utf8')).tool.name).toBe('acns');
  expect(first).toContain(`"format_version": ${PLAN_FORMAT_VERSION}`);
});

test('-o - prints the plan document on stdout and creates no file named -', async () => {
  const r = await w.cli(['plan', '-o', '-']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).format_version).toBe(PLAN_FORMAT_VERSION);
  expect(() => readFileSync(join(w.dir, '-'))).toThrow();
  const both = await w.cli(['plan', '-o', '-', '--format', 'markdown']);
  expect(both.code).toBe(1);
  expect(both.stderr).toContain('-o - prints the plan document on stdout, so --format markdown cannot print there too');
});

test('-o into a directory or a device is refused', async () => {
  mkdirSync(join(w.dir, 'out'), { recursive: true });
  const dir = await w.cli(['plan', '-o', 'out']);
  expect(dir.code).toBe(1);
  expect(dir.stderr).toContain('cannot write the plan to out: it is a directory');
  const dev = await w.cli(['plan', '-o', '/dev/null']);
  expect(dev.code).toBe(1);
  expect(dev.stderr).toContain('cannot write the plan to /dev/null: it is not a regular file');
});

test('a flag the command would ignore is an error, not a silent no-op', async () => {
  const force = await w.cli(['plan', '--force']);
  expect(force.code).toBe(1);
  expect(force.stderr).toContain('--force only matters with -o FILE');
  const both = await w.cli(['import', '--emulator-state', 'state.json', '--all-zones']);
  expect(both.code).toBe(1);
  expect(both.stderr).toContain('--emulator-state writes every zone to its own file');
});

test('--journal pointing at the plan or the config is refused before anything is read or written', async () => {
  expect((await w.cli(['plan', '-o', 'j.json'])).code).toBe(0);
  const plan = readFileSync(join(w.dir, 'j.json'), 'utf8');
  const onPlan = await w.cli(['apply', 'j.json', '--journal', 'j.json']);
  expect(onPlan.code).toBe(1);
  expect(onPlan.stderr).toContain('is the plan being applied (j.json)');
  expect(readFileSync(join(w.dir, 'j.json'), 'utf8')).toBe(plan);
  const onConfig = await w.cli(['apply', 'j.json', '--journal', './acns.yaml']);
  expect(onConfig.code).toBe(1);
  expect(onConfig.stderr).toContain('is the configuration (acns.yaml)');
  expect(w.writes()).toEqual([]);
});

test('DNS servers from ACNS_DNS_* are shown in the plan and not carried into the saved plan', async () => {
  const r = await w.cli(['plan', '-o', 'env.json'], { ACNS_DNS_PARENT_SERVERS: '127.0.0.9' });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(
    'the DNS checks of this plan used ACNS_DNS_ROOT_SERVERS, ACNS_DNS_PARENT_SERVERS, ACNS_DNS_PORT',
  );
  expect(r.stdout).toContain('parent servers: 127.0.0.9');
  const doc = JSON.parse(readFileSync(join(w.dir, 'env.json'), 'utf8'));
  expect(doc.settings.dns).toEqual({ root_servers: [], parent_servers: [], port: 53 });
});
