/**
 * What users and machines read: glue instructions when both sets lack glue, colour rules, and the
 * JSON documents' shapes.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import {
  ACCOUNT,
  addLiveNames,
  BASE_CONFIG,
  noMovesRecord,
  NS_V4,
  NS_V6,
  cliWithIO,
  seedApplied,
  startWorld,
  type World,
} from './harness.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/;

function compile(schema: object): ValidateFunction {
  const ajv = new Ajv({ strict: true, allErrors: true });
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
    a: Ajv,
  ) => void;
  addFormats(ajv);
  return ajv.compile(schema);
}

function expectValid(validate: ValidateFunction, doc: unknown): void {
  const ok = validate(doc);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

test("both sets' glue missing (enforce): exit 3, names created, nothing switched, records of both shown", async () => {
  w = await startWorld({ glue: { 1: false, 2: false } });
  w.writeConfig(BASE_CONFIG);
  const a = await w.cli(['apply', '--auto-approve']);
  expect(a.code).toBe(3);
  expect(a.stderr).not.toMatch(/\n\s+at /);
  expect(w.emu.state.customNs.map((n) => `${n.ns_set}:${n.ns_name}`).sort()).toEqual([
    '1:ns1.example.com',
    '1:ns2.example.com',
    '2:ns1.example.net',
    '2:ns2.example.net',
  ]);
  for (const z of ['example.org', 'shop.example.org', '113.0.203.in-addr.arpa', '10.113.0.203.in-addr.arpa']) {
    expect(w.zone(z).type).toBe('cloudflare.standard');
  }
  expect(w.emu.state.accountDefault).toBe('cloudflare.standard');
  expect(w.writes().filter((x) => !x.startsWith('POST'))).toEqual([]);
  // the records to register, for both sets, in zone-file form, and who adds them for set 2
  for (const n of ['ns1.example.com', 'ns2.example.com', 'ns1.example.net', 'ns2.example.net']) {
    expect(a.stdout).toMatch(new RegExp(`${n.replace(/\./g, '\\.')}\\.\\s+IN A\\s+${NS_V4.replace(/\./g, '\\.')}`));
    expect(a.stdout).toMatch(new RegExp(`${n.replace(/\./g, '\\.')}\\.\\s+IN AAAA\\s+${NS_V6.replace(/\./g, '\\.')}`));
  }
  expect(a.stdout).toMatch(/Cloudflare Support/);
  // the summary names what was held back
  for (const z of ['example.org', 'shop.example.org']) expect(a.stdout).toContain(z);

  // both glue records published: the same file now finishes without re-creating a name
  w.glue(1, true);
  w.glue(2, true);
  w.emu.resetLog();
  const again = await w.cli(['apply', '--auto-approve']);
  expect(again.code).toBe(0);
  expect(w.writes().filter((x) => x.startsWith('POST'))).toEqual([]);
  expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
  expect(w.emu.state.accountDefault).toBe('custom.account');
});

test('colour: ANSI escapes only on a TTY without NO_COLOR', async () => {
  w = await startWorld();
  w.writeConfig(BASE_CONFIG);
  const tty = await cliWithIO(w, ['plan'], { tty: true, env: { NO_COLOR: undefined } });
  expect(tty.code).toBe(0);
  expect(tty.stdout).toMatch(ANSI);
  expect(tty.stdout).toContain('create_nameserver');

  const noColour = await cliWithIO(w, ['plan'], { tty: true, env: { NO_COLOR: '1' } });
  expect(noColour.code).toBe(0);
  expect(noColour.stdout).not.toMatch(ANSI);
  expect(noColour.stdout).toContain('create_nameserver');

  const pipe = await cliWithIO(w, ['plan'], { tty: false, env: { NO_COLOR: undefined } });
  expect(pipe.code).toBe(0);
  expect(pipe.stdout).not.toMatch(ANSI);
  expect(pipe.stderr).not.toMatch(ANSI);
  // same words either way
  expect(tty.stdout.replace(new RegExp(ANSI.source, 'g'), '')).toBe(pipe.stdout);
  // machine formats never carry colour, even on a TTY
  const json = await cliWithIO(w, ['plan', '--format', 'json'], { tty: true, env: { NO_COLOR: undefined } });
  expect(json.stdout).not.toMatch(ANSI);
  JSON.parse(json.stdout);
});

test('plan --format json for a rich plan validates against schemas/plan.schema.json', async () => {
  w = await startWorld();
  seedApplied(w.emu);
  noMovesRecord(w); // .acns/ kept: the deletion is planned, not held for a missing record
  const s = w.emu.state;
  addLiveNames(w.emu, 1, ['ns3.example.com']);
  s.accountDefault = 'cloudflare.standard';
  // creates (set 3), a name moving set (delete + create), a pruned name, zone moves, a default change;
  // guards: a missing zone, a mass change, and the hierarchy rule against live 113.0.203.in-addr.arpa
  addLiveNames(w.emu, 4, ['ns9.example.com']);
  w.writeConfig(`version: 1
account_id: ${ACCOUNT}
nameserver_sets:
  1:
    names: [ns1.example.com, ns2.example.com]
  2:
    names: [ns1.example.net, ns2.example.net]
    registrar: cloudflare
  3:
    names: [ns3.example.com, ns4.example.com]
zones:
  example.org: 2
  shop.example.org: 1
  10.113.0.203.in-addr.arpa: 1
  legacy.example: 3
  missing.example: 1
account_default: custom.account
policy:
  prune: true
  glue_check: warn
  max_zone_changes: 2
`);
  const p = await w.cli(['plan', '--format', 'json']);
  expect(p.code).toBe(0);
  const doc = JSON.parse(p.stdout) as {
    steps: { id: string; kind: string }[];
    guards: { kind: string }[];
    safe: boolean;
    held?: { name: string; cause: string }[];
  };
  const kinds = new Set(doc.steps.map((x) => x.kind));
  expect([...kinds].sort()).toEqual([
    'assign_zone',
    'create_nameserver',
    'delete_nameserver',
    'glue_check',
    'set_account_default',
  ]);
  expect(doc.steps.map((x) => x.id)).toEqual(expect.arrayContaining(['delete_nameserver:ns9.example.com']));
  // zones leave set 1 in this run: ns3.example.com's move to set 3 is held for a later run
  expect(doc.held?.map((h) => `${h.name} ${h.cause}`)).toEqual(['ns3.example.com same_run']);
  expect(doc.steps.map((x) => x.id)).not.toContain('create_nameserver:ns3.example.com');
  expect(doc.safe).toBe(false);
  expect(doc.guards.map((g) => g.kind)).toEqual(expect.arrayContaining(['hierarchy', 'mass_change', 'zone_not_found']));

  const schema = JSON.parse(readFileSync(new URL('../../schemas/plan.schema.json', import.meta.url), 'utf8')) as object;
  const validate = compile(schema);
  expectValid(validate, doc);
  // the schema is not a rubber stamp
  expect(validate({ ...doc, steps: [{ ...doc.steps[0], kind: 'rename_nameserver' }] })).toBe(false);
  expect(validate({ ...doc, surprise: true })).toBe(false);
  expect(w.writes()).toEqual([]);
});

test('drift --format json: format_version 1 and the documented shape, with every kind of item', async () => {
  w = await startWorld();
  seedApplied(w.emu);
  w.writeConfig(BASE_CONFIG);
  const s = w.emu.state;
  s.customNs = s.customNs.filter((n) => n.ns_name !== 'ns2.example.net'); // a name gone
  s.zones.find((z) => z.name === 'example.org')!.nameservers = { type: 'cloudflare.standard' }; // a zone moved
  s.accountDefault = 'cloudflare.standard'; // the default changed
  addLiveNames(w.emu, 5, ['ns4.example.com']); // unmanaged

  const d = await w.cli(['drift', '--format', 'json']);
  expect(d.code).toBe(2);
  const doc = JSON.parse(d.stdout) as {
    format_version: number;
    items: { kind: string; key: string }[];
    has_drift: boolean;
  };
  expect(doc.format_version).toBe(1);
  expect(doc.has_drift).toBe(true);
  expect(doc.items.map((i) => i.key)).toEqual(['ns:ns2.example.net', 'zone:example.org', 'default']);
  expect(doc.items.map((i) => i.kind)).toEqual(['nameserver', 'zone', 'account_default']);
  expectValid(compile(DRIFT_SCHEMA), doc);

  const clean = await w.cli(['apply', '--auto-approve']);
  expect(clean.code).toBe(0);
  const none = await w.cli(['drift', '--format', 'json']);
  expect(none.code).toBe(0);
  const noneDoc = JSON.parse(none.stdout) as { has_drift: boolean; items: unknown[] };
  expect(noneDoc.has_drift).toBe(false);
  expect(noneDoc.items).toEqual([]);
  expectValid(compile(DRIFT_SCHEMA), noneDoc);
});

/** The drift document's contract (src/render/drift.ts DriftDocument), written down independently. */
const DRIFT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: [
    'format_version',
    'tool',
    'created_at',
    'account_id',
    'config',
    'has_drift',
    'items',
    'unmanaged',
    'delegation',
  ],
  properties: {
    format_version: { const: 1 },
    tool: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'version'],
      properties: { name: { const: 'acns' }, version: { type: 'string' } },
    },
    created_at: { type: 'string', format: 'date-time' },
    account_id: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    config: {
      type: 'object',
      additionalProperties: false,
      required: ['file', 'digest'],
      properties: { file: { type: 'string' }, digest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } },
    },
    has_drift: { type: 'boolean' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'kind', 'object', 'live', 'desired', 'source', 'message'],
        properties: {
          key: { type: 'string', pattern: '^(ns:|zone:|default$)' },
          kind: { enum: ['nameserver', 'zone', 'account_default'] },
          object: { type: 'string', minLength: 1 },
          live: { $ref: '#/definitions/value' },
          desired: { $ref: '#/definitions/value' },
          source: { type: ['string', 'null'] },
          message: { type: 'string', minLength: 1 },
        },
      },
    },
    unmanaged: {
      type: 'object',
      additionalProperties: false,
      required: ['nameservers', 'zones'],
      properties: {
        nameservers: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'set'],
            properties: { name: { type: 'string' }, set: { type: 'integer', minimum: 1, maximum: 5 } },
          },
        },
        zones: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'nameservers'],
            properties: { name: { type: 'string' }, nameservers: { $ref: '#/definitions/zone_ns' } },
          },
        },
      },
    },
    delegation: {
      anyOf: [
        { type: 'null' },
        {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['zone', 'status', 'nameservers', 'expected', 'detail'],
            properties: {
              zone: { type: 'string' },
              status: { enum: ['elsewhere', 'unknown'] },
              nameservers: { type: 'array', items: { type: 'string' } },
              expected: { type: 'array', items: { type: 'string' } },
              detail: { type: 'string' },
              where: { type: 'string' },
            },
          },
        },
      ],
    },
    dns_checks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['check', 'subject', 'status', 'problems'],
        properties: {
          check: { enum: ['glue', 'lameness', 'referral'] },
          subject: { type: 'string' },
          status: { enum: ['failed', 'could_not_verify'] },
          problems: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
  definitions: {
    zone_ns: {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: { type: { type: 'string' }, set: { type: 'integer', minimum: 1, maximum: 5 } },
    },
    value: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['set'],
          properties: { set: { type: 'integer', minimum: 1, maximum: 5 } },
        },
        { $ref: '#/definitions/zone_ns' },
        { type: 'object', additionalProperties: false, required: ['value'], properties: { value: { type: 'string' } } },
      ],
    },
  },
};
