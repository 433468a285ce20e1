/**
 * The account is explicit: a file whose account_id differs from CLOUDFLARE_ACCOUNT_ID is refused
 * by every command that talks to the API, before any request, naming both accounts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/program.js';
import { DEMO_ACCOUNT_ID, DEMO_TOKEN } from '../../src/emulator/model.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';

const OTHER = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), 'acns-account-'));
  await writeFile(
    join(dir, 'staging.yaml'),
    `version: 1\naccount_id: ${OTHER}\nnameserver_sets:\n  1:\n    names: [ns1.example.com, ns2.example.com]\n` +
      'zones:\n  example.org: 1\n',
  );
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[], env: Record<string, string>) {
  let out = '';
  let err = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { CLOUDFLARE_BASE_URL: emu.url, CLOUDFLARE_API_TOKEN: DEMO_TOKEN, ...env },
    cwd: dir,
  });
  return { code, out, err };
}

test.each([
  ['plan', ['plan', '-c', 'staging.yaml']],
  ['apply', ['apply', '-c', 'staging.yaml', '--auto-approve']],
  ['drift', ['drift', '-c', 'staging.yaml']],
  ['glue', ['glue', '-c', 'staging.yaml']],
])('%s refuses a leftover CLOUDFLARE_ACCOUNT_ID that names another account, before any request', async (_n, argv) => {
  emu.resetLog();
  const r = await cli(argv, { CLOUDFLARE_ACCOUNT_ID: DEMO_ACCOUNT_ID });
  expect(r.code).toBe(1);
  expect(r.err).toContain(
    `environment: staging.yaml has account_id ${OTHER} but CLOUDFLARE_ACCOUNT_ID is ${DEMO_ACCOUNT_ID}`,
  );
  expect(r.err).toContain('error: the environment does not fit staging.yaml (1 problem above); nothing was sent');
  expect(r.err).toContain('hint: fix or unset the environment variable named above');
  expect(r.err).not.toContain('staging.yaml:1:1');
  expect(emu.requests()).toEqual([]);
});

test('validate (no API) warns about the mismatch and still validates the file', async () => {
  const r = await cli(['validate', '-c', 'staging.yaml'], { CLOUDFLARE_ACCOUNT_ID: DEMO_ACCOUNT_ID });
  expect(r.code).toBe(0);
  expect(r.err).toMatch(
    /^environment: warning: staging\.yaml has account_id .* plan, apply, drift and glue will refuse/m,
  );
  expect(r.out).toContain('staging.yaml: valid (1 set, 2 names, 1 zone).');
});

test('a malformed CLOUDFLARE_ACCOUNT_ID is an environment problem naming the variable, not line 1', async () => {
  emu.resetLog();
  const r = await cli(['plan', '-c', 'staging.yaml'], { CLOUDFLARE_ACCOUNT_ID: 'dash.cloudflare.com/abc' });
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/^environment: CLOUDFLARE_ACCOUNT_ID is not a Cloudflare account id/m);
  expect(r.err).not.toContain('dash.cloudflare.com/abc');
  expect(r.err).not.toContain('staging.yaml:1:1');
  expect(emu.requests()).toEqual([]);
});
