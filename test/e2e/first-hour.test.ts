/**
 * What a new user meets in the first hour, end to end through the in-process CLI against the
 * emulator and its DNS fixture: the registrar's next step repeated after an apply, a finished plan
 * applied again, glue warnings on stderr, and `acns help` for a command that does not exist.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/program.js';
import { startEmulatorDns, type EmulatorDns } from '../../src/emulator/dns.js';
import { DEMO_ACCOUNT_ID, DEMO_TOKEN, demoState } from '../../src/emulator/model.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';

/**
 * Set 1 (names under example.com, an account zone on Cloudflare's nameservers: glue that DNS cannot
 * see yet, a warning) for example.org; set 2 (glue missing) for shop.example.org.
 */
const CONFIG = `version: 1
account_id: ${DEMO_ACCOUNT_ID}
nameserver_sets:
  1:
    names: [ns1.example.com, ns2.example.com]
  2:
    names: [ns1.corp-two.net, ns2.corp-two.net]
zones:
  example.org: 1
  shop.example.org: 2
policy:
  glue_check: enforce
`;

let emu: Emulator;
let dns: EmulatorDns;
let dir: string;

beforeAll(async () => {
  const state = demoState();
  state.glueMissing = [2];
  emu = await startEmulator({ state, onChange: () => dns.refresh() });
  dns = await startEmulatorDns(state, emu.options.behaviour);
  dir = mkdtempSync(join(tmpdir(), 'acns-first-hour-'));
  writeFileSync(join(dir, 'acns.yaml'), CONFIG);
});
afterAll(async () => {
  await emu.close();
  await dns.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {
      CLOUDFLARE_BASE_URL: emu.url,
      CLOUDFLARE_API_TOKEN: DEMO_TOKEN,
      ACNS_DNS_ROOT_SERVERS: dns.rootServer,
      ACNS_DNS_PORT: String(dns.port),
      NO_COLOR: '1',
    },
    cwd: dir,
  });
  return { code, stdout, stderr };
}

const writes = (): string[] =>
  emu
    .requests()
    .filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${r.path}`);

test('apply plan.json repeats the registrar step for the zones it switched, and only for those', async () => {
  const plan = await cli(['plan', '-o', 'plan.json']);
  expect(plan.code).toBe(0);
  expect(plan.stdout).toContain(
    'next step for example.org at the registrar of example.org: set its NS to ns1.example.com',
  );
  // shop.example.org's parent is a zone of this account: the change is an NS record there, not at a registrar
  expect(plan.stdout).toContain('next step for shop.example.org in the Cloudflare zone example.org');

  const applied = await cli(['apply', 'plan.json']);
  expect(applied.code).toBe(3); // set 2's glue is missing: shop.example.org is held back
  const tail = applied.stdout.slice(applied.stdout.indexOf('Still to do at the registrars'));
  expect(tail).toMatch(
    /^Still to do at the registrars \(from the plan\):\n {2}- next step for example\.org at the registrar of /,
  );
  expect(tail).not.toContain('shop.example.org'); // not switched: its registrar must not change yet

  // The glue is registered; the same plan resumes and now names both zones.
  emu.state.glueMissing = [];
  await dns.refresh();
  const resumed = await cli(['apply', 'plan.json']);
  expect(resumed.code).toBe(0);
  const after = resumed.stdout.slice(resumed.stdout.indexOf('Still to do at the registrars'));
  expect(after).toContain('next step for example.org at the registrar of example.org');
  expect(after).toContain('next step for shop.example.org in the Cloudflare zone example.org');
});

test('a finished plan applied again: "already done", no glue check re-run, nothing written', async () => {
  emu.resetLog();
  const again = await cli(['apply', 'plan.json']);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('No changes to apply: every step of this plan is already done.');
  expect(again.stdout).not.toMatch(/Glue check for set/);
  expect(again.stdout).toContain('next step for example.org at the registrar of example.org');
  expect(again.stderr).not.toMatch(/glue check set/);
  expect(writes()).toEqual([]);
});

test('glue warnings go to stderr; the report stays on stdout', async () => {
  // example.com is delegated to Cloudflare's names, not to ns1/ns2.example.com: a warning, not a failure
  const glue = await cli(['glue']);
  expect(glue.stdout).toContain('Glue check for set 1');
  expect(glue.stdout).not.toContain('warning:');
  expect(glue.stderr).toMatch(/^warning: set 1: example\.com is delegated to /m);
  const json = await cli(['glue', '--format', 'json']);
  expect(JSON.parse(json.stdout).sets[0].warnings.length).toBeGreaterThan(0);
});

test('acns help <unknown command> says it is unknown, suggests the closest one and exits 1', async () => {
  const r = await cli(['help', 'aply']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("error: unknown command 'aply'");
  expect(r.stderr).toContain('apply');
  const ok = await cli(['help', 'apply']);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toContain('Usage: acns apply');
});
