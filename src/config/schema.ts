/**
 * The JSON Schema of the desired-state file (schemas/acns.schema.json), compiled ahead of time by
 * ajv in strict mode into schema-validate.generated.ts, and the translation of ajv's errors into
 * positioned, human diagnostics with "did you mean" suggestions.
 */
import type { ErrorObject } from 'ajv';
import { checkName } from './names.js';
import { pointerSegment, type PositionIndex } from './parse.js';
import type { Problems } from './problems.js';
import * as generated from './schema-validate.generated.js';
import { count, didYouMean } from './words.js';

/** ajv's validator shape, without loading ajv: true, or false with `errors` set. */
interface ValidateFunction {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** The whole schema, and its `zones` part for checking zones in slices. */
const validators = generated as unknown as { root: ValidateFunction; zones: ValidateFunction };

/** Mapping entries handed to ajv at once: its error list (all errors) stays this small. */
export const SCHEMA_CHUNK = 2000;

/**
 * Validates data against the schema, adding positioned diagnostics to `problems`. `zones`, the
 * one mapping that can hold many thousands of entries, is checked in slices of SCHEMA_CHUNK so
 * that a file of a million broken zone lines never holds a million ajv errors at once.
 */
export function validateSchema(data: unknown, positions: PositionIndex, file: string, problems: Problems): void {
  const zones = isPlainObject(data) ? data.zones : undefined;
  if (!isPlainObject(zones) || !isPlainObject(data) || Object.keys(zones).length <= SCHEMA_CHUNK) {
    report(validators.root, data, '', data, positions, file, problems);
    return;
  }
  // The rest of the file with an empty zones mapping (valid: zones has no size rule), then the zones.
  const rest: Record<string, unknown> = {};
  for (const k of Object.keys(data)) defineKey(rest, k, k === 'zones' ? {} : data[k]);
  report(validators.root, rest, '', data, positions, file, problems);
  const keys = Object.keys(zones);
  for (let i = 0; i < keys.length; i += SCHEMA_CHUNK) {
    const slice: Record<string, unknown> = {};
    for (const k of keys.slice(i, i + SCHEMA_CHUNK)) defineKey(slice, k, zones[k]);
    report(validators.zones, slice, '/zones', data, positions, file, problems);
  }
}

/** Runs one validator on `value` (found at `prefix` in `data`) and describes its errors. */
function report(
  validate: ValidateFunction,
  value: unknown,
  prefix: string,
  data: unknown,
  positions: PositionIndex,
  file: string,
  problems: Problems,
): void {
  if (validate(value)) return;
  const errs = validate.errors ?? [];
  if (prefix) for (const e of errs) e.instancePath = prefix + e.instancePath; // ajv's fresh objects, ours to change
  const anyOfPaths = new Set(errs.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const typePaths = new Set(
    errs.filter((e) => e.keyword === 'type' && !e.schemaPath.includes('/anyOf/')).map((e) => e.instancePath),
  );
  // A top-level key indented under zones: is reported once, as that, not also for its value.
  const misplaced = new Set(
    errs
      .filter((e) => e.keyword === 'format' && e.instancePath === '/zones' && e.propertyName !== undefined)
      .filter((e) => TOP_LEVEL_KEYS.includes(e.propertyName!))
      .map((e) => `/zones/${pointerSegment(e.propertyName!)}`),
  );
  for (const e of errs) {
    if (misplaced.has(e.instancePath)) continue;
    if (e.keyword !== 'type' && typePaths.has(e.instancePath)) continue; // the wrong type says it all
    if (e.keyword === 'propertyNames') continue; // its format error carries the detail
    if (e.schemaPath.includes('/anyOf/') && anyOfPaths.has(e.instancePath)) continue; // summarised by the anyOf error
    // Where the problem is at the earliest (its key's entry, or the value): past the listed ones, only count it.
    const child = e.propertyName ?? (e.params as { additionalProperty?: string }).additionalProperty;
    if (
      !problems.wants(
        positions.key(child === undefined ? e.instancePath : `${e.instancePath}/${pointerSegment(child)}`),
      )
    ) {
      problems.count(1);
      continue;
    }
    const d = describe(e, data, positions);
    problems.add({ file, line: d.pos.line, col: d.pos.col, message: d.message });
  }
}

/** Where each key of the file belongs, to name indentation mistakes. */
const TOP_LEVEL_KEYS = [
  'version',
  'account_id',
  'nameserver_sets',
  'zones',
  'account_default',
  'policy',
  'cloudflare',
  'dns',
];
const SECTION_OF: Record<string, string> = {
  prune: 'policy',
  glue_check: 'policy',
  max_zone_changes: 'policy',
  endpoints: 'cloudflare',
  requests_per_window: 'cloudflare',
  window_seconds: 'cloudflare',
  concurrency: 'cloudflare',
  root_servers: 'dns',
  parent_servers: 'dns',
  port: 'dns',
};
const SET_KEYS = ['names', 'registrar', 'host_zone'];

/**
 * A key that is valid one level up or down from where it is: the usual indentation slip. Says
 * where it belongs, or undefined when the key is simply unknown.
 */
function misplacedKey(at: string, key: string, value: unknown): string | undefined {
  if (at !== '' && TOP_LEVEL_KEYS.includes(key)) {
    const reads = at === '/zones' ? `under zones it reads as a zone named "${key}"` : `it sits inside ${where(at)}`;
    return (
      `"${key}" looks like a top-level key indented by mistake (${reads}) — ` +
      `move "${key}:" to the start of its line`
    );
  }
  if (at === '/nameserver_sets' && SET_KEYS.includes(key)) {
    return (
      `"${key}" sits directly under nameserver_sets, so it reads as a set named "${key}" — ` +
      `indent it under a set number (a line "  1:" above "    ${key}: …")`
    );
  }
  if (at === '' && Object.hasOwn(SECTION_OF, key)) {
    const section = SECTION_OF[key];
    return `"${key}" belongs under ${section}: — indent it under a "${section}:" line`;
  }
  if (at === '' && SET_KEYS.includes(key)) {
    return `"${key}" belongs to a set — indent it under nameserver_sets: and a set number ("  1:")`;
  }
  if (at === '' && checkName(key).ok && isZoneTarget(value)) {
    return `"${key}" looks like a zone indented by mistake — indent it under zones:`;
  }
  return undefined;
}

function isZoneTarget(v: unknown): boolean {
  return v === 'standard' || v === 'advanced' || (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 5);
}

/** A set keyed other than 1..5: name the free numbers, or say that Cloudflare allows five sets. */
function notASetNumber(key: string, sets: unknown): string {
  const taken = new Set(isPlainObject(sets) ? Object.keys(sets).filter((k) => /^[1-5]$/.test(k)) : []);
  const free = ['1', '2', '3', '4', '5'].filter((n) => !taken.has(n));
  const fix =
    free.length === 0
      ? 'Cloudflare allows five sets per account and 1 to 5 are all declared; ' +
        'move its names into one of them or remove it'
      : `rename it to a free number: ${free.join(', ')}`;
  return `set "${key}" is not a set number — sets are numbered 1 to 5; ${fix}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Own data property even for "__proto__" (plain assignment is much faster for the others). */
function defineKey(o: Record<string, unknown>, k: string, value: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
  else o[k] = value;
}

function segments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `zones › example.org`, `nameserver_sets › 1 › names[0]`, `policy.prune`… as users wrote it. */
function where(pointer: string): string {
  const seg = segments(pointer);
  if (!seg.length) return 'the top level';
  if (seg[0] === 'zones' && seg.length >= 2) return `zone ${seg[1]}`;
  if (seg[0] === 'nameserver_sets' && seg.length >= 2) {
    const rest = seg
      .slice(2)
      .map((s, i) => (/^\d+$/.test(s) && i > 0 ? `[${s}]` : `.${s}`))
      .join('');
    return `nameserver_sets.${seg[1]}${rest}`;
  }
  return seg.map((s, i) => (/^\d+$/.test(s) && i > 0 ? `[${s}]` : i ? `.${s}` : s)).join('');
}

function valueAt(data: unknown, pointer: string): unknown {
  let v: unknown = data;
  for (const s of segments(pointer)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}

function show(v: unknown): string {
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `"${v.length > 60 ? `${v.slice(0, 60)}…` : v}"`;
  return `${typeof v === 'number' ? 'the number' : 'the value'} ${String(v)}`;
}

const TYPE_WORD: Record<string, string> = {
  object: 'a mapping (key: value lines)',
  array: 'a list',
  string: 'a text value',
  integer: 'a whole number',
  boolean: 'true or false',
  number: 'a number',
};

function describe(
  e: ErrorObject,
  data: unknown,
  positions: PositionIndex,
): { pos: { line: number; col: number }; message: string } {
  const at = e.instancePath;
  const value = valueAt(data, at);
  const w = where(at);
  const pos = positions.value(at);
  const parentSchema = e.parentSchema as { properties?: Record<string, unknown> } | undefined;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const keyPos = positions.key(`${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      const misplaced = misplacedKey(at, key, valueAt(data, `${at}/${pointerSegment(key)}`));
      if (misplaced) return { pos: keyPos, message: misplaced };
      if (at === '/nameserver_sets') return { pos: keyPos, message: notASetNumber(key, value) };
      const allowed = Object.keys(parentSchema?.properties ?? {});
      if (key === '<<')
        return { pos: keyPos, message: `merge keys (<<) are not supported in ${w} — write the keys out in full` };
      const guess = didYouMean(key, allowed);
      const hint = guess ? `did you mean "${guess}"?` : `allowed keys: ${allowed.join(', ')}`;
      return { pos: keyPos, message: `unknown key "${key}" in ${w} — ${hint}` };
    }
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      const fix =
        missing === 'version'
          ? 'add "version: 1" at the top'
          : missing === 'names'
            ? 'add "names: [ns1.example.com, ns2.example.com]"'
            : `add "${missing}:"`;
      return {
        pos,
        message: `${w === 'the top level' ? 'the file' : w} is missing the required key "${missing}" — ${fix}`,
      };
    }
    case 'type': {
      const want = String((e.params as { type: string }).type);
      let fix = at === '' ? 'start from examples/minimal.yaml' : `write ${TYPE_WORD[want] ?? want}`;
      if (at === '/account_id') {
        fix =
          value === null
            ? 'write the 32-character account id after "account_id:", or remove the key and set CLOUDFLARE_ACCOUNT_ID'
            : 'quote it ("...") so YAML keeps it as text';
      } else if (want === 'integer' && typeof value === 'string' && /^\d+$/.test(value)) fix = 'remove the quotes';
      else if (want === 'boolean' && typeof value === 'string') fix = 'write true or false without quotes';
      return { pos, message: `${w} must be ${TYPE_WORD[want] ?? want}, not ${show(value)} — ${fix}` };
    }
    case 'const':
      if (at === '/version')
        return {
          pos,
          message:
            `unsupported version ${typeof value === 'number' ? value : show(value)} — ` +
            'this acns reads version 1 files; write "version: 1"',
        };
      return {
        pos,
        message: `${w} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)} — change it`,
      };
    case 'enum': {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const guess = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
      return {
        pos,
        message:
          `${w} is ${show(value)}, which is not allowed — ` +
          `${guess ? `did you mean "${guess}"? ` : ''}use one of: ${allowed.join(', ')}`,
      };
    }
    case 'anyOf': {
      const guess = typeof value === 'string' ? didYouMean(value, ['standard', 'advanced']) : undefined;
      return {
        pos,
        message:
          `${w} is set to ${show(value)} — use a set number from 1 to 5, "standard" or "advanced"` +
          (guess ? ` (did you mean "${guess}"?)` : ''),
      };
    }
    case 'format': {
      const fmt = (e.params as { format: string }).format;
      const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
      if (fmt === 'fqdn') {
        const raw = propertyName ?? String(value);
        const reason = checkName(raw);
        const why = reason.ok ? 'is not valid' : reason.reason;
        if (propertyName !== undefined) {
          const keyPos = positions.key(`${at}/${propertyName.replace(/~/g, '~0').replace(/\//g, '~1')}`);
          const misplaced = misplacedKey(at, propertyName, valueAt(data, `${at}/${pointerSegment(propertyName)}`));
          if (misplaced) return { pos: keyPos, message: misplaced };
          return {
            pos: keyPos,
            message: `zone name "${raw}" ${why} — zones are domain names such as example.org or 113.0.203.in-addr.arpa`,
          };
        }
        return { pos, message: `${w}: "${raw}" ${why} — use a fully qualified host name such as ns1.example.com` };
      }
      return {
        pos,
        message:
          `${w}: ${show(value)} is not an IP address with an optional port — ` +
          'write e.g. 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:5353',
      };
    }
    case 'pattern':
      if (at === '/account_id') {
        return {
          pos,
          message:
            `account_id ${show(value)} is not a Cloudflare account id — ` +
            'use the 32 hexadecimal characters shown in the dashboard URL, or set CLOUDFLARE_ACCOUNT_ID',
        };
      }
      return { pos, message: `${w} ${e.message ?? 'is invalid'} — fix the value` };
    case 'maxItems':
      return {
        pos,
        message:
          `${w} lists ${Array.isArray(value) ? count(value.length, 'name') : 'too many names'}; ` +
          'a set holds at most 5 — move the extra names to another set',
      };
    case 'minimum':
    case 'maximum': {
      const p = e.params as { comparison: string; limit: number };
      return { pos, message: `${w} is ${show(value)}, it must be ${p.comparison} ${p.limit} — change it` };
    }
    default:
      return { pos, message: `${w} ${e.message ?? 'is invalid'} — see docs/configuration.md` };
  }
}
