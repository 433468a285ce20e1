/**
 * Taking over vanity names already in production, end to end against the emulator and a fake DNS
 * hierarchy: example.com and example.org are delegated to ns1/ns2.example.com, whose glue points at
 * the old provider's servers (127.0.0.5, 127.0.0.6), which serve both zones today. Cloudflare gives
 * every name 127.0.0.3 / ::1, which serve the account's zones once they are on the set.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { run } from '../../src/cli/program.js';
import type { CliIO } from '../../src/cli/io.js';
import { DEMO_ACCOUNT_ID, DEMO_TOKEN } from '../../src/emulator/model.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { fakeSoa, startFakeServers, type FakeDnsServer, type FakeRecord } from '../../src/dns/fakeserver.js';
import { TEST_RETRY_BACKOFF } from '../support/retry.js';
import { accountRecord, editAccountRecord, isWrite, type RunResult } from './harness.js';

const NEW_V4 = '127.0.0.3';
const NEW_V6 = '::1';
const OLD = { 'ns1.example.com': '127.0.0.5', 'ns2.example.com': '127.0.0.6' } as const;
const NAMES = Object.keys(OLD) as (keyof typeof OLD)[];

const CONFIG = `version: 1
account_id: ${DEMO_ACCOUNT_ID}
nameserver_sets:
  1:
    names: [ns1.example.com, ns2.example.com]
zones:
  example.com: 1
  example.org: 1
`;

interface TakeoverWorld {
  emu: Emulator;
  dir: string;
  /** The registrar step: the glue of these names now carries Cloudflare's addresses. */
  repoint(names: string[]): void;
  /** The old server of ns2 stops serving example.org (answers REFUSED). */
  oldServerDrops(zone: string): void;
  cli(argv: string[]): Promise<RunResult>;
  writes(): string[];
  close(): Promise<void>;
}

const ns = (name: string, data: string): FakeRecord => ({ name, type: 'NS', data });
const a = (name: string, data: string): FakeRecord => ({ name, type: 'A', data });
const aaaa = (name: string, data: string): FakeRecord => ({ name, type: 'AAAA', data });

async function startTakeoverWorld(): Promise<TakeoverWorld> {
  let refresh = (): void => {};
  const emu = await startEmulator({
    behaviour: { addressFor: () => ({ ipv4: NEW_V4, ipv6: NEW_V6 }) },
    onChange: () => refresh(),
  });
  const repointed = new Set<string>();
  const comZone = (): FakeRecord[] => [
    fakeSoa('com'),
    ns('com', 'a.nic.com'),
    a('a.nic.com', '127.0.0.2'),
    ...NAMES.map((n) => ns('example.com', n)),
    ...NAMES.flatMap((n) => (repointed.has(n) ? [a(n, NEW_V4), aaaa(n, NEW_V6)] : [a(n, OLD[n])])),
  ];
  const orgZone: FakeRecord[] = [
    fakeSoa('org'),
    ns('org', 'a.nic.org'),
    a('a.nic.org', '127.0.0.2'),
    ...NAMES.map((n) => ns('example.org', n)),
  ];
  // the old provider's copy of both zones: the names at the old addresses
  const oldZones = (drop: Set<string>) =>
    [
      {
        origin: 'example.com',
        records: [fakeSoa('example.com'), ...NAMES.map((n) => ns('example.com', n)), ...NAMES.map((n) => a(n, OLD[n]))],
      },
      { origin: 'example.org', records: [fakeSoa('example.org'), ...NAMES.map((n) => ns('example.org', n))] },
    ].filter((z) => !drop.has(z.origin));
  const servers: FakeDnsServer[] = await startFakeServers([
    {
      host: '127.0.0.1',
      zones: [
        {
          origin: '',
          records: [
            fakeSoa(''),
            ns('com', 'a.nic.com'),
            a('a.nic.com', '127.0.0.2'),
            ns('org', 'a.nic.org'),
            a('a.nic.org', '127.0.0.2'),
          ],
        },
      ],
    },
    {
      host: '127.0.0.2',
      zones: [
        { origin: 'com', records: comZone() },
        { origin: 'org', records: orgZone },
      ],
    },
    { host: OLD['ns1.example.com'], zones: oldZones(new Set()) },
    { host: OLD['ns2.example.com'], zones: oldZones(new Set()) },
    { host: NEW_V4, zones: [] },
    { host: NEW_V6, zones: [] },
  ]);
  // Like Cloudflare: its addresses answer every zone on a set, with the set's names as apex NS
  // (and example.com carries the names' A/AAAA at Cloudflare's addresses).
  refresh = () => {
    const zones = emu.state.zones
      .filter((z) => z.nameservers.type === 'custom.account')
      .map((z) => {
        const set = z.nameservers.ns_set ?? 1;
        const names = emu.state.customNs.filter((n) => n.ns_set === set).map((n) => n.ns_name);
        const own = z.name === 'example.com' ? names.flatMap((n) => [a(n, NEW_V4), aaaa(n, NEW_V6)]) : [];
        return { origin: z.name, records: [fakeSoa(z.name), ...names.map((n) => ns(z.name, n)), ...own] };
      });
    servers[4]!.setZones(zones);
    servers[5]!.setZones(zones);
  };
  const port = servers[0]!.port;
  const dir = mkdtempSync(join(tmpdir(), 'acns-takeover-'));
  writeFileSync(join(dir, 'acns.yaml'), CONFIG);
  const env = {
    CLOUDFLARE_BASE_URL: emu.url,
    CLOUDFLARE_API_TOKEN: DEMO_TOKEN,
    ACNS_DNS_ROOT_SERVERS: `127.0.0.1:${port}`,
    ACNS_DNS_PORT: String(port),
    NO_COLOR: '1',
  };
  return {
    emu,
    dir,
    repoint(names) {
      for (const n of names) repointed.add(n);
      servers[1]!.setRecords('com', comZone());
    },
    oldServerDrops(zone) {
      servers[3]!.setZones(oldZones(new Set([zone])));
    },
    async cli(argv) {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIO = {
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: (s: string) => err.push(s) },
        env,
        cwd: dir,
        retryBackoff: TEST_RETRY_BACKOFF,
      };
      refresh();
      const code = await run(argv, io);
      return { code, stdout: out.join(''), stderr: err.join('') };
    },
    writes: () =>
      emu
        .requests()
        .filter(isWrite)
        .map((r) => `${r.method} ${r.path}`),
    async close() {
      await emu.close();
      await Promise.all(servers.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let w: TakeoverWorld;
beforeEach(async () => {
  w = await startTakeoverWorld();
});
afterEach(() => w.close());

interface PlanDoc {
  safe: boolean;
  steps: { id: string; reason_code: string; depends_on: string[] }[];
  takeover?: { set: number; zones: string[]; check_step: string; after: string[]; names: { old: string[] }[] }[];
}

test('takeover detected: the zones switch before the re-point, no refusal; apply goes through', async () => {
  const p = await w.cli(['plan', '-o', 'plan.json']);
  expect(p.stderr).not.toMatch(/error:/);
  expect(p.code).toBe(0);
  expect(p.stdout).not.toMatch(/UNSAFE/);
  expect(p.stdout).toMatch(/Takeover of set 1 \(ns1\.example\.com, ns2\.example\.com\)/);
  expect(p.stdout).toMatch(/re-point the glue \(host records\) of ns1\.example\.com from 127\.0\.0\.5 to/);
  const doc = JSON.parse(readFileSync(join(w.dir, 'plan.json'), 'utf8')) as PlanDoc;
  expect(doc.safe).toBe(true);
  const check = doc.steps.find((s) => s.id === 'glue_check:1')!;
  expect(check.reason_code).toBe('glue_takeover');
  expect(doc.takeover).toHaveLength(1);
  const t = doc.takeover![0]!;
  expect(t.zones).toEqual(['example.com', 'example.org']);
  expect(t.names.map((n) => n.old)).toEqual([['127.0.0.5'], ['127.0.0.6']]);
  // the switches wait for the check; the re-point comes after the switches
  expect(t.after.sort()).toEqual(['assign_zone:example.com', 'assign_zone:example.org']);
  for (const id of t.after) expect(doc.steps.find((s) => s.id === id)!.depends_on).toContain('glue_check:1');

  const applied = await w.cli(['apply', 'plan.json']);
  expect(applied.stderr).not.toMatch(/error:/);
  expect(applied.code).toBe(0);
  expect(applied.stdout).toMatch(/takeover: the glue still points at the old servers \(127\.0\.0\.5, 127\.0\.0\.6\)/);
  expect(applied.stdout).toMatch(/of ns1\.example\.com from 127\.0\.0\.5 to 127\.0\.0\.3, ::1/);
  expect(applied.stdout).toMatch(/then keep the old servers \(127\.0\.0\.5, 127\.0\.0\.6\) answering/);
  for (const z of ['example.com', 'example.org'])
    expect(w.emu.state.zones.find((x) => x.name === z)!.nameservers).toEqual({ type: 'custom.account', ns_set: 1 });
});

test('the old servers do not answer a zone: the takeover is refused (exit 3), nothing written', async () => {
  w.oldServerDrops('example.org');
  const p = await w.cli(['plan']);
  expect(p.code).toBe(0);
  expect(p.stdout).toMatch(/UNSAFE/);
  expect(p.stdout).toMatch(/\[takeover\] taking over set 1's names is unsafe: .*example\.org: 127\.0\.0\.6/);
  w.emu.resetLog();
  const a = await w.cli(['apply', '--auto-approve']);
  expect(a.code).toBe(3);
  expect(a.stderr).toMatch(/refusing to apply an unsafe plan/);
  expect(w.writes()).toEqual([]);
});

test('after the switch: glue and drift follow the registrar step — old, mixed, re-pointed, hold', async () => {
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);

  const old = await w.cli(['glue']);
  expect(old.code).toBe(0); // the glue still on the old servers is expected here
  expect(old.stdout).toMatch(
    /the glue still points at the old servers \(127\.0\.0\.5, 127\.0\.0\.6\) — expected; next step/,
  );
  const drift = JSON.parse((await w.cli(['drift', '--format', 'json'])).stdout) as {
    dns_checks: { check: string }[];
    takeover: { state: string }[];
  };
  expect(drift.takeover.map((t) => t.state)).toEqual(['old']);
  expect(drift.dns_checks.filter((c) => c.check === 'glue')).toEqual([]);

  w.repoint(['ns1.example.com']);
  const mixed = await w.cli(['drift']);
  expect(mixed.stdout).toMatch(
    /ns1\.example\.com re-pointed \(first seen .*\); ns2\.example\.com still on the old servers/,
  );

  w.repoint(['ns2.example.com']);
  const done = await w.cli(['glue', '--format', 'json']);
  const doc = JSON.parse(done.stdout) as { takeover: { state: string; keep_old_servers_until: string }[] };
  expect(doc.takeover[0]!.state).toBe('repointed');
  const until = Date.parse(doc.takeover[0]!.keep_old_servers_until);
  const record = accountRecord<{ takeovers: { glue_ttl: number; repointed: { name: string; at: string }[] }[] }>(
    w,
    'takeovers.json',
  );
  const rec = record.takeovers[0]!;
  expect(rec.repointed.map((r) => r.name)).toEqual(NAMES);
  const last = Math.max(...rec.repointed.map((r) => Date.parse(r.at)));
  expect(until).toBe(last + rec.glue_ttl * 1000);
  const text = await w.cli(['glue']);
  expect(text.stdout).toMatch(/keep the old servers \(127\.0\.0\.5, 127\.0\.0\.6\) answering with authority until 20/);
});

test('apply proves the old servers again before the switches: one stopped answering → exit 3', async () => {
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  w.oldServerDrops('example.org');
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.code).toBe(3);
  expect(a.stdout).toMatch(/not passed as a takeover: the old servers \(127\.0\.0\.5, 127\.0\.0\.6\) do not answer/);
  expect(a.stdout).toMatch(/example\.org: .*127\.0\.0\.6/);
  // the names exist; no zone was switched
  expect(w.emu.state.customNs.map((n) => n.ns_name).sort()).toEqual(NAMES);
  for (const z of ['example.com', 'example.org'])
    expect(w.emu.state.zones.find((x) => x.name === z)!.nameservers.type).toBe('cloudflare.standard');
});

test('during the hold an old server that stops answering fails glue (exit 3) and is a drift finding', async () => {
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  w.repoint(NAMES);
  const held = await w.cli(['glue']);
  expect(held.code).toBe(0);
  expect(held.stdout).toMatch(/answering with authority until 20/);
  expect(held.stdout).not.toMatch(/✗/);

  w.oldServerDrops('example.org');
  const g = await w.cli(['glue']);
  expect(g.code).toBe(3);
  expect(g.stdout).toMatch(
    /✗ FAILED: old server 127\.0\.0\.6\S* stopped answering example\.org with authority .* before its time/,
  );
  expect(g.stdout).toMatch(/must keep answering example\.org \(SOA and NS with AA=1\) until 20\S+ — restore it/);
  const doc = JSON.parse((await w.cli(['glue', '--format', 'json'])).stdout) as {
    ok: boolean;
    takeover: { hold_failures: { zone: string; side: string }[] }[];
  };
  expect(doc.ok).toBe(false);
  expect(doc.takeover[0]!.hold_failures.map((h) => [h.zone, h.side])).toEqual([['example.org', 'old']]);

  const drift = await w.cli(['drift', '--format', 'json']);
  const report = JSON.parse(drift.stdout) as { dns_checks: { check: string; subject: string; problems: string[] }[] };
  const hold = report.dns_checks.filter((c) => c.check === 'takeover');
  expect(hold.map((c) => c.subject)).toEqual(['example.org']);
  expect(hold[0]!.problems[0]).toMatch(/old server 127\.0\.0\.6\S* stopped answering example\.org/);
  expect((await w.cli(['drift'])).stdout).toMatch(
    /\[takeover hold\] zone example\.org: failed — old server 127\.0\.0\.6/,
  );
});

test('after the hold the old servers are no longer asked', async () => {
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  w.repoint(NAMES);
  expect((await w.cli(['glue'])).code).toBe(0);
  // the re-point was first seen long ago: the glue TTL has passed
  editAccountRecord<{ takeovers: { repointed: { at: string }[] }[] }>(w, 'takeovers.json', (doc) => {
    for (const r of doc.takeovers[0]!.repointed) r.at = '2000-01-01T00:00:00.000Z';
  });
  w.oldServerDrops('example.org');
  const g = await w.cli(['glue']);
  expect(g.code).toBe(0);
  expect(g.stdout).toMatch(/can be retired/);
  expect(g.stdout).not.toMatch(/✗/);
  const drift = JSON.parse((await w.cli(['drift', '--format', 'json'])).stdout) as { dns_checks: { check: string }[] };
  expect(drift.dns_checks.filter((c) => c.check === 'takeover')).toEqual([]);
});

test('without .acns/takeovers.json (a fresh CI checkout) glue and drift find the takeover from DNS', async () => {
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  const record = join(w.dir, '.acns', 'takeovers.json');
  rmSync(record);

  const old = await w.cli(['glue']);
  expect(old.code).toBe(0); // not a plain failing glue check
  expect(old.stdout).toMatch(
    /takeover of set 1 \(example\.com, example\.org, found from DNS \S+, no record of the switch\): the glue still/,
  );
  expect(old.stdout).toMatch(/the glue still points at the old servers \(127\.0\.0\.5, 127\.0\.0\.6\) — expected/);
  expect(
    accountRecord<{ takeovers: { detected_at: string }[] }>(w, 'takeovers.json').takeovers[0]!.detected_at,
  ).toMatch(/^20/);

  rmSync(record);
  w.repoint(['ns1.example.com']);
  const drift = await w.cli(['drift', '--format', 'json']);
  const report = JSON.parse(drift.stdout) as {
    dns_checks: { check: string }[];
    takeover: { state: string; found_without_record: boolean; old_servers_may_retire: boolean; message: string }[];
  };
  expect(report.takeover.map((t) => [t.state, t.found_without_record])).toEqual([['mixed', true]]);
  expect(report.takeover[0]!.message).toMatch(
    /when the glue was re-pointed is unknown .* the hold is counted from now/,
  );
  expect(report.dns_checks.filter((c) => c.check === 'glue')).toEqual([]);

  // the hold is checked without the record too
  rmSync(record);
  w.oldServerDrops('example.org');
  const g = await w.cli(['glue']);
  expect(g.code).toBe(3);
  expect(g.stdout).toMatch(/old server 127\.0\.0\.6\S* stopped answering example\.org/);
});

test('names already on Cloudflare (a re-run): the saved plan is not refused for the old glue it expects', async () => {
  for (const n of NAMES) {
    const zoneTag = w.emu.state.zones[0]!.id;
    w.emu.state.customNs.push({
      ns_name: n,
      ns_set: 1,
      ipv4: NEW_V4,
      ipv6: NEW_V6,
      status: 'verified',
      zone_tag: zoneTag,
    });
  }
  const p = await w.cli(['plan', '-o', 'plan.json']);
  expect(p.stdout).not.toMatch(/UNSAFE|stale glue/);
  expect(p.stdout).toMatch(/Takeover of set 1/);
  // example.com's referral carries the old glue (not Cloudflare's addresses): re-checked, and expected
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.stderr).not.toMatch(/error:|stale glue/);
  expect(a.code).toBe(0);
  for (const z of ['example.com', 'example.org'])
    expect(w.emu.state.zones.find((x) => x.name === z)!.nameservers).toEqual({ type: 'custom.account', ns_set: 1 });
});

test('a damaged .acns/takeovers.json stops glue and drift (exit 1): the hold is never dropped silently', async () => {
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  w.repoint(NAMES);
  expect((await w.cli(['glue'])).stdout).toMatch(/answering with authority until 20/);
  // every name re-pointed: found from DNS alone, the takeover would not be seen any more
  const path = join(w.dir, '.acns', 'takeovers.json');
  const whole = readFileSync(path, 'utf8');
  const damaged = whole.slice(0, whole.length / 2);
  writeFileSync(path, damaged);
  w.oldServerDrops('example.org');
  for (const argv of [['glue'], ['drift']]) {
    const r = await w.cli(argv);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: \.acns\/takeovers\.json is damaged \(not JSON: .*\); it records the takeovers/);
    expect(r.stderr).toMatch(/restore \.acns\/takeovers\.json from a backup or your CI cache/);
    expect(readFileSync(path, 'utf8')).toBe(damaged);
  }
});

test('apply reads a damaged takeovers record before its first write: nothing is switched', async () => {
  expect((await w.cli(['plan', '-o', 'plan.json'])).code).toBe(0);
  mkdirSync(join(w.dir, '.acns'), { recursive: true });
  writeFileSync(join(w.dir, '.acns', 'takeovers.json'), '{"format_version": 1, "account_id": "');
  const a = await w.cli(['apply', 'plan.json']);
  expect(a.code).toBe(1);
  expect(a.stderr).toMatch(/error: \.acns\/takeovers\.json is damaged/);
  expect(w.writes()).toEqual([]);
});

test('without the record the old servers are never "can be retired", however old the lost record was', async () => {
  expect((await w.cli(['apply', '--auto-approve'])).code).toBe(0);
  w.repoint(NAMES);
  expect((await w.cli(['glue'])).code).toBe(0);
  // the recorded sighting is long past the glue TTL: with the record, the servers may go
  editAccountRecord<{ takeovers: { repointed: { at: string }[] }[] }>(w, 'takeovers.json', (doc) => {
    for (const r of doc.takeovers[0]!.repointed) r.at = '2000-01-01T00:00:00.000Z';
  });
  expect((await w.cli(['glue'])).stdout).toMatch(/can be retired/);
  // the record is lost (a fresh CI checkout): nothing says they may be retired any more
  rmSync(join(w.dir, '.acns', 'takeovers.json'));
  const g = await w.cli(['glue', '--format', 'json']);
  expect(g.stdout).not.toMatch(/can be retired/);
  const doc = JSON.parse(g.stdout) as { takeover?: { old_servers_may_retire: boolean }[] };
  expect((doc.takeover ?? []).filter((t) => t.old_servers_may_retire)).toEqual([]);
  expect((await w.cli(['drift'])).stdout).not.toMatch(/can be retired/);
});
