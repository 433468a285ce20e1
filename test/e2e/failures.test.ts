/** Apply under trouble: stale plans, persistent 500s, lost responses, 429 storms, guards, bad credentials. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_CONFIG, TOKEN, startWorld, type World } from './harness.js';

let w: World;
beforeEach(async () => {
  w = await startWorld();
  w.writeConfig(BASE_CONFIG);
});
afterEach(() => w.close());

async function savePlan(): Promise<void> {
  const p = await w.cli(['plan', '-o', 'plan.json']);
  expect(p.code).toBe(0);
  w.emu.resetLog();
}

test('stale plan: a zone changed between plan and apply → exit 3, no writes, both values named', async () => {
  await savePlan();
  const z = w.emu.state.zones.find((x) => x.name === 'example.org')!;
  z.nameservers = { type: 'cloudflare.advanced' };
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.code).toBe(3);
  expect(w.writes()).toEqual([]);
  // one line naming the zone, its value when planned and its value now
  const line = a.stderr.split('\n').find((l) => l.includes('example.org'));
  expect(line).toMatch(/standard.*advanced/);
  expect(a.stderr).toMatch(/stale/);
  expect(a.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(w.emu.state.customNs).toHaveLength(0);
});

test('a persistent 500 on one zone: exit 1, listed with its code, others done; a re-run does only it', async () => {
  await savePlan();
  const shop = w.emu.state.zones.find((x) => x.name === 'shop.example.org')!;
  w.emu.addFault({
    method: 'PATCH',
    path: new RegExp(`/zones/${shop.id}/`),
    status: 500,
    code: 10042,
    message: 'Boom on purpose',
    times: Infinity,
  });
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.code).toBe(1);
  expect(a.stdout).toContain('shop.example.org');
  expect(a.stdout).toContain('10042');
  expect(a.stdout).toMatch(/fail/i);
  expect(w.zone('shop.example.org').type).toBe('cloudflare.standard');
  expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
  expect(w.zone('10.113.0.203.in-addr.arpa')).toEqual({ type: 'custom.account', ns_set: 2 });
  expect(w.emu.state.customNs).toHaveLength(4);

  w.emu.clearFaults();
  w.emu.resetLog();
  const again = await w.cli(['apply', 'plan.json']);
  expect(again.stderr).not.toMatch(/error:/);
  expect(again.code).toBe(0);
  expect(w.zone('shop.example.org')).toEqual({ type: 'custom.account', ns_set: 2 });
  const writes = w.writes();
  expect(writes.filter((x) => x.startsWith('POST'))).toEqual([]);
  expect(writes.filter((x) => x.startsWith('PATCH') && x.includes('/zones/'))).toEqual([
    `PATCH /zones/${shop.id}/dns_settings`,
  ]);
  expect(w.emu.state.accountDefault).toBe('custom.account');
});

test('a lost POST response: the name exists exactly once and apply succeeds', async () => {
  await savePlan();
  w.emu.addFault({ method: 'POST', path: /custom_ns/, action: 'commit_then_drop', times: 1 });
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.stderr).not.toMatch(/error:/);
  expect(a.code).toBe(0);
  const names = w.emu.state.customNs.map((n) => n.ns_name).sort();
  expect(names).toEqual(['ns1.example.com', 'ns1.example.net', 'ns2.example.com', 'ns2.example.net']);
  const log = w.emu.requests();
  const dropped = log.findIndex((r) => r.fault === 'commit_then_drop');
  expect(dropped).toBeGreaterThanOrEqual(0);
  // never blindly repeated: four names, four POSTs, and a read-back after the lost answer
  expect(log.filter((r) => r.method === 'POST')).toHaveLength(4);
  expect(log.slice(dropped + 1).some((r) => r.method === 'GET' && r.path.includes('/custom_ns'))).toBe(true);
});

test('a 429 storm mid-apply: the apply still succeeds', async () => {
  await savePlan();
  w.emu.addFault({ method: 'PATCH', status: 429, retryAfter: 0.2, times: 4 });
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.stderr).not.toMatch(/error:/);
  expect(a.code).toBe(0);
  expect(w.emu.requests().filter((r) => r.status === 429)).toHaveLength(4);
  expect(w.zone('shop.example.org')).toEqual({ type: 'custom.account', ns_set: 2 });
  expect(w.emu.state.accountDefault).toBe('custom.account');
});

test('a mass change is refused (exit 3 naming --allow-mass-change), then applied with the flag', async () => {
  w.writeConfig(`${BASE_CONFIG}  max_zone_changes: 2\n`);
  const p = await w.cli(['plan', '-o', 'plan.json']);
  expect(p.code).toBe(0);
  w.emu.resetLog();
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.code).toBe(3);
  expect(a.stderr).toContain('--allow-mass-change');
  expect(w.writes()).toEqual([]);
  const ok = await w.cli(['apply', 'plan.json', '--allow-mass-change']);
  expect(ok.code).toBe(0);
  expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
});

test('a wrong token: exit 1 naming CLOUDFLARE_API_TOKEN, and the token never appears', async () => {
  const secret = 'sekrit-token-value-123456';
  for (const argv of [['plan'], ['apply', '--auto-approve'], ['drift'], ['glue']]) {
    const r = await w.cli(argv, { CLOUDFLARE_API_TOKEN: secret });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CLOUDFLARE_API_TOKEN|permission/);
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }
  expect(w.writes()).toEqual([]);
});

test('an unreachable API: exit 1, a clear message, no stack trace', async () => {
  const r = await w.cli(['plan'], { CLOUDFLARE_BASE_URL: 'http://127.0.0.1:9/client/v4' });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^error: /m);
  expect(r.stderr).toMatch(/127\.0\.0\.1:9|reach|connect/i);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout + r.stderr).not.toContain(TOKEN);
});

test('a zone not in the account: plan shows a guard (0), apply refuses (3) even with --allow-mass-change', async () => {
  w.writeConfig(BASE_CONFIG.replace('legacy.example: standard', 'legacy.example: standard\n  nosuch.example: 1'));
  const p = await w.cli(['plan', '-o', 'plan.json']);
  expect(p.code).toBe(0);
  expect(p.stdout).toMatch(/UNSAFE/);
  expect(p.stdout).toContain('nosuch.example');
  w.emu.resetLog();
  const a = await w.cli(['apply', 'plan.json', '--allow-mass-change']);
  expect(a.code).toBe(3);
  expect(a.stderr).toContain('nosuch.example');
  expect(w.emu.requests()).toEqual([]);
});

test('a saved plan for another account than CLOUDFLARE_ACCOUNT_ID is refused before any request', async () => {
  await savePlan();
  const other = 'ffffffffffffffffffffffffffffffff';
  const a = await w.cli(['apply', 'plan.json'], { CLOUDFLARE_ACCOUNT_ID: other });
  expect(a.code).toBe(1);
  expect(a.stderr).toContain(other);
  expect(a.stderr).toContain('CLOUDFLARE_ACCOUNT_ID');
  expect(w.emu.requests()).toEqual([]);
  // the same account id (any case) is fine
  const ok = await w.cli(['apply', 'plan.json'], { CLOUDFLARE_ACCOUNT_ID: w.emu.state.accountId.toUpperCase() });
  expect(ok.code).toBe(0);
});

test('a damaged or foreign plan file: exit 1 with a clear message, no request', async () => {
  await savePlan();
  const full = readFileSync(join(w.dir, 'plan.json'), 'utf8');
  writeFileSync(join(w.dir, 'trunc.json'), full.slice(0, 200));
  writeFileSync(join(w.dir, 'future.json'), JSON.stringify({ ...JSON.parse(full), format_version: 99 }));
  const t = await w.cli(['apply', 'trunc.json']);
  expect(t.code).toBe(1);
  expect(t.stderr).toMatch(/trunc\.json is not an acns plan/);
  const f = await w.cli(['apply', 'future.json']);
  expect(f.code).toBe(1);
  expect(f.stderr).toMatch(/format_version 99/);
  expect(w.emu.requests()).toEqual([]);
});

test('a wrong token on apply of a saved plan: exit 1, nothing written, the token never shown', async () => {
  await savePlan();
  const secret = 'another-sekrit-987654321';
  const a = await w.cli(['apply', 'plan.json'], { CLOUDFLARE_API_TOKEN: secret });
  expect(a.code).toBe(1);
  expect(a.stderr).toMatch(/CLOUDFLARE_API_TOKEN/);
  expect(a.stdout + a.stderr).not.toContain(secret);
  expect(readFileSync(join(w.dir, '.acns/journal.jsonl'), 'utf8')).not.toContain(secret);
  expect(w.writes()).toEqual([]);
});
