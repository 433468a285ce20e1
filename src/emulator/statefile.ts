/**
 * The emulator's state file (schemas/emulator-state.schema.json): loading it (JSON or YAML,
 * validated with ajv, every problem at once with file:line:column) and writing a state back out in
 * the same format, for `acns emulator --save` and `acns import --emulator-state`.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { stringify as toYaml } from 'yaml';
import { parseYaml, type PositionIndex } from '../config/parse.js';
import { didYouMean } from '../config/words.js';
import type { AccountSnapshot } from '../state/snapshot.js';
import {
  defaultAddresses,
  demoState,
  EmulatorStateError,
  newZone,
  zoneIdFor,
  type EmuNameserver,
  type EmuNameserversSetting,
  type EmulatorState,
} from './model.js';
import { packageFile } from '../package-root.js';

export const STATE_SCHEMA_PATH = packageFile('schemas/emulator-state.schema.json');

/** Loads a state file (JSON or YAML); anything not given comes from the demo seed. */
export async function loadStateFile(file: string): Promise<EmulatorState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new EmulatorStateError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return stateFromText(text, file);
}

/** Parses and validates state-file text as if it were the content of `file`. */
export function stateFromText(text: string, file = '<state>'): EmulatorState {
  if (text.trim() === '') throw new EmulatorStateError(file, 'is empty (write {} for the demo account)');
  const parsed = parseYaml(text, file);
  if (parsed.data === undefined || parsed.errors.length > 0) {
    const list = parsed.errors.map((d) => `${file}:${d.line}:${d.col}: ${d.message}`);
    throw new EmulatorStateError(file, `is not valid JSON or YAML:\n  ${list.join('\n  ')}`);
  }
  const problems = validate(parsed.data, parsed.positions, file);
  if (problems.length > 0)
    throw new EmulatorStateError(file, `does not match the state file format:\n  ${problems.join('\n  ')}`);
  return stateFromDocument(parsed.data, file, parsed.positions);
}

/** Builds a state from an already validated document (defaults from the demo seed). */
export function stateFromDocument(doc: unknown, file = '<state>', positions?: PositionIndex): EmulatorState {
  const d = doc as StateDocument;
  const s = demoState();
  const at = (pointer: string) => (positions ? `${file}:${lineCol(positions, pointer)}: ` : '');
  if (d.account_id !== undefined) s.accountId = d.account_id;
  if (d.account_name !== undefined) s.accountName = d.account_name;
  if (d.plan !== undefined) s.plan = d.plan;
  if (d.tokens !== undefined) s.tokens = [...d.tokens];
  if (d.account_tokens !== undefined) s.accountTokens = [...d.account_tokens];
  if (d.keys !== undefined) s.keys = d.keys.map((k) => ({ email: k.email, key: k.key }));
  if (d.entitled !== undefined) s.entitled = d.entitled;
  if (d.account_default !== undefined) s.accountDefault = d.account_default;
  if (d.glue_missing !== undefined) s.glueMissing = [...d.glue_missing].sort((a, b) => a - b);
  const problems: string[] = [];
  if (d.zones !== undefined) {
    const seen = new Map<string, number>();
    s.zones = d.zones.map((z, i) => {
      const o = typeof z === 'string' ? { name: z } : z;
      const name = normName(o.name);
      const first = seen.get(name);
      if (first !== undefined) problems.push(`${at(`/zones/${i}`)}zone ${name} is listed twice (also zones[${first}])`);
      seen.set(name, i);
      const ns: EmuNameserversSetting =
        typeof o.nameservers === 'string'
          ? { type: o.nameservers }
          : o.nameservers === undefined
            ? { type: 'cloudflare.standard' }
            : {
                type: o.nameservers.type,
                ...(o.nameservers.ns_set !== undefined ? { ns_set: o.nameservers.ns_set } : {}),
              };
      if (ns.type === 'custom.account' && ns.ns_set === undefined) ns.ns_set = 1;
      const zone = newZone(name, ns, o.id);
      if (o.status !== undefined) zone.status = o.status;
      return zone;
    });
  }
  if (d.custom_ns !== undefined) {
    const seen = new Map<string, number>();
    s.customNs = d.custom_ns.map((x, i) => {
      const name = normName(x.ns_name);
      const first = seen.get(name);
      if (first !== undefined)
        problems.push(`${at(`/custom_ns/${i}`)}name ${name} is listed twice (also custom_ns[${first}])`);
      seen.set(name, i);
      const addr = defaultAddresses(name);
      return {
        ns_name: name,
        ns_set: x.ns_set ?? 1,
        ipv4: x.ipv4 ?? addr.ipv4,
        ipv6: x.ipv6 ?? addr.ipv6,
        status: 'verified',
        zone_tag: zoneIdFor(name.split('.').slice(-2).join('.')),
      };
    });
    for (let set = 1; set <= 5; set++) {
      const n = s.customNs.filter((x) => x.ns_set === set).length;
      if (n > 5) problems.push(`${at('/custom_ns')}set ${set} has ${n} names; Cloudflare allows at most 5 per set`);
    }
  }
  if (problems.length > 0) throw new EmulatorStateError(file, `is not a possible account:\n  ${problems.join('\n  ')}`);
  return s;
}

/** The state as a state-file document (the inverse of stateFromDocument). */
export function stateToDocument(s: EmulatorState, opts: { schemaRef?: string } = {}): StateDocument {
  const doc: StateDocument = {};
  if (opts.schemaRef) doc.$schema = opts.schemaRef;
  doc.version = 1;
  doc.account_id = s.accountId;
  doc.account_name = s.accountName;
  doc.plan = s.plan;
  doc.tokens = [...s.tokens];
  if (s.accountTokens?.length) doc.account_tokens = [...s.accountTokens];
  if (s.keys.length > 0) doc.keys = s.keys.map((k) => ({ ...k }));
  doc.entitled = s.entitled;
  doc.account_default = s.accountDefault as StateDocument['account_default'];
  doc.zones = s.zones.map((z) => {
    const o: ZoneDocument = { name: z.name, id: z.id };
    if (z.status !== 'active') o.status = z.status as ZoneDocument['status'];
    o.nameservers =
      z.nameservers.ns_set === undefined
        ? (z.nameservers.type as ZoneType)
        : { type: z.nameservers.type as ZoneType, ns_set: z.nameservers.ns_set };
    return o;
  });
  doc.custom_ns = [...s.customNs]
    .sort((a, b) => a.ns_set - b.ns_set || (a.ns_name < b.ns_name ? -1 : a.ns_name > b.ns_name ? 1 : 0))
    .map((n) => ({ ns_name: n.ns_name, ns_set: n.ns_set, ...addressesToSave(n) }));
  if (s.glueMissing.length > 0) doc.glue_missing = [...s.glueMissing];
  return doc;
}

/**
 * A real account, read by `acns import`, as a state document: its id, names with their addresses,
 * zones with ids and settings, and the default. No credentials: the emulator's demo token applies.
 */
export function stateDocumentFromSnapshot(snap: AccountSnapshot): StateDocument {
  const zoneType = (t: string): ZoneType =>
    t === 'cloudflare.foundation_dns'
      ? 'cloudflare.advanced'
      : ZONE_TYPES.includes(t as ZoneType)
        ? (t as ZoneType)
        : 'cloudflare.standard';
  const defaults: string[] = [...ZONE_TYPES, 'cloudflare.standard.random'];
  return {
    version: 1,
    account_id: snap.accountId,
    entitled: true,
    account_default: (defaults.includes(snap.accountDefault) && snap.accountDefault !== 'custom.zone'
      ? snap.accountDefault
      : 'cloudflare.standard') as StateDocument['account_default'],
    zones: snap.zones.map((z) => {
      const type = zoneType(z.nameservers.type);
      return {
        name: z.name,
        id: z.id,
        nameservers: type === 'custom.account' ? { type, ns_set: z.nameservers.set ?? 1 } : type,
      };
    }),
    custom_ns: snap.nameservers.map((n) => ({
      ns_name: n.name,
      ns_set: n.set,
      ...(n.ipv4 ? { ipv4: n.ipv4 } : {}),
      ...(n.ipv6 ? { ipv6: n.ipv6 } : {}),
    })),
  };
}

/** The state-file text: JSON for a .json file, YAML otherwise. */
export function renderStateFile(s: EmulatorState, file: string, opts: { schemaRef?: string } = {}): string {
  return renderStateDocument(stateToDocument(s, opts), file);
}

export function renderStateDocument(doc: StateDocument, file: string): string {
  if (/\.json$/i.test(file)) return `${JSON.stringify(doc, null, 2)}\n`;
  return `# acns emulator state (format: docs/emulator.md)\n${toYaml(doc, { lineWidth: 0 })}`;
}

// --- the document's shape (mirrors the schema) -----------------------------------------------------

const ZONE_TYPES = [
  'cloudflare.standard',
  'cloudflare.advanced',
  'custom.account',
  'custom.tenant',
  'custom.zone',
] as const;
type ZoneType = (typeof ZONE_TYPES)[number];

interface ZoneDocument {
  name: string;
  id?: string;
  status?: 'initializing' | 'pending' | 'active' | 'moved';
  nameservers?: ZoneType | { type: ZoneType; ns_set?: number };
}

export interface StateDocument {
  $schema?: string;
  version?: 1;
  account_id?: string;
  account_name?: string;
  plan?: 'enterprise' | 'business';
  tokens?: string[];
  account_tokens?: string[];
  keys?: { email: string; key: string }[];
  entitled?: boolean;
  account_default?:
    | 'cloudflare.standard'
    | 'cloudflare.advanced'
    | 'cloudflare.standard.random'
    | 'custom.account'
    | 'custom.tenant';
  zones?: (string | ZoneDocument)[];
  custom_ns?: { ns_name: string; ns_set?: number; ipv4?: string; ipv6?: string }[];
  glue_missing?: number[];
}

// --- helpers ----------------------------------------------------------------------------------------

/** The addresses to write: the real ones a DNS fixture replaced, none for names it invented. */
function addressesToSave(n: EmuNameserver): { ipv4?: string; ipv6?: string } {
  if (n.real) return { ipv4: n.real.ipv4, ipv6: n.real.ipv6 };
  if (n.fixture) return {};
  return { ipv4: n.ipv4, ipv6: n.ipv6 };
}

function normName(n: string): string {
  return n.trim().toLowerCase().replace(/\.+$/, '');
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(STATE_SCHEMA_PATH, 'utf8')) as object;
  const ajv = new Ajv({ strict: true, allErrors: true, verbose: true });
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
    a: Ajv,
    formats: string[],
  ) => void;
  addFormats(ajv, ['ipv4', 'ipv6']);
  compiled = ajv.compile(schema);
  return compiled;
}

function validate(data: unknown, positions: PositionIndex, file: string): string[] {
  const v = validator();
  if (v(data)) return [];
  const errs = v.errors ?? [];
  // Each anyOf here offers a text form and a mapping form: report the problems of the form the
  // value has, or only the summary when it has neither.
  const drop = new Set<ErrorObject>();
  for (const a of errs.filter((e) => e.keyword === 'anyOf')) {
    const value = valueAt(data, a.instancePath);
    const want = typeof value === 'string' ? 0 : typeof value === 'object' && value !== null ? 1 : -1;
    let kept = false;
    for (const e of errs) {
      if (!e.schemaPath.startsWith(`${a.schemaPath}/`)) continue;
      if (Number(e.schemaPath.slice(a.schemaPath.length + 1).split('/')[0]) === want) kept = true;
      else drop.add(e);
    }
    if (kept) drop.add(a);
  }
  const out = errs.filter((e) => !drop.has(e)).map((e) => describe(e, data, positions, file));
  return [...new Set(out)];
}

function valueAt(data: unknown, pointer: string): unknown {
  let v: unknown = data;
  for (const seg of pointer.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

function describe(e: ErrorObject, data: unknown, positions: PositionIndex, file: string): string {
  const where = e.instancePath === '' ? 'the top level' : pathWords(e.instancePath);
  const p = e.params as Record<string, unknown>;
  const at = `${file}:${lineCol(positions, e.instancePath)}: ${where}`;
  if (e.schemaPath.startsWith('#/definitions/set/') || e.instancePath.endsWith('/ns_set'))
    return `${at} must be a set number from 1 to 5`;
  switch (e.keyword) {
    case 'type': {
      const value = valueAt(data, e.instancePath);
      const want = String(p.type);
      const fix = want === 'string' && typeof value === 'number' ? ' — quote it so YAML keeps it as text' : '';
      return `${at} must be ${TYPE_WORD[want] ?? want}, not ${value === null ? 'empty' : JSON.stringify(value)}${fix}`;
    }
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const guess = didYouMean(key, allowed);
      return (
        `${file}:${lineCol(positions, `${e.instancePath}/${key}`, 'key')}: unknown key "${key}" in ${where} — ` +
        (guess ? `did you mean "${guess}"?` : `allowed keys: ${allowed.join(', ')}`)
      );
    }
    case 'enum':
      return `${at} must be one of: ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'anyOf':
      return e.instancePath.endsWith('/nameservers')
        ? `${at} must be a nameserver type (e.g. cloudflare.standard) or {type: custom.account, ns_set: N}`
        : `${at} must be a zone name or a mapping with name, id, status, nameservers`;
    case 'pattern':
      return `${at} ${patternWords(e.instancePath)}`;
    case 'format':
      return `${at} must be an ${p.format === 'ipv4' ? 'IPv4' : 'IPv6'} address`;
    case 'uniqueItems':
      return `${at} lists a set twice`;
    default:
      return `${at} ${e.message ?? 'is not valid'}`;
  }
}

/** '/custom_ns/0/ns_set' → 'custom_ns[0].ns_set'. */
function pathWords(pointer: string): string {
  return pointer
    .slice(1)
    .split('/')
    .map((seg, i) => (/^\d+$/.test(seg) ? `[${seg}]` : i === 0 ? seg : `.${seg}`))
    .join('');
}

const TYPE_WORD: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'text',
  integer: 'a whole number',
  boolean: 'true or false',
};

function patternWords(pointer: string): string {
  if (pointer === '/account_id' || pointer.endsWith('/id')) return 'must be 32 lower-case hexadecimal characters';
  if (pointer.startsWith('/keys/')) return 'must be a Global API Key: 37 lower-case hexadecimal characters';
  if (pointer.startsWith('/tokens/') || pointer.startsWith('/account_tokens/'))
    return 'must be a token without spaces or punctuation other than - . _ ~ + /';
  return 'has the wrong form';
}

function lineCol(positions: PositionIndex, pointer: string, what: 'key' | 'value' = 'value'): string {
  const pos = what === 'key' ? positions.key(pointer) : positions.value(pointer);
  return `${pos.line}:${pos.col}`;
}
