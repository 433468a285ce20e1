import { Command } from 'commander';
import { request } from 'undici';
import { registerEmulator } from '../../src/cli/commands/emulator.js';
import type { CommandRunner, Registry } from '../../src/cli/registry.js';
import type { CliIO } from '../../src/cli/io.js';
import { DEMO_ACCOUNT_ID } from '../../src/emulator/model.js';

function harness(argv: string[]) {
  let out = '';
  let err = '';
  const ac = new AbortController();
  const io: CliIO = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {},
    cwd: process.cwd(),
    signal: ac.signal,
  };
  let runner: CommandRunner | undefined;
  const program = new Command().exitOverride();
  const reg: Registry = { program, io, setRunner: (r) => (runner = r) };
  registerEmulator(reg);
  program.parse(argv, { from: 'user' });
  return { io, ac, run: () => (runner as CommandRunner)(io), out: () => out, err: () => err };
}

test('acns emulator serves the demo account until interrupted and prints what to export', async () => {
  const h = harness(['emulator', '--port', '0', '--token', 'cli-token', '--latency', '1']);
  const done = h.run();
  while (!h.out().includes('Press Ctrl-C')) await new Promise((r) => setTimeout(r, 10));
  const url = /listening on (\S+)/.exec(h.out())?.[1] as string;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
  expect(h.out()).toContain(`export CLOUDFLARE_ACCOUNT_ID=${DEMO_ACCOUNT_ID}`);
  expect(h.out()).toContain('export CLOUDFLARE_API_TOKEN=cli-token');
  const r = await request(`${url}/accounts/${DEMO_ACCOUNT_ID}/custom_ns`, {
    headers: { authorization: 'Bearer cli-token' },
  });
  expect(await r.body.json()).toMatchObject({ success: true, result: [] });
  h.ac.abort();
  expect(await done).toBe(0);
  expect(h.err()).toContain('stopped');
});

test.each([
  [['emulator', '--port', 'x'], /--port must be a whole number/],
  [['emulator', '--rate', '10'], /--rate must look like N\/S/],
])('bad flags are clear errors: %j', async (argv, msg) => {
  await expect(harness(argv).run()).rejects.toThrow(msg);
});

test('--fault, --not-entitled and --log from the command line', async () => {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'acns-emu-cli-'));
  const log = join(dir, 'requests.jsonl');
  const h = harness([
    'emulator',
    '--port',
    '0',
    '--fault',
    'GET /zones$ 503 2',
    '--fault',
    '* /nowhere reset',
    '--log',
    log,
  ]);
  const done = h.run();
  while (!h.out().includes('Press Ctrl-C')) await new Promise((r) => setTimeout(r, 10));
  const url = /listening on (\S+)/.exec(h.out())?.[1] as string;
  expect(h.out()).toContain('2 faults');
  const get = async (p: string) =>
    (await request(`${url}${p}`, { headers: { authorization: 'Bearer demo-token' } })).statusCode;
  expect(await get('/zones')).toBe(503);
  expect(await get('/zones')).toBe(503);
  expect(await get('/zones')).toBe(200); // only twice
  h.ac.abort();
  expect(await done).toBe(0);
  const lines = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { method: string; path: string; status: number; fault?: string });
  expect(lines.map((l) => `${l.method} ${l.path} ${l.status}`)).toEqual([
    'GET /zones 503',
    'GET /zones 503',
    'GET /zones 200',
  ]);
  expect(lines[0]!.fault).toBe('respond');
  rmSync(dir, { recursive: true, force: true });

  const ne = harness(['emulator', '--port', '0', '--not-entitled']);
  const neDone = ne.run();
  while (!ne.out().includes('Press Ctrl-C')) await new Promise((r) => setTimeout(r, 10));
  const neUrl = /listening on (\S+)/.exec(ne.out())?.[1] as string;
  const r = await request(`${neUrl}/accounts/${DEMO_ACCOUNT_ID}/custom_ns`, {
    headers: { authorization: 'Bearer demo-token' },
  });
  expect(((await r.body.json()) as { errors: { code: number }[] }).errors[0]!.code).toBe(1002);
  ne.ac.abort();
  expect(await neDone).toBe(0);
});

test.each([
  ['GET /zones', /expected 3 or 4 words/],
  ['GET ( 500', /not a regular expression/],
  ['GET /zones teapot', /not a status, reset, hang/],
  ['GET /zones 500 0', /not a count/],
])('a bad --fault is a clear error: %s', async (spec, msg) => {
  await expect(harness(['emulator', '--port', '0', '--fault', spec]).run()).rejects.toThrow(msg);
});

test.each([
  [['emulator', '--save'], /--save needs --state FILE/],
  [['emulator', '--glue-missing', '2'], /--glue-missing only applies to the DNS fixture/],
  [['emulator', '--dns', '0', '--glue-missing', '7'], /--glue-missing must list set numbers from 1 to 5/],
  [['emulator', '--ip-rate', 'fast'], /--ip-rate must be a whole number/],
  [['emulator', '--block', '-1'], /--block must be a whole number/],
])('more bad flags are clear errors: %j', async (argv, msg) => {
  await expect(harness(argv).run()).rejects.toThrow(msg);
});

test('--state with --save and --dns: the state is served, changed, and written back on exit', async () => {
  const { mkdtempSync, readFileSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'acns-emu-save-'));
  const file = join(dir, 'state.json');
  writeFileSync(file, JSON.stringify({ zones: ['one.example'], custom_ns: [{ ns_name: 'ns1.corp.example' }] }));
  const h = harness([
    'emulator',
    '--port',
    '0',
    '--state',
    file,
    '--save',
    '--dns',
    '0',
    '--glue-missing',
    '1',
    '--rate',
    'off',
    '--plan',
    'business',
    '--advanced-shape',
    'foundation_dns',
  ]);
  const done = h.run();
  while (!h.out().includes('Press Ctrl-C')) await new Promise((r) => setTimeout(r, 10));
  expect(h.out()).toContain('no rate window, 200/s per IP');
  expect(h.out()).toMatch(/DNS: +root 127\.53\.255\.1:\d+; glue not published for set 1/);
  expect(h.out()).toMatch(/export ACNS_DNS_ROOT_SERVERS=127\.53\.255\.1:\d+\n {2}export ACNS_DNS_PORT=\d+/);
  expect(h.out()).toContain(`the state is then saved to ${file}`);
  const control = /control: +(\S+)/.exec(h.out())?.[1] as string;
  const r = await request(`${control}/zones/one.example`, {
    method: 'PATCH',
    body: JSON.stringify({ nameservers: 'cloudflare.advanced' }),
  });
  expect(r.statusCode).toBe(200);
  await r.body.dump();
  h.ac.abort();
  expect(await done).toBe(0);
  expect(h.err()).toContain(`state saved to ${file}`);
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  expect(saved).toMatchObject({
    plan: 'business',
    glue_missing: [1],
    zones: [{ name: 'one.example', nameservers: 'cloudflare.advanced' }],
    custom_ns: [{ ns_name: 'ns1.corp.example', ns_set: 1, ipv4: expect.stringMatching(/^198\.51\.100\./) }],
  });
  rmSync(dir, { recursive: true, force: true });
});
