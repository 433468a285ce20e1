/**
 * Rehearsing your own change offline, end to end, with the BUILT CLI (dist/cli/main.js, built by
 * `npm test` before jest) as a user would run it: snapshot an account ("the real one": an emulator
 * in default mode) with `import --emulator-state`, start a second emulator from that file with the
 * DNS fixture and --save, plan and apply your own config against it, register the missing glue,
 * make dashboard changes through the control endpoint and see drift and a stale plan; on SIGTERM
 * the emulator writes its state back.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { parse } from 'yaml';
import { DEMO_ACCOUNT_ID, DEMO_TOKEN, newZone, type EmulatorState } from '../../src/emulator/model.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { demoState } from '../../src/emulator/model.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** The "real" account: set 1 in use by app.example, its default on custom nameservers. */
function realAccount(): EmulatorState {
  const s = demoState();
  s.tokens = ['real-token-never-in-a-file'];
  s.zones = [
    newZone('app.example', { type: 'custom.account', ns_set: 1 }),
    newZone('web.example', { type: 'cloudflare.standard' }),
  ];
  const ns = (name: string, ipv4: string) => ({
    ns_name: name,
    ns_set: 1,
    ipv4,
    ipv6: '2606:4700:58::1',
    status: 'verified',
    zone_tag: 'x',
  });
  s.customNs = [ns('ns1.corp-one.com', '162.159.44.1'), ns('ns2.corp-one.com', '162.159.44.2')];
  s.accountDefault = 'custom.account';
  return s;
}

/** The change the user wants to rehearse: a second set, under another domain, for web.example. */
const CONFIG = `version: 1
nameserver_sets:
  1:
    names: [ns1.corp-one.com, ns2.corp-one.com]
    registrar: external
  2:
    names: [ns1.corp-two.net, ns2.corp-two.net]
    registrar: external
zones:
  app.example: 1
  web.example: 2
account_default: custom.account
policy:
  glue_check: enforce
`;

let dir: string;
let real: Emulator;
let child: ChildProcess | undefined;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test builds it before jest)`);
  dir = mkdtempSync(join(tmpdir(), 'acns-rehearsal-'));
  real = await startEmulator({ state: realAccount() });
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await real.close();
  rmSync(dir, { recursive: true, force: true });
});

function acns(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...argv],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

async function control(url: string, method: string, path: string, body: unknown): Promise<number> {
  const r = await request(url + path, { method: method as 'PUT', body: JSON.stringify(body) });
  await r.body.dump();
  return r.statusCode;
}

test('snapshot → emulator with DNS → plan/apply a change → drift and a stale plan → state saved', async () => {
  // 1. Snapshot the account read-only: one state file, no credentials in it.
  const snap = await acns(['import', '--emulator-state', 'snapshot.yaml'], {
    CLOUDFLARE_BASE_URL: real.url,
    CLOUDFLARE_API_TOKEN: 'real-token-never-in-a-file',
    CLOUDFLARE_ACCOUNT_ID: DEMO_ACCOUNT_ID,
  });
  expect(snap.err).toContain('Wrote snapshot.yaml');
  expect(snap.code).toBe(0);
  expect(real.requests().every((r) => r.method === 'GET')).toBe(true);
  const file = readFileSync(join(dir, 'snapshot.yaml'), 'utf8');
  expect(file).not.toContain('real-token');
  expect(parse(file)).toMatchObject({
    account_id: DEMO_ACCOUNT_ID,
    account_default: 'custom.account',
    custom_ns: [
      { ns_name: 'ns1.corp-one.com', ns_set: 1, ipv4: '162.159.44.1' },
      { ns_name: 'ns2.corp-one.com', ns_set: 1, ipv4: '162.159.44.2' },
    ],
  });

  // 2. A second emulator from the snapshot, with the DNS fixture: set 2's glue not registered yet.
  child = spawn(
    process.execPath,
    [MAIN, 'emulator', '--state', 'snapshot.yaml', '--save', '--port', '0', '--dns', '0', '--glue-missing', '2'],
    { cwd: dir, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let banner = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => (banner += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child?.on('close', (c) => resolve(c)));
  for (let i = 0; i < 200 && !banner.includes('Press Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 25));
  expect(banner).toContain('Press Ctrl-C');
  const exports = Object.fromEntries([...banner.matchAll(/export (\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  expect(Object.keys(exports).sort()).toEqual([
    'ACNS_DNS_PORT',
    'ACNS_DNS_ROOT_SERVERS',
    'CLOUDFLARE_ACCOUNT_ID',
    'CLOUDFLARE_API_TOKEN',
    'CLOUDFLARE_BASE_URL',
  ]);
  expect(exports.CLOUDFLARE_API_TOKEN).toBe(DEMO_TOKEN);
  const controlUrl = /control: +(\S+)/.exec(banner)?.[1] as string;
  const env = exports as Record<string, string>;
  writeFileSync(join(dir, 'acns.yaml'), CONFIG);

  // 3. Your change, planned and applied for real: set 2 is created, its glue check holds it back.
  const plan = await acns(['plan', '-o', 'plan.json', '--detailed-exitcode'], env);
  expect(plan.code).toBe(2);
  expect(plan.out).toMatch(/ns1\.corp-two\.net/);
  const first = await acns(['apply', 'plan.json'], env);
  expect(first.code).toBe(3);
  expect(first.out + first.err).toMatch(/glue/i);

  // 4. "Register" the glue at the registrar, apply the same plan again: it completes.
  expect(await control(controlUrl, 'PUT', '/glue/2', { published: true })).toBe(200);
  const second = await acns(['apply', 'plan.json'], env);
  expect(second.err).not.toMatch(/error:/);
  expect(second.code).toBe(0);
  expect((await acns(['plan', '--detailed-exitcode'], env)).code).toBe(0);

  // 5. A dashboard change: drift finds it.
  expect(await control(controlUrl, 'PATCH', '/zones/app.example', { nameservers: 'cloudflare.standard' })).toBe(200);
  const drift = await acns(['drift'], env);
  expect(drift.code).toBe(2);
  expect(drift.out).toContain('app.example');

  // 6. A plan saved to undo it goes stale when the dashboard changes the zone again before apply.
  expect((await acns(['plan', '-o', 'fix.json'], env)).code).toBe(0);
  expect(await control(controlUrl, 'PATCH', '/zones/app.example', { nameservers: 'cloudflare.advanced' })).toBe(200);
  const stale = await acns(['apply', 'fix.json'], env);
  expect(stale.code).toBe(3);
  expect(stale.out + stale.err).toMatch(/stale|changed since/i);
  expect(stale.out + stale.err).toContain('app.example');

  // 7. SIGTERM: a clean stop that writes the state back, real addresses kept for the real names.
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(stderr).toContain('state saved to snapshot.yaml');
  const saved = parse(readFileSync(join(dir, 'snapshot.yaml'), 'utf8')) as {
    zones: { name: string; nameservers: unknown }[];
    custom_ns: { ns_name: string; ipv4?: string }[];
    glue_missing?: number[];
  };
  expect(saved.zones).toEqual([
    expect.objectContaining({ name: 'app.example', nameservers: 'cloudflare.advanced' }),
    expect.objectContaining({ name: 'web.example', nameservers: { type: 'custom.account', ns_set: 2 } }),
  ]);
  expect(saved.custom_ns).toEqual([
    expect.objectContaining({ ns_name: 'ns1.corp-one.com', ipv4: '162.159.44.1' }),
    expect.objectContaining({ ns_name: 'ns2.corp-one.com', ipv4: '162.159.44.2' }),
    { ns_name: 'ns1.corp-two.net', ns_set: 2 },
    { ns_name: 'ns2.corp-two.net', ns_set: 2 },
  ]);
  expect(saved.glue_missing).toBeUndefined();
});
