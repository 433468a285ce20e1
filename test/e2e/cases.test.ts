/**
 * Planner cases end to end through the CLI against the emulator: set the live account, write a
 * file, `plan --format json` (step ids, kinds, key depends_on edges), `apply --auto-approve`, the
 * emulator's state, then `plan --detailed-exitcode` reports no changes.
 */
import type { Emulator } from '../../src/emulator/server.js';
import { ACCOUNT, addLiveNames, noMovesRecord, startWorld, seedApplied, type World } from './harness.js';

interface PlanDoc {
  safe: boolean;
  guards: { id: string; kind: string; steps: string[] }[];
  steps: { id: string; kind: string; depends_on: string[] }[];
}

interface Case {
  name: string;
  seed(emu: Emulator): void;
  /** The registrar's side before planning (e.g. the names' domain no longer delegated to a name that goes). */
  dns?(w: World): void;
  config: string;
  /** Every step id of the plan (order-insensitive; execution order is checked through `edges`). */
  steps: string[];
  /** [step, dependency]: `step` depends on `dependency` and comes after it. */
  edges?: [string, string][];
  state(w: World): void;
}

let w: World;
beforeEach(async () => {
  w = await startWorld();
  noMovesRecord(w); // .acns/ kept between runs with nothing pending: deletions wait only for what DNS says
});
afterEach(() => w.close());

const HEAD = `version: 1\naccount_id: ${ACCOUNT}\n`;
const SET1 = `  1:\n    names: [ns1.example.com, ns2.example.com]\n`;
const SET2 = `  2:\n    names: [ns1.example.net, ns2.example.net]\n    registrar: cloudflare\n`;

function onSet(emu: Emulator, zone: string, set: number): void {
  emu.state.zones.find((z) => z.name === zone)!.nameservers = { type: 'custom.account', ns_set: set };
}

function names(w: World): string[] {
  return w.emu.state.customNs.map((n) => `${n.ns_set}:${n.ns_name}`).sort();
}

const ALL_FOUR = ['1:ns1.example.com', '1:ns2.example.com', '2:ns1.example.net', '2:ns2.example.net'];

const CASES: Case[] = [
  {
    name: 'adding a second set to an account that has one: only the new set is created and glue-checked',
    seed(emu) {
      addLiveNames(emu, 1, ['ns1.example.com', 'ns2.example.com']);
      onSet(emu, 'example.org', 1);
      emu.state.accountDefault = 'custom.account';
    },
    config:
      `${HEAD}nameserver_sets:\n${SET1}${SET2}zones:\n  example.org: 1\n` +
      `  shop.example.org: 2\naccount_default: custom.account\n`,
    steps: [
      'create_nameserver:ns1.example.net',
      'create_nameserver:ns2.example.net',
      'glue_check:2',
      'assign_zone:shop.example.org',
    ],
    edges: [
      ['glue_check:2', 'create_nameserver:ns1.example.net'],
      ['glue_check:2', 'create_nameserver:ns2.example.net'],
      ['assign_zone:shop.example.org', 'glue_check:2'],
    ],
    state(w) {
      expect(names(w)).toEqual(ALL_FOUR);
      expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
      expect(w.zone('shop.example.org')).toEqual({ type: 'custom.account', ns_set: 2 });
      expect(w.emu.state.accountDefault).toBe('custom.account');
    },
  },
  {
    name: 'growing a set in use (2 → 3 names): one create, then its glue check, the zone stays on the set',
    seed(emu) {
      addLiveNames(emu, 1, ['ns1.example.com', 'ns2.example.com']);
      onSet(emu, 'example.org', 1);
    },
    config:
      `${HEAD}nameserver_sets:\n  1:\n` +
      `    names: [ns1.example.com, ns2.example.com, ns3.example.com]\nzones:\n` +
      `  example.org: 1\n`,
    // Cloudflare lists the new name in example.org's apex NS at once: its glue is checked right after
    steps: ['create_nameserver:ns3.example.com', 'glue_check:1'],
    edges: [['glue_check:1', 'create_nameserver:ns3.example.com']],
    state(w) {
      expect(names(w)).toEqual(['1:ns1.example.com', '1:ns2.example.com', '1:ns3.example.com']);
      expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
    },
  },
  {
    name: 'shrinking a set in use (3 → 2 names, prune): one delete, the zone stays on the set',
    seed(emu) {
      addLiveNames(emu, 1, ['ns1.example.com', 'ns2.example.com', 'ns3.example.com']);
      onSet(emu, 'example.org', 1);
    },
    // example.com, which holds the names, is no longer delegated to ns3 (else the deletion is held)
    dns: (w) => w.delegate('com', ['ns1.example.com', 'ns2.example.com']),
    config: `${HEAD}nameserver_sets:\n${SET1}zones:\n  example.org: 1\npolicy:\n  prune: true\n`,
    steps: ['delete_nameserver:ns3.example.com'],
    state(w) {
      expect(names(w)).toEqual(['1:ns1.example.com', '1:ns2.example.com']);
      expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
    },
  },
  {
    name: 'moving zones between sets (1 → 2 and 2 → 1, unrelated zones): both sets glue-checked, nothing created',
    seed(emu) {
      addLiveNames(emu, 1, ['ns1.example.com', 'ns2.example.com']);
      addLiveNames(emu, 2, ['ns1.example.net', 'ns2.example.net']);
      onSet(emu, 'example.org', 1);
      onSet(emu, 'legacy.example', 2);
      onSet(emu, '113.0.203.in-addr.arpa', 1);
      emu.state.accountDefault = 'custom.account';
    },
    config:
      `${HEAD}nameserver_sets:\n${SET1}${SET2}zones:\n  example.org: 2\n` +
      `  legacy.example: 1\naccount_default: custom.account\n`,
    steps: ['glue_check:1', 'glue_check:2', 'assign_zone:example.org', 'assign_zone:legacy.example'],
    edges: [
      ['assign_zone:example.org', 'glue_check:2'],
      ['assign_zone:legacy.example', 'glue_check:1'],
    ],
    state(w) {
      expect(names(w)).toEqual(ALL_FOUR);
      expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 2 });
      expect(w.zone('legacy.example')).toEqual({ type: 'custom.account', ns_set: 1 });
      // zones the file does not list are left where they are
      expect(w.zone('113.0.203.in-addr.arpa')).toEqual({ type: 'custom.account', ns_set: 1 });
    },
  },
  {
    name: 'a zone joins one set: only that set is glue-checked',
    seed: seedApplied,
    config:
      `${HEAD}nameserver_sets:\n${SET1}${SET2}zones:\n  example.org: 1\n` +
      `  shop.example.org: 2\n  legacy.example: 1\naccount_default: custom.account\n`,
    steps: ['glue_check:1', 'assign_zone:legacy.example'],
    edges: [['assign_zone:legacy.example', 'glue_check:1']],
    state(w) {
      expect(w.zone('legacy.example')).toEqual({ type: 'custom.account', ns_set: 1 });
      expect(w.zone('shop.example.org')).toEqual({ type: 'custom.account', ns_set: 2 });
    },
  },
  {
    name: 'only the account default changes: custom.account → cloudflare.standard needs no glue check',
    seed: seedApplied,
    config:
      `${HEAD}nameserver_sets:\n${SET1}${SET2}zones:\n  example.org: 1\n` +
      `  shop.example.org: 2\naccount_default: cloudflare.standard\n`,
    steps: ['set_account_default'],
    state(w) {
      expect(w.emu.state.accountDefault).toBe('cloudflare.standard');
      expect(names(w)).toEqual(ALL_FOUR);
      expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
    },
  },
  {
    name: "only the account default changes: cloudflare.standard → custom.account waits for every set's glue check",
    seed(emu) {
      seedApplied(emu);
      emu.state.accountDefault = 'cloudflare.standard';
    },
    config:
      `${HEAD}nameserver_sets:\n${SET1}${SET2}zones:\n  example.org: 1\n` +
      `  shop.example.org: 2\naccount_default: custom.account\n`,
    steps: ['glue_check:1', 'glue_check:2', 'set_account_default'],
    edges: [
      ['set_account_default', 'glue_check:1'],
      ['set_account_default', 'glue_check:2'],
    ],
    state(w) {
      expect(w.emu.state.accountDefault).toBe('custom.account');
      expect(names(w)).toEqual(ALL_FOUR);
    },
  },
];

async function planDoc(): Promise<PlanDoc> {
  const p = await w.cli(['plan', '--format', 'json']);
  expect(p.stderr).not.toMatch(/error:/);
  expect(p.code).toBe(0);
  return JSON.parse(p.stdout) as PlanDoc;
}

test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
  c.seed(w.emu);
  c.dns?.(w);
  w.writeConfig(c.config);
  const doc = await planDoc();
  expect(doc.guards).toEqual([]);
  expect(doc.safe).toBe(true);
  expect(doc.steps.map((s) => s.id).sort()).toEqual([...c.steps].sort());
  for (const s of doc.steps) expect(s.id.startsWith(`${s.kind}`)).toBe(true);
  const order = doc.steps.map((s) => s.id);
  for (const [step, dep] of c.edges ?? []) {
    expect(doc.steps.find((s) => s.id === step)!.depends_on).toContain(dep);
    expect(order.indexOf(dep)).toBeLessThan(order.indexOf(step));
  }

  w.emu.resetLog();
  const a = await w.cli(['apply', '--auto-approve']);
  expect(a.stderr).not.toMatch(/error:/);
  expect(a.code).toBe(0);
  c.state(w);

  const again = await w.cli(['plan', '--detailed-exitcode']);
  expect(again.stdout).toContain('No changes.');
  expect(again.code).toBe(0);
});

/** The file puts shop.example.org on set 1 while live example.org — not in the file — is on set 1. */
async function expectHierarchyRefused(zones: string): Promise<void> {
  addLiveNames(w.emu, 1, ['ns1.example.com', 'ns2.example.com']);
  onSet(w.emu, 'example.org', 1);
  w.writeConfig(`${HEAD}nameserver_sets:\n${SET1}zones:\n${zones}policy:\n  glue_check: warn\n`);
  const doc = await planDoc();
  expect(doc.safe).toBe(false);
  expect(doc.guards.map((g) => g.kind)).toEqual(['hierarchy']);
  expect(doc.guards[0]!.id).toBe('hierarchy:shop.example.org:example.org');
  expect(doc.guards[0]!.steps).toEqual(['assign_zone:shop.example.org']);
  expect(doc.steps.map((s) => s.id).sort()).toEqual(['assign_zone:shop.example.org', 'glue_check:1']);

  w.emu.resetLog();
  const a = await w.cli(['apply', '--auto-approve']);
  expect(a.code).toBe(3);
  expect(a.stderr).toMatch(/example\.org/);
  expect(a.stderr).not.toMatch(/\n\s+at /);
  expect(w.writes()).toEqual([]);
  expect(w.zone('shop.example.org').type).toBe('cloudflare.standard');
  expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
}

test('the hierarchy rule against a live zone the file does not manage: guard, exit 3, nothing written', async () => {
  await expectHierarchyRefused('  shop.example.org: 1\n  legacy.example: standard\n');
});

// With a single managed zone the account is not listed (one filtered call resolves it): the zones
// above and below it are then found by name, so the guard fires all the same.
test('hierarchy rule vs an unmanaged live zone, one managed zone (found by name, not by listing)', async () => {
  await expectHierarchyRefused('  shop.example.org: 1\n');
});

test('a parent and child zone swapping sets cannot be ordered safely: guard, exit 3, nothing written', async () => {
  seedApplied(w.emu);
  w.writeConfig(
    `${HEAD}nameserver_sets:\n${SET1}${SET2}zones:\n  example.org: 2\n` +
      `  shop.example.org: 1\npolicy:\n  glue_check: warn\n`,
  );
  const doc = await planDoc();
  expect(doc.safe).toBe(false);
  const guard = doc.guards.find((g) => g.kind === 'ordering');
  expect(guard?.steps).toEqual(expect.arrayContaining(['assign_zone:example.org', 'assign_zone:shop.example.org']));

  w.emu.resetLog();
  const a = await w.cli(['apply', '--auto-approve']);
  expect(a.code).toBe(3);
  expect(a.stderr).not.toMatch(/\n\s+at /);
  expect(w.writes()).toEqual([]);
  expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
  expect(w.zone('shop.example.org')).toEqual({ type: 'custom.account', ns_set: 2 });
});
