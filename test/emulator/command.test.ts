import { Command } from 'commander';
import { request } from 'undici';
import { registerEmulator } from '../../src/cli/commands/emulator.js';
import type { CommandRunner, Registry } from '../../src/cli/program.js';
import type { CliIO } from '../../src/cli/io.js';
import { DEMO_ACCOUNT_ID } from '../../src/emulator/model.js';

function harness(argv: string[]) {
  let out = '';
  let err = '';
  const ac = new AbortController();
  const io: CliIO = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {}, cwd: process.cwd(), signal: ac.signal };
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
  const r = await request(`${url}/accounts/${DEMO_ACCOUNT_ID}/custom_ns`, { headers: { authorization: 'Bearer cli-token' } });
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
