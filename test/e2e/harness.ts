/**
 * Shared end-to-end harness: the Cloudflare emulator (demo account) plus a fake DNS hierarchy
 * (root → com/net → example.com/example.net) whose glue can be published or withdrawn per set,
 * and an in-process CLI runner with a fake CliIO in a fresh temp directory.
 *
 * Every name the emulator creates gets 127.0.0.3 / ::1 — the addresses of the fake host-zone
 * servers — so the glue check's parent and child sides both have real servers to ask.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/program.js';
import type { CliIO } from '../../src/cli/io.js';
import { DEMO_ACCOUNT_ID, DEMO_TOKEN } from '../../src/emulator/model.js';
import { startEmulator, type Emulator, type LogEntry } from '../../src/emulator/server.js';
import {
  fakeSoa,
  startFakeServers,
  type FakeDnsServer,
  type FakeRecord,
  type FakeZone,
} from '../../src/dns/fakeserver.js';
import { TEST_RETRY_BACKOFF } from '../support/retry.js';

export const ACCOUNT = DEMO_ACCOUNT_ID;
export const TOKEN = DEMO_TOKEN;
export const NS_V4 = '127.0.0.3';
export const NS_V6 = '::1';

/** Set 1 lives under example.com (registrar external), set 2 under example.net (cloudflare). */
export const SET_NAMES: Record<number, string[]> = {
  1: ['ns1.example.com', 'ns2.example.com'],
  2: ['ns1.example.net', 'ns2.example.net'],
};

/** Every name the fake DNS knows (host zone delegated to them, glue published per TLD). */
const HOST_NAMES: Record<'com' | 'net', string[]> = {
  com: ['ns1.example.com', 'ns2.example.com', 'ns3.example.com', 'ns4.example.com'],
  net: ['ns1.example.net', 'ns2.example.net'],
};

/** The standard desired state: both sets used, hierarchy rule respected, default custom.account. */
export const BASE_CONFIG = `version: 1
account_id: ${ACCOUNT}
nameserver_sets:
  1:
    names: [ns1.example.com, ns2.example.com]
    registrar: external
  2:
    names: [ns1.example.net, ns2.example.net]
    registrar: cloudflare
zones:
  example.org: 1
  shop.example.org: 2
  113.0.203.in-addr.arpa: 1
  10.113.0.203.in-addr.arpa: 2
  legacy.example: standard
  big.example: advanced
account_default: custom.account
policy:
  glue_check: enforce
`;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface World {
  emu: Emulator;
  dnsPort: number;
  dir: string;
  env: Record<string, string>;
  /** Publish (true) or withdraw (false) the glue of set 1's (com) or set 2's (net) domain at its TLD. */
  glue(set: 1 | 2, present: boolean): void;
  /** The names' addresses stop serving this zone (REFUSED), as a lame server would. */
  lame(zone: string): void;
  /** The registrar step: delegate example.com (com) or example.net (net) to these of its names. */
  delegate(tld: 'com' | 'net', names: string[]): void;
  /** More records in the com or net zone (other zones' NS and DS, a registry's stale host record). */
  tldRecords(tld: 'com' | 'net', records: FakeRecord[]): void;
  writeConfig(text: string, file?: string): void;
  cli(argv: string[], extraEnv?: Record<string, string | undefined>): Promise<RunResult>;
  /** Serve the emulator's zones on the names' addresses as the state is now (done before each cli run). */
  refresh(): void;
  /** Requests that changed something (POST/PATCH/PUT/DELETE), as "METHOD path". */
  writes(): string[];
  zone(name: string): { type: string; ns_set?: number };
  close(): Promise<void>;
}

export async function startWorld(opts: { glue?: { 1?: boolean; 2?: boolean } } = {}): Promise<World> {
  let refresh = (): void => {};
  const emu = await startEmulator({
    behaviour: { addressFor: () => ({ ipv4: NS_V4, ipv6: NS_V6 }) },
    onChange: () => refresh(),
  });
  const delegated: Record<'com' | 'net', string[]> = { com: [...HOST_NAMES.com], net: [...HOST_NAMES.net] };
  const extra: Record<'com' | 'net', FakeRecord[]> = { com: [], net: [] };
  const tldZone = (tld: 'com' | 'net', withGlue: boolean): FakeRecord[] => {
    const host = `example.${tld}`;
    const names = delegated[tld];
    return [
      fakeSoa(tld),
      { name: tld, type: 'NS', data: `a.nic.${tld}` },
      { name: `a.nic.${tld}`, type: 'A', data: '127.0.0.2' },
      ...names.map((n) => ({ name: host, type: 'NS' as const, data: n })),
      ...(withGlue ? names.flatMap((n) => addressRecords(n)) : []),
      ...extra[tld],
    ];
  };
  const hostZone = (tld: 'com' | 'net'): FakeRecord[] => {
    const host = `example.${tld}`;
    return [
      fakeSoa(host),
      ...delegated[tld].map((n) => ({ name: host, type: 'NS' as const, data: n })),
      ...HOST_NAMES[tld].flatMap((n) => addressRecords(n)),
    ];
  };
  const rootRecords: FakeRecord[] = [
    fakeSoa(''),
    { name: 'com', type: 'NS', data: 'a.nic.com' },
    { name: 'a.nic.com', type: 'A', data: '127.0.0.2' },
    { name: 'net', type: 'NS', data: 'a.nic.net' },
    { name: 'a.nic.net', type: 'A', data: '127.0.0.2' },
  ];
  const glueState = { 1: opts.glue?.[1] ?? true, 2: opts.glue?.[2] ?? true };
  const servers: FakeDnsServer[] = await startFakeServers([
    { host: '127.0.0.1', zones: [{ origin: '', records: rootRecords }] },
    {
      host: '127.0.0.2',
      zones: [
        { origin: 'com', records: tldZone('com', glueState[1]) },
        { origin: 'net', records: tldZone('net', glueState[2]) },
      ],
    },
    {
      host: NS_V4,
      zones: [
        { origin: 'example.com', records: hostZone('com') },
        { origin: 'example.net', records: hostZone('net') },
      ],
    },
    {
      host: NS_V6,
      zones: [
        { origin: 'example.com', records: hostZone('com') },
        { origin: 'example.net', records: hostZone('net') },
      ],
    },
  ]);
  const tld = servers[1]!;
  // Like Cloudflare, the names' addresses answer for every zone on a set, with that set's names as apex NS
  // (all names share these addresses here), following the emulator's state after every change.
  const lameZones = new Set<string>();
  const accountZones = (): FakeZone[] =>
    emu.state.zones
      .filter((z) => z.nameservers.type === 'custom.account' && !lameZones.has(z.name))
      .map((z) => {
        const set = z.nameservers.ns_set ?? 1;
        const names = emu.state.customNs.filter((n) => n.ns_set === set).map((n) => n.ns_name);
        return {
          origin: z.name,
          records: [fakeSoa(z.name), ...names.map((n) => ({ name: z.name, type: 'NS' as const, data: n }))],
        };
      });
  refresh = () => {
    for (const s of [servers[2]!, servers[3]!]) {
      s.setZones([
        { origin: 'example.com', records: hostZone('com') },
        { origin: 'example.net', records: hostZone('net') },
        ...accountZones(),
      ]);
    }
  };
  const dnsPort = servers[0]!.port;
  const dir = mkdtempSync(join(tmpdir(), 'acns-e2e-'));
  const env: Record<string, string> = {
    CLOUDFLARE_BASE_URL: emu.url,
    CLOUDFLARE_API_TOKEN: TOKEN,
    ACNS_DNS_ROOT_SERVERS: `127.0.0.1:${dnsPort}`,
    ACNS_DNS_PORT: String(dnsPort),
    NO_COLOR: '1',
  };

  const world: World = {
    emu,
    dnsPort,
    dir,
    env,
    glue(set, present) {
      const t = set === 1 ? 'com' : 'net';
      glueState[set] = present;
      tld.setRecords(t, tldZone(t, present));
    },
    lame(zone) {
      lameZones.add(zone);
      refresh();
    },
    delegate(t, names) {
      delegated[t] = [...names];
      tld.setRecords(t, tldZone(t, glueState[t === 'com' ? 1 : 2]));
      refresh();
    },
    tldRecords(t, records) {
      extra[t] = [...records];
      tld.setRecords(t, tldZone(t, glueState[t === 'com' ? 1 : 2]));
    },
    writeConfig(text, file = 'acns.yaml') {
      writeFileSync(join(dir, file), text);
    },
    async cli(argv, extraEnv = {}) {
      const out: string[] = [];
      const err: string[] = [];
      const merged: Record<string, string | undefined> = { ...env, ...extraEnv };
      const io: CliIO = {
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: (s: string) => err.push(s) },
        env: merged,
        cwd: dir,
        retryBackoff: TEST_RETRY_BACKOFF,
      };
      refresh(); // the state may have been seeded directly
      const code = await run(argv, io);
      return { code, stdout: out.join(''), stderr: err.join('') };
    },
    refresh: () => refresh(),
    writes: () =>
      emu
        .requests()
        .filter(isWrite)
        .map((r) => `${r.method} ${r.path}`),
    zone(name) {
      const z = emu.state.zones.find((x) => x.name === name);
      if (!z) throw new Error(`no zone ${name} in the emulator`);
      return z.nameservers;
    },
    async close() {
      await emu.close();
      await Promise.all(servers.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

export function isWrite(r: LogEntry): boolean {
  return r.method !== 'GET' && r.method !== 'HEAD';
}

/** Puts the emulator in the state a successful apply of BASE_CONFIG leaves. */
export function seedApplied(emu: Emulator): void {
  const s = emu.state;
  for (const [set, names] of Object.entries(SET_NAMES)) addLiveNames(emu, Number(set), names);
  const want: Record<string, number> = {
    'example.org': 1,
    'shop.example.org': 2,
    '113.0.203.in-addr.arpa': 1,
    '10.113.0.203.in-addr.arpa': 2,
  };
  for (const z of s.zones) if (want[z.name]) z.nameservers = { type: 'custom.account', ns_set: want[z.name] };
  s.accountDefault = 'custom.account';
}

/** Live, verified names of one set, at the fake host-zone servers' addresses. */
export function addLiveNames(emu: Emulator, set: number, names: string[]): void {
  for (const n of names)
    emu.state.customNs.push({
      ns_name: n,
      ns_set: set,
      ipv4: NS_V4,
      ipv6: NS_V6,
      status: 'verified',
      zone_tag: emu.state.zones[0]!.id,
    });
}

function addressRecords(name: string): FakeRecord[] {
  return [
    { name, type: 'A', data: NS_V4 },
    { name, type: 'AAAA', data: NS_V6 },
  ];
}

/**
 * Runs the CLI in a world with a stdout that says whether it is a terminal, and the world's
 * environment changed: a key set to undefined is removed (as it would be from process.env).
 */
export async function cliWithIO(
  world: World,
  argv: string[],
  opts: { tty?: boolean; env?: Record<string, string | undefined> } = {},
): Promise<RunResult> {
  const out: string[] = [];
  const err: string[] = [];
  const env: Record<string, string> = { ...world.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const io: CliIO = {
    stdout: { write: (s: string) => out.push(s), ...(opts.tty ? { isTTY: true } : {}) },
    stderr: { write: (s: string) => err.push(s) },
    env,
    cwd: world.dir,
    retryBackoff: TEST_RETRY_BACKOFF,
  };
  world.refresh();
  const code = await run(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** This account's section of a record under .acns (`delegation-moves.json`, ...), as the file holds it. */
export function accountRecord<T = Record<string, unknown>>(world: Pick<World, 'dir'>, file: string): T {
  const doc = JSON.parse(readFileSync(join(world.dir, '.acns', file), 'utf8')) as {
    accounts: Record<string, T>;
  };
  return doc.accounts[ACCOUNT]!;
}

/** A record of no delegation moves for this account (an account whose .acns/ was kept, with nothing pending). */
export function noMovesRecord(world: Pick<World, 'dir'>): void {
  mkdirSync(join(world.dir, '.acns'), { recursive: true });
  const section = { updated_at: new Date().toISOString(), moves: [] };
  const doc = { format_version: 2, updated_at: section.updated_at, accounts: { [ACCOUNT]: section } };
  writeFileSync(join(world.dir, '.acns', 'delegation-moves.json'), JSON.stringify(doc));
}

/** Changes this account's section of a record under .acns in place. */
export function editAccountRecord<T = Record<string, unknown>>(
  world: Pick<World, 'dir'>,
  file: string,
  edit: (section: T) => void,
): void {
  const path = join(world.dir, '.acns', file);
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { accounts: Record<string, T> };
  edit(doc.accounts[ACCOUNT]!);
  writeFileSync(path, JSON.stringify(doc));
}

/** Moves every time in .acns/delegation-moves.json back by `seconds` (as if that much time had passed). */
export function backdateMoves(world: Pick<World, 'dir'>, seconds: number): void {
  const back = (v: unknown) => (typeof v === 'string' ? new Date(Date.parse(v) - seconds * 1000).toISOString() : v);
  editAccountRecord<{ history_from?: string; moves: Record<string, unknown>[] }>(
    world,
    'delegation-moves.json',
    (doc) => {
      if (doc.history_from) doc.history_from = back(doc.history_from) as string;
      for (const m of doc.moves) {
        if (m.switched_at) m.switched_at = back(m.switched_at);
        if (m.moved_at) m.moved_at = back(m.moved_at);
      }
    },
  );
}
