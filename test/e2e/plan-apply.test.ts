/** The common path end to end through the CLI: plan → save → show → apply → a fresh plan is empty. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli/program.js';
import type { CliIO } from '../../src/cli/io.js';
import { TEST_RETRY_BACKOFF } from '../support/retry.js';
import { BASE_CONFIG, SET_NAMES, TOKEN, startWorld, type World } from './harness.js';

let w: World;
beforeEach(async () => {
  w = await startWorld();
  w.writeConfig(BASE_CONFIG);
});
afterEach(() => w.close());

function expectApplied(world: World): void {
  expect(world.emu.state.customNs.map((n) => `${n.ns_set}:${n.ns_name}`).sort()).toEqual([
    '1:ns1.example.com',
    '1:ns2.example.com',
    '2:ns1.example.net',
    '2:ns2.example.net',
  ]);
  expect(world.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
  expect(world.zone('113.0.203.in-addr.arpa')).toEqual({ type: 'custom.account', ns_set: 1 });
  expect(world.zone('shop.example.org')).toEqual({ type: 'custom.account', ns_set: 2 });
  expect(world.zone('10.113.0.203.in-addr.arpa')).toEqual({ type: 'custom.account', ns_set: 2 });
  expect(world.zone('legacy.example').type).toBe('cloudflare.standard');
  expect(world.zone('big.example').type).toBe('cloudflare.advanced');
  expect(world.emu.state.accountDefault).toBe('custom.account');
}

test('fresh account: plan, plan -o, apply plan.json, then a fresh plan shows no changes', async () => {
  const p = await w.cli(['plan']);
  expect(p.code).toBe(0);
  expect(p.stdout).toContain('+ create_nameserver ns1.example.com');
  expect(p.stdout.trimEnd().split('\n').pop()).toBe('Plan: 4 to create, 5 to change, 0 to delete, 2 checks.');

  const d = await w.cli(['plan', '--detailed-exitcode']);
  expect(d.code).toBe(2);
  expect(w.writes()).toEqual([]); // planning never writes

  const saved = await w.cli(['plan', '-o', 'plan.json']);
  expect(saved.code).toBe(0);
  expect(saved.stdout).toContain('acns apply plan.json');
  const planText = readFileSync(join(w.dir, 'plan.json'), 'utf8');
  expect(JSON.parse(planText)).toBeTruthy();
  expect(planText).not.toContain(TOKEN);

  const a = await w.cli(['apply', 'plan.json']);
  expect(a.stderr).not.toMatch(/error:/);
  expect(a.code).toBe(0);
  expect(a.stdout).toMatch(/Apply complete: 4 created, 5 changed, 0 deleted, 2 checks\./);
  for (const n of [...SET_NAMES[1]!, ...SET_NAMES[2]!]) expect(a.stderr).toContain(n);
  expectApplied(w);
  const posts = w.emu.requests().filter((r) => r.method === 'POST');
  expect(posts).toHaveLength(4);

  w.emu.resetLog();
  const again = await w.cli(['plan', '--detailed-exitcode']);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('No changes.');
  // applying the same saved plan a second time is a no-op
  const a2 = await w.cli(['apply', 'plan.json']);
  expect(a2.code).toBe(0);
  expect(w.writes()).toEqual([]);
  expect(a2.stdout).toMatch(/already done|No changes/);
});

test('show plan.json in text, json and markdown', async () => {
  expect((await w.cli(['plan', '-o', 'plan.json', '--format', 'json'])).code).toBe(0);
  const text = await w.cli(['show', 'plan.json']);
  expect(text.code).toBe(0);
  expect(text.stdout).toContain('~ assign_zone example.org');
  expect(text.stdout.trimEnd().split('\n').pop()).toBe('Plan: 4 to create, 5 to change, 0 to delete, 2 checks.');

  const json = await w.cli(['show', 'plan.json', '--format', 'json']);
  expect(json.code).toBe(0);
  const doc = JSON.parse(json.stdout);
  const file = JSON.parse(readFileSync(join(w.dir, 'plan.json'), 'utf8'));
  expect(doc).toEqual(file);

  const md = await w.cli(['show', 'plan.json', '--format', 'markdown']);
  expect(md.code).toBe(0);
  expect(md.stdout).toContain('<!-- acns-plan -->');
  expect(md.stdout).toContain('example.org');

  const missing = await w.cli(['show', 'nope.json']);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/cannot read the plan nope\.json: no such file/);
  expect(w.writes()).toEqual([]);
});

test('apply without a plan file: refused without a TTY, then applied with --auto-approve', async () => {
  const r = await w.cli(['apply']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/no terminal can answer/);
  expect(r.stderr).toMatch(/--auto-approve/);
  expect(w.writes()).toEqual([]);

  const ok = await w.cli(['apply', '--auto-approve']);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/Apply complete: 4 created, 5 changed, 0 deleted, 2 checks\./);
  expectApplied(w);
  const again = await w.cli(['apply', '--auto-approve']);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('No changes.');
});

test('the journal: default .acns/journal.jsonl and --journal FILE, request lines with step ids, no token', async () => {
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  expect((await w.cli(['apply', 'plan.json', '--journal', 'audit/j.jsonl'])).code).toBe(0);
  const custom = join(w.dir, 'audit/j.jsonl');
  expect(existsSync(custom)).toBe(true);
  expect(existsSync(join(w.dir, '.acns/journal.jsonl'))).toBe(false);
  const text = readFileSync(custom, 'utf8');
  expect(text).not.toContain(TOKEN);
  const lines = text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  const posts = lines.filter((l) => l.method === 'POST' && l.type === 'request');
  expect(posts).toHaveLength(4);
  for (const p of posts) {
    expect(p.step).toMatch(/^create_nameserver:/);
    expect(p.status).toBe(200);
    expect(typeof p.time).toBe('string');
    expect(p.path).toContain('/custom_ns');
  }
  expect(lines.some((l) => l.method === 'PATCH' && /^assign_zone:/.test(l.step))).toBe(true);

  // the default journal
  w.emu.state.accountDefault = 'cloudflare.standard';
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  const def = readFileSync(join(w.dir, '.acns/journal.jsonl'), 'utf8');
  expect(def).not.toContain(TOKEN);
  expect(def).toMatch(/"step":"set_account_default/);
});

test('cloudflare.endpoints: legacy applies zones through the PUT endpoints (the default: dns_settings)', async () => {
  w.writeConfig(`${BASE_CONFIG}cloudflare:\n  endpoints: legacy\n`);
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.stderr).not.toMatch(/error:/);
  expect(a.code).toBe(0);
  expectApplied(w);
  const writes = w.writes();
  expect(writes.filter((x) => x.startsWith('PATCH'))).toEqual([
    expect.stringMatching(/^PATCH \/accounts\/[0-9a-f]+\/dns_settings/),
  ]);
  expect(writes.filter((x) => x.startsWith('PUT')).length).toBeGreaterThanOrEqual(4);
  expect((await w.cli(['plan', '--detailed-exitcode'])).code).toBe(0);
});

test('apply without a plan file on a terminal: "no" cancels with nothing written, "yes" applies', async () => {
  const answer = async (text: string) => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      env: w.env,
      cwd: w.dir,
      stdin,
      retryBackoff: TEST_RETRY_BACKOFF,
    };
    const pending = run(['apply'], io);
    // answer once the question is on screen
    while (!err.join('').includes('Enter a value')) await new Promise((r) => setTimeout(r, 10));
    stdin.write(text);
    return { code: await pending, stdout: out.join(''), stderr: err.join('') };
  };
  const no = await answer('no\n');
  expect(no.code).toBe(1);
  expect(no.stderr).toContain('Apply cancelled: nothing was changed.');
  expect(no.stdout).toContain('Plan: 4 to create, 5 to change, 0 to delete, 2 checks.');
  expect(w.writes()).toEqual([]);
  const yes = await answer('yes\n');
  expect(yes.code).toBe(0);
  expect(yes.stdout).toMatch(/Apply complete: 4 created, 5 changed, 0 deleted, 2 checks\./);
  expectApplied(w);
});

test('the journal brackets every apply, even a refused or empty one, with apply_start … apply_end', async () => {
  const lines = () =>
    readFileSync(join(w.dir, '.acns/journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l: string) => JSON.parse(l) as { type: string; event?: string; exit_code?: number; error?: string });
  // refused: no terminal to approve
  expect((await w.cli(['apply'])).code).toBe(1);
  let events = lines().filter((l) => l.type === 'event');
  expect(events.map((e) => e.event)).toEqual(['apply_start', 'plan', 'apply_end']);
  expect(events.at(-1)).toMatchObject({ exit_code: 1, error: 'needs_approval' });
  // applied, then a second run of the same plan with nothing left to do
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  expect((await w.cli(['apply', 'plan.json'])).code).toBe(0);
  expect((await w.cli(['apply', 'plan.json'])).code).toBe(0);
  events = lines().filter((l) => l.type === 'event');
  const starts = events.filter((e) => e.event === 'apply_start').length;
  const ends = events.filter((e) => e.event === 'apply_end').length;
  expect([starts, ends]).toEqual([3, 3]);
  expect(events.at(-1)).toMatchObject({ event: 'apply_end', exit_code: 0 });
});

test('the journal logs each write before sending (a crash mid-request leaves a trace), then its result', async () => {
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  const lines = readFileSync(join(w.dir, '.acns/journal.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map(
      (l) => JSON.parse(l) as { type: string; step: string | null; method?: string; path?: string; status?: number },
    );
  const writes = lines.filter((l) => l.type === 'request' && l.method !== 'GET');
  expect(writes.length).toBe(9); // 4 names created, 4 zones switched, the default: what BASE_CONFIG asks for
  for (const req of writes) {
    const at = lines.indexOf(req);
    const sent = lines
      .slice(0, at)
      .filter((l) => l.type === 'sending' && l.method === req.method && l.path === req.path && l.step === req.step);
    expect(sent).toHaveLength(1);
  }
  // reads are not announced: only writes change the account
  expect(lines.filter((l) => l.type === 'sending' && l.method === 'GET')).toEqual([]);
});
