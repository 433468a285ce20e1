import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { run } from '../../src/cli/program.js';
import type { CliIO } from '../../src/cli/io.js';
import { loadDesiredState } from '../../src/config/load.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { DEMO_ACCOUNT_ID, DEMO_TOKEN } from '../../src/emulator/model.js';
import { loadStateFile } from '../../src/emulator/statefile.js';

let emu: Emulator;
let dir: string;

function io(env: Record<string, string> = {}): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {
      CLOUDFLARE_BASE_URL: emu.url,
      CLOUDFLARE_API_TOKEN: DEMO_TOKEN,
      CLOUDFLARE_ACCOUNT_ID: DEMO_ACCOUNT_ID,
      ...env,
    },
    cwd: dir,
    out: () => out,
    err: () => err,
  };
}

beforeEach(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), 'acns-import-'));
  // A lived-in account: two sets, zones on both, one zone on standard, the default on custom.account.
  const ns = (name: string, set: number) => ({
    ns_name: name,
    ns_set: set,
    ipv4: '192.0.2.1',
    ipv6: '2001:db8::1',
    status: 'verified',
    zone_tag: 'x',
  });
  emu.state.customNs.push(
    ns('ns1.example.com', 1),
    ns('ns2.example.com', 1),
    ns('ns1.example.net', 2),
    ns('ns2.example.net', 2),
    ns('ns3.example.net', 2),
  );
  const zone = (name: string) => emu.state.zones.find((z) => z.name === name)!;
  zone('example.org').nameservers = { type: 'custom.account', ns_set: 1 };
  zone('shop.example.org').nameservers = { type: 'custom.account', ns_set: 2 };
  emu.state.accountDefault = 'custom.account';
});

afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

test('import writes a valid, commented file that plans to no changes (round trip)', async () => {
  const a = io();
  expect(await run(['import', '-o', 'acns.yaml'], a)).toBe(0);
  const text = await readFile(join(dir, 'acns.yaml'), 'utf8');
  expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=.*schemas\/acns\.schema\.json$/);
  // Written outside the acns checkout: the release's URL, never a path climbing to this machine's clone.
  expect(text.split('\n')[0]).toMatch(/\$schema=https:\/\/raw\.githubusercontent\.com\/acns\/acns\/v[\d.]+\//);
  const doc = parse(text) as Record<string, unknown>;
  expect(doc.nameserver_sets).toEqual({
    1: { names: ['ns1.example.com', 'ns2.example.com'], registrar: 'external' },
    2: { names: ['ns1.example.net', 'ns2.example.net', 'ns3.example.net'], registrar: 'external' },
  });
  expect(doc.zones).toEqual({ 'example.org': 1, 'shop.example.org': 2 });
  expect(doc.account_default).toBe('custom.account');
  expect(a.err()).toContain('Wrote acns.yaml: 5 names in 2 sets, 2 zones.');

  const loaded = await loadDesiredState('acns.yaml', { cwd: dir, env: {}, requireAccountId: true });
  expect(loaded.ok).toBe(true);

  const p = io({ ACNS_DNS_ROOT_SERVERS: '127.0.0.1:9', ACNS_DNS_PORT: '9' });
  const code = await run(['plan', '--detailed-exitcode'], p);
  expect(p.out()).toContain('No changes');
  expect(code).toBe(0);
});

test('import --all-zones lists every zone, standard and advanced included, and still plans clean', async () => {
  expect(await run(['import', '--all-zones', '-o', 'all.yaml'], io())).toBe(0);
  const doc = parse(await readFile(join(dir, 'all.yaml'), 'utf8')) as { zones: Record<string, unknown> };
  expect(doc.zones['legacy.example']).toBe('standard');
  expect(doc.zones['big.example']).toBe('advanced');
  expect(doc.zones['example.org']).toBe(1);
  expect(Object.keys(doc.zones)).toHaveLength(emu.state.zones.length);
  const p = io({ ACNS_DNS_ROOT_SERVERS: '127.0.0.1:9', ACNS_DNS_PORT: '9' });
  expect(await run(['plan', '-c', 'all.yaml', '--detailed-exitcode'], p)).toBe(0);
});

test('import refuses to overwrite an existing file without --force, and overwrites with it', async () => {
  await writeFile(join(dir, 'acns.yaml'), 'keep me\n');
  const a = io();
  expect(await run(['import'], a)).toBe(1);
  expect(a.err()).toContain('acns.yaml already exists; nothing was written');
  expect(a.err()).toContain('--force');
  expect(await readFile(join(dir, 'acns.yaml'), 'utf8')).toBe('keep me\n');
  expect(await run(['import', '--force'], io())).toBe(0);
  expect(await readFile(join(dir, 'acns.yaml'), 'utf8')).toContain('nameserver_sets:');
});

test('import without an account id says where to find one', async () => {
  const a = io({ CLOUDFLARE_ACCOUNT_ID: '' });
  expect(await run(['import'], a)).toBe(1);
  expect(a.err()).toContain('no account id');
});

test('import --endpoints legacy reads through the legacy endpoints and keeps that setting in the file', async () => {
  emu.resetLog();
  expect(await run(['import', '--endpoints', 'legacy', '-o', 'legacy.yaml'], io())).toBe(0);
  const paths = emu.requests().map((r) => r.path);
  expect(paths.some((p) => /\/zones\/[0-9a-f]+\/custom_ns$/.test(p))).toBe(true);
  expect(paths.some((p) => /^\/zones\/.*dns_settings/.test(p))).toBe(false);
  const doc = parse(await readFile(join(dir, 'legacy.yaml'), 'utf8')) as {
    cloudflare?: { endpoints?: string };
    zones: Record<string, unknown>;
  };
  expect(doc.cloudflare?.endpoints).toBe('legacy');
  expect(doc.zones).toEqual({ 'example.org': 1, 'shop.example.org': 2 });
  const p = io({ ACNS_DNS_ROOT_SERVERS: '127.0.0.1:9', ACNS_DNS_PORT: '9' });
  expect(await run(['plan', '-c', 'legacy.yaml', '--detailed-exitcode'], p)).toBe(0);
});

test('import -o - writes the configuration to stdout and no file', async () => {
  const a = io();
  expect(await run(['import', '-o', '-'], a)).toBe(0);
  const doc = parse(a.out()) as { zones: Record<string, unknown> };
  expect(doc.zones).toEqual({ 'example.org': 1, 'shop.example.org': 2 });
  expect(a.err()).toContain('Wrote the configuration to stdout');
  await expect(readFile(join(dir, '-'), 'utf8')).rejects.toThrow();
});

test('import -o <directory> is a clear error, not a crash', async () => {
  const a = io();
  expect(await run(['import', '-o', '.', '--force'], a)).toBe(1);
  expect(a.err()).toContain('error: cannot write the imported configuration to .: it is a directory');
  expect(a.err()).not.toContain('bug');
});

test('import --emulator-state writes a state file that loads back as the same account, and no acns.yaml', async () => {
  const a = io();
  expect(await run(['import', '--emulator-state', 'snap.json'], a)).toBe(0);
  expect(a.err()).toContain('Wrote snap.json: 5 names, 8 zones');
  expect(a.err()).toContain('acns emulator --state snap.json --dns');
  await expect(readFile(join(dir, 'acns.yaml'), 'utf8')).rejects.toThrow();
  const text = await readFile(join(dir, 'snap.json'), 'utf8');
  expect(text).not.toContain(DEMO_TOKEN);
  const back = await loadStateFile(join(dir, 'snap.json'));
  const sorted = <T extends { name: string }>(l: T[]) => [...l].sort((x, y) => (x.name < y.name ? -1 : 1));
  expect(sorted(back.zones)).toEqual(sorted(emu.state.zones));
  expect(back.customNs.map((n) => [n.ns_name, n.ns_set, n.ipv4, n.ipv6])).toEqual(
    emu.state.customNs.map((n) => [n.ns_name, n.ns_set, n.ipv4, n.ipv6]),
  );
  expect(back.accountDefault).toBe('custom.account');
  const again = io();
  expect(await run(['import', '--emulator-state', 'snap.json'], again)).toBe(1);
  expect(again.err()).toContain('snap.json already exists; nothing was written');
});
