/** The glue check during apply (enforce), the `glue` command, and `drift`. */
import { BASE_CONFIG, NS_V4, startWorld, seedApplied, type World } from './harness.js';

let w: World;
afterEach(() => w.close());

test("set 2's glue missing (enforce): exit 3, names created, its zones held, records shown; fixed → 0", async () => {
  w = await startWorld({ glue: { 2: false } });
  w.writeConfig(BASE_CONFIG);
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.code).toBe(3);
  expect(w.emu.state.customNs).toHaveLength(4);
  expect(w.zone('shop.example.org').type).toBe('cloudflare.standard');
  expect(w.zone('10.113.0.203.in-addr.arpa').type).toBe('cloudflare.standard');
  expect(w.emu.state.accountDefault).toBe('cloudflare.standard'); // the default depends on every set
  expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
  expect(w.zone('113.0.203.in-addr.arpa')).toEqual({ type: 'custom.account', ns_set: 1 });
  // the records to register, and who adds them for registrar: cloudflare
  expect(a.stdout).toContain('ns1.example.net');
  expect(a.stdout).toContain(NS_V4);
  expect(a.stdout).toMatch(/Cloudflare Support/);
  expect(a.stdout).toMatch(/shop\.example\.org/);

  w.glue(2, true);
  w.emu.resetLog();
  const again = await w.cli(['apply', 'plan.json']);
  expect(again.stderr).not.toMatch(/error:/);
  expect(again.code).toBe(0);
  expect(w.emu.requests().filter((r) => r.method === 'POST')).toHaveLength(0);
  expect(w.zone('shop.example.org')).toEqual({ type: 'custom.account', ns_set: 2 });
  expect(w.emu.state.accountDefault).toBe('custom.account');
});

test('acns glue: 0 when glue is there, 3 when missing, json parses', async () => {
  w = await startWorld();
  seedApplied(w.emu);
  w.writeConfig(BASE_CONFIG);
  const ok = await w.cli(['glue']);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toContain('ns1.example.com');
  const okJson = await w.cli(['glue', '--format', 'json']);
  expect(okJson.code).toBe(0);
  JSON.parse(okJson.stdout);

  w.glue(1, false);
  const bad = await w.cli(['glue']);
  expect(bad.code).toBe(3);
  expect(bad.stdout).toMatch(/missing/i);
  expect(bad.stdout).toContain('ns2.example.com');
  const badJson = await w.cli(['glue', '--format', 'json']);
  expect(badJson.code).toBe(3);
  const doc = JSON.parse(badJson.stdout);
  expect(JSON.stringify(doc)).toContain('missing');
  expect(w.writes()).toEqual([]);
});

test('acns drift: 0 when clean, 2 after an out-of-band change, json parses', async () => {
  w = await startWorld();
  seedApplied(w.emu);
  w.writeConfig(BASE_CONFIG);
  const clean = await w.cli(['drift']);
  expect(clean.stderr).not.toMatch(/error:/);
  expect(clean.code).toBe(0);
  const cleanJson = await w.cli(['drift', '--format', 'json']);
  expect(cleanJson.code).toBe(0);
  JSON.parse(cleanJson.stdout);

  w.emu.state.zones.find((z) => z.name === 'example.org')!.nameservers = { type: 'cloudflare.standard' };
  const drifted = await w.cli(['drift']);
  expect(drifted.code).toBe(2);
  expect(drifted.stdout).toContain('example.org');
  const json = await w.cli(['drift', '--format', 'json']);
  expect(json.code).toBe(2);
  expect(JSON.stringify(JSON.parse(json.stdout))).toContain('example.org');
  const md = await w.cli(['drift', '--format', 'markdown']);
  expect(md.code).toBe(2);
  expect(w.writes()).toEqual([]);
});

test('acns drift re-checks DNS: missing glue and a lame zone are findings (information, exit 0)', async () => {
  w = await startWorld();
  seedApplied(w.emu);
  w.writeConfig(BASE_CONFIG);
  const clean = await w.cli(['drift', '--format', 'json']);
  expect(clean.code).toBe(0);
  expect(JSON.parse(clean.stdout).dns_checks).toEqual([]);

  w.glue(1, false);
  w.lame('example.org');
  const d = await w.cli(['drift']);
  expect(d.code).toBe(0);
  expect(d.stdout).toMatch(/DNS checks that did not pass \(information, not drift\):/);
  expect(d.stdout).toMatch(/\[glue\] set 1: failed — ns1\.example\.com: /);
  expect(d.stdout).toMatch(/\[servers\] zone example\.org: failed — .*answers example\.org SOA REFUSED/);
  const doc = JSON.parse((await w.cli(['drift', '--format', 'json'])).stdout) as {
    dns_checks: { check: string; subject: string; status: string }[];
  };
  expect(doc.dns_checks.map((f) => `${f.check} ${f.subject} ${f.status}`)).toEqual([
    'glue set 1 failed',
    'lameness example.org failed',
  ]);
});
