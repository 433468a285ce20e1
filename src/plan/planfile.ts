/**
 * The saved-plan document (`acns plan -o plan.json`, `--format json`): a versioned contract, separate
 * from the in-memory Plan. snake_case fields, described by schemas/plan.schema.json, no secrets.
 * Reading one back validates it with ajv (strict) and says clearly what is wrong.
 * The document is sealed by `plan_digest` (sha256 of its canonical JSON without that field): a plan
 * edited after `acns plan` wrote it is refused, because a reviewed plan must be applied exactly.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { AcnsError } from '../errors.js';
import type { Plan, PlanSettings, Preconditions, Takeover } from './types.js';
import * as generated from './planfile-validate.generated.js';

export const PLAN_FORMAT_VERSION = 2;

// The document's own types: a published contract, so they are spelled out here instead of reusing
// the in-memory model. A change to the model that the document cannot carry fails to compile below.

export type StepKindDocument =
  | 'create_nameserver'
  | 'glue_check'
  | 'assign_zone'
  | 'set_account_default'
  | 'delete_nameserver';

export type ReasonCodeDocument =
  | 'name_missing'
  | 'name_moves_set'
  | 'name_pruned'
  | 'zone_setting_differs'
  | 'default_differs'
  | 'glue_zones_switch'
  | 'glue_default_custom'
  | 'glue_set_becomes_usable'
  | 'glue_names_replaced'
  | 'glue_set_grows'
  | 'glue_takeover';

export type GuardKindDocument =
  | 'mass_change'
  | 'set_in_use'
  | 'zone_not_found'
  | 'set_too_small'
  | 'set_too_large'
  | 'hierarchy'
  | 'delegation'
  | 'delegation_unknown'
  | 'leaving_set'
  | 'takeover'
  | 'ordering';

export interface ZoneNameserversDocument {
  type: string;
  set?: number;
}

export type StepValueDocument =
  | null
  | { set: number }
  | ZoneNameserversDocument
  | { value: string }
  | { set: number; names: string[] };

export interface GuardDocument {
  id: string;
  kind: GuardKindDocument;
  message: string;
  /** The guard kind apply may be told to allow (`--allow-mass-change` allows mass_change). */
  override?: 'mass_change' | 'delegation_unknown';
  steps: string[];
  source?: string;
}

export interface NameserverDocument {
  name: string;
  set: number;
  ipv4?: string;
  ipv6?: string;
}

export interface PlanDocument {
  format_version: 2;
  tool: { name: 'acns'; version: string };
  created_at: string;
  account_id: string;
  config: { file: string; digest: string };
  endpoints: 'dns_settings' | 'legacy';
  glue_policy: 'enforce' | 'warn' | 'off';
  safe: boolean;
  guards: GuardDocument[];
  summary: { create: number; change: number; delete: number; checks: number };
  steps: StepDocument[];
  glue: {
    set: number;
    registrar: 'external' | 'cloudflare';
    host_zone?: string;
    names: { name: string; ipv4?: string; ipv6?: string }[];
  }[];
  unmanaged: { nameservers: NameserverDocument[]; zones: { name: string; nameservers: ZoneNameserversDocument }[] };
  notes: string[];
  /** Deletions the file asks for that this run leaves out, with why and until when. */
  held?: HeldDocument[];
  /** Sets whose names are in production on other servers, taken over in the safe order (absent when none). */
  takeover?: TakeoverDocument[];
  zone_filter: string[] | null;
  /** The file's API and DNS settings, so `apply plan.json` runs with what was reviewed. */
  settings?: SettingsDocument;
  /** The facts the plan's safety rests on (absent in plans written before acns recorded them). */
  preconditions?: PreconditionsDocument;
  /** `sha256:<hex>` of the canonical JSON of this document without this field (see canonicalJson). */
  plan_digest: string;
}

export interface HeldDocument {
  name: string;
  set: number;
  cause: 'same_run' | 'listed' | 'caches';
  until?: string;
  message: string;
}

export interface TakeoverDocument {
  set: number;
  host_zone: string;
  where: string;
  names: { name: string; old: string[]; new: string[] }[];
  zones: string[];
  check_step: string;
  after: string[];
  glue_ttl: number;
}

export interface SettingsDocument {
  cloudflare: {
    endpoints: 'dns_settings' | 'legacy';
    requests_per_window: number;
    window_seconds: number;
    /** Absent in plans written before the per-IP pace was configurable (200 applies). */
    requests_per_second?: number;
    concurrency: number;
  };
  dns: {
    root_servers: string[];
    parent_servers: string[];
    port: number;
    deadline_seconds?: number;
    switch_check_seconds?: number;
  };
}

export interface PreconditionsDocument {
  nameservers: { set: number; names: string[]; steps: string[] }[];
  set_users: {
    set: number;
    zones: { name: string; zone_id: string; in_file: boolean }[];
    scope: 'account' | 'known';
    steps: string[];
  }[];
  account_default?: string;
  declared_sets: number[];
  max_zone_changes: number;
}

export interface StepDocument {
  id: string;
  kind: StepKindDocument;
  target: string;
  zone_id?: string;
  before: StepValueDocument;
  after: StepValueDocument;
  reason_code: ReasonCodeDocument;
  reason: string;
  source?: string;
  class: 'config' | 'drift';
  depends_on: string[];
}

/** A plan read back from a file, with what the document says about where it came from. */
export interface SavedPlan {
  plan: Plan;
  toolVersion: string;
  createdAt: string;
}

/** A saved plan that cannot be used: not JSON, not an acns plan, or an unknown format version. */
export class PlanFileError extends AcnsError {
  constructor(message: string, hint?: string) {
    super('plan_file', message, { exitCode: 1, ...(hint ? { hint } : {}) });
    this.name = 'PlanFileError';
  }
}

/** A saved plan whose content no longer matches its plan_digest: edited after `acns plan` wrote it. */
export class PlanModifiedError extends AcnsError {
  constructor(file: string, why: 'missing' | 'mismatch') {
    const what = why === 'missing' ? 'it has no plan_digest' : 'its plan_digest does not match its content';
    super(
      'plan_modified',
      `${file} was changed after \`acns plan\` wrote it (${what}); a reviewed plan must be applied exactly as ` +
        `reviewed — run \`acns plan -o ${file}\` again`,
      {
        exitCode: 3,
        hint:
          'nothing was changed; to apply something else, change acns.yaml, plan again and review the new plan — ' +
          'never edit a plan file by hand',
      },
    );
    this.name = 'PlanModifiedError';
  }
}

export function planToDocument(plan: Plan, meta: { toolVersion: string; createdAt: string }): PlanDocument {
  const body: Omit<PlanDocument, 'plan_digest'> = {
    format_version: PLAN_FORMAT_VERSION,
    tool: { name: 'acns', version: meta.toolVersion },
    created_at: meta.createdAt,
    account_id: plan.accountId,
    config: { file: plan.configFile, digest: plan.configDigest },
    endpoints: plan.endpoints,
    glue_policy: plan.gluePolicy,
    safe: plan.safe,
    guards: plan.guards.map((g) => ({
      id: g.id,
      kind: g.kind,
      message: g.message,
      ...(g.override ? { override: g.override } : {}),
      steps: [...g.steps],
      ...(g.source ? { source: g.source } : {}),
    })),
    summary: { ...plan.summary },
    steps: plan.steps.map((s) => ({
      id: s.id,
      kind: s.kind,
      target: s.target,
      ...(s.zoneId ? { zone_id: s.zoneId } : {}),
      before: s.before,
      after: s.after,
      reason_code: s.reasonCode,
      reason: s.reason,
      ...(s.source ? { source: s.source } : {}),
      class: s.class,
      depends_on: [...s.dependsOn],
    })),
    glue: plan.glue.map((g) => ({
      set: g.set,
      registrar: g.registrar,
      ...(g.hostZone ? { host_zone: g.hostZone } : {}),
      names: g.names.map((n) => ({ ...n })),
    })),
    unmanaged: {
      nameservers: plan.unmanaged.nameservers.map((n) => ({ ...n })),
      zones: plan.unmanaged.zones.map((z) => ({ name: z.name, nameservers: { ...z.nameservers } })),
    },
    notes: [...plan.notes],
    ...(plan.held?.length ? { held: plan.held.map((h) => ({ ...h })) } : {}),
    ...(plan.takeover?.length ? { takeover: plan.takeover.map(takeoverToDocument) } : {}),
    zone_filter: plan.zoneFilter ? [...plan.zoneFilter] : null,
    ...(plan.settings ? { settings: settingsToDocument(plan.settings) } : {}),
    ...(plan.preconditions ? { preconditions: preconditionsToDocument(plan.preconditions) } : {}),
  };
  return { ...body, plan_digest: planDigest(body) };
}

function takeoverToDocument(t: Takeover): TakeoverDocument {
  return {
    set: t.set,
    host_zone: t.hostZone,
    where: t.where,
    names: t.names.map((n) => ({ name: n.name, old: [...n.old], new: [...n.new] })),
    zones: [...t.zones],
    check_step: t.checkStep,
    after: [...t.after],
    glue_ttl: t.glueTtl,
  };
}

function takeoverFromDocument(d: TakeoverDocument): Takeover {
  return {
    set: d.set,
    hostZone: d.host_zone,
    where: d.where,
    names: d.names,
    zones: d.zones,
    checkStep: d.check_step,
    after: d.after,
    glueTtl: d.glue_ttl,
  };
}

/** The document as text: two-space JSON with a final newline (what `plan -o` writes and `--format json` prints). */
export function encodePlanFile(plan: Plan, meta: { toolVersion: string; createdAt: string }): string {
  return `${JSON.stringify(planToDocument(plan, meta), null, 2)}\n`;
}

/** Validates a parsed document and turns it back into a Plan. `file` names it in errors. */
export function documentToPlan(doc: unknown, file = 'plan.json'): SavedPlan {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !('format_version' in doc)) {
    throw new PlanFileError(
      `${file} is not an acns plan (no format_version)`,
      'write one with: acns plan -o plan.json',
    );
  }
  const version = (doc as { format_version: unknown }).format_version;
  if (typeof version === 'number' && version < PLAN_FORMAT_VERSION) {
    throw new PlanFileError(
      `${file} was written by an older acns (plan format ${version}); this acns reads format ${PLAN_FORMAT_VERSION}`,
      'nothing was changed: run `acns plan -o <planfile>` again with this version, review it, and apply that plan',
    );
  }
  if (version !== PLAN_FORMAT_VERSION) {
    throw new PlanFileError(
      `${file} is not an acns plan (format_version ${JSON.stringify(version)} unknown) — re-run acns plan -o`,
      `this acns reads format_version ${PLAN_FORMAT_VERSION}; plans are not portable between incompatible versions`,
    );
  }
  verifyDigest(doc as Record<string, unknown>, file);
  const validate = validator();
  if (!validate(doc)) {
    const errs = (validate.errors ?? []).slice(0, 10).map((e) => describeError(e));
    throw new PlanFileError(
      `${file} is not a valid acns plan: ${errs.join('; ')}`,
      're-run acns plan -o; do not edit plan files by hand',
    );
  }
  const d = doc as PlanDocument;
  const plan: Plan = {
    accountId: d.account_id,
    configFile: d.config.file,
    configDigest: d.config.digest,
    endpoints: d.endpoints,
    gluePolicy: d.glue_policy,
    steps: d.steps.map((s) => ({
      id: s.id,
      kind: s.kind,
      target: s.target,
      ...(s.zone_id ? { zoneId: s.zone_id } : {}),
      before: s.before,
      after: s.after,
      reasonCode: s.reason_code,
      reason: s.reason,
      ...(s.source ? { source: s.source } : {}),
      class: s.class,
      dependsOn: s.depends_on,
    })),
    guards: d.guards,
    safe: d.safe,
    summary: d.summary,
    glue: d.glue.map((g) => ({
      set: g.set,
      registrar: g.registrar,
      ...(g.host_zone ? { hostZone: g.host_zone } : {}),
      names: g.names,
    })),
    unmanaged: d.unmanaged,
    notes: d.notes,
  };
  if (d.settings) plan.settings = settingsFromDocument(d.settings);
  if (d.preconditions) plan.preconditions = preconditionsFromDocument(d.preconditions);
  if (d.zone_filter) plan.zoneFilter = d.zone_filter;
  if (d.held) plan.held = d.held;
  if (d.takeover) plan.takeover = d.takeover.map(takeoverFromDocument);
  return { plan, toolVersion: d.tool.version, createdAt: d.created_at };
}

/** Plan files are small (a few MB for thousands of zones): anything far larger is refused unread. */
export const MAX_PLAN_FILE_BYTES = 50 * 1024 * 1024;

/** Reads and checks a saved plan file (size, JSON, seal, schema). */
export async function readPlanFile(file: string, cwd: string): Promise<SavedPlan> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    if (st.size > MAX_PLAN_FILE_BYTES) {
      throw new PlanFileError(
        `${file} is not an acns plan (${Math.round(st.size / 1024 / 1024)} MB; plan files are far smaller)`,
        'write one with: acns plan -o plan.json',
      );
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof PlanFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new AcnsError('plan_unreadable', `cannot read the plan ${file}: ${why}`, {
      hint: 'create one with `acns plan -o plan.json`',
    });
  }
  return parsePlanFile(text, file);
}

/** True when `path` holds something acns wrote as a plan (whatever its state), so replacing it loses nothing else. */
export async function looksLikePlanFile(path: string): Promise<boolean> {
  try {
    const st = await stat(path);
    if (!st.isFile() || st.size > MAX_PLAN_FILE_BYTES) return false;
    const doc = JSON.parse(await readFile(path, 'utf8')) as { format_version?: unknown; tool?: { name?: unknown } };
    return typeof doc === 'object' && doc !== null && 'format_version' in doc && doc.tool?.name === 'acns';
  } catch {
    return false;
  }
}

/** Reads a saved plan from its text. */
export function parsePlanFile(text: string, file: string): SavedPlan {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PlanFileError(
      `${file} is not an acns plan (not JSON: ${(e as Error).message})`,
      'write one with: acns plan -o plan.json',
    );
  }
  return documentToPlan(doc, file);
}

/** Checked before the schema: any edit, valid or not, is reported as an edit (exit 3). */
function verifyDigest(doc: Record<string, unknown>, file: string): void {
  const { plan_digest: claimed, ...body } = doc;
  if (claimed === undefined) throw new PlanModifiedError(file, 'missing');
  if (claimed !== planDigest(body)) throw new PlanModifiedError(file, 'mismatch');
}

function planDigest(body: object): string {
  return `sha256:${createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex')}`;
}

/**
 * JSON with object keys sorted (by UTF-16 code unit, as Array.prototype.sort) at every depth and
 * no whitespace, so key order and formatting do not change the digest. Like JSON.stringify, object
 * members whose value is undefined are left out. JSON.stringify does the writing (several times
 * faster than joining strings here); the replacer only hands it each object with its keys in order,
 * in an object without a prototype so that a "__proto__" key stays an ordinary member.
 */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortedKeys) ?? 'null';
}

function sortedKeys(_key: string, v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const sorted: Record<string, unknown> = Object.create(null);
  for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
  return sorted;
}

function preconditionsToDocument(p: Preconditions): PreconditionsDocument {
  return {
    nameservers: p.nameservers.map((s) => ({ set: s.set, names: [...s.names], steps: [...s.steps] })),
    set_users: p.setUsers.map((u) => ({
      set: u.set,
      zones: u.zones.map((z) => ({ name: z.name, zone_id: z.id, in_file: z.inFile })),
      scope: u.scope,
      steps: [...u.steps],
    })),
    ...(p.accountDefault !== undefined ? { account_default: p.accountDefault } : {}),
    declared_sets: [...p.declaredSets],
    max_zone_changes: p.maxZoneChanges,
  };
}

function preconditionsFromDocument(d: PreconditionsDocument): Preconditions {
  return {
    nameservers: d.nameservers.map((s) => ({ set: s.set, names: s.names, steps: s.steps })),
    setUsers: d.set_users.map((u) => ({
      set: u.set,
      zones: u.zones.map((z) => ({ name: z.name, id: z.zone_id, inFile: z.in_file })),
      scope: u.scope,
      steps: u.steps,
    })),
    ...(d.account_default !== undefined ? { accountDefault: d.account_default } : {}),
    declaredSets: d.declared_sets,
    maxZoneChanges: d.max_zone_changes,
  };
}

function settingsToDocument(s: PlanSettings): SettingsDocument {
  const { cloudflare: c, dns } = s;
  return {
    cloudflare: {
      endpoints: c.endpoints,
      requests_per_window: c.requestsPerWindow,
      window_seconds: c.windowSeconds,
      requests_per_second: c.requestsPerSecond,
      concurrency: c.concurrency,
    },
    dns: {
      root_servers: [...dns.rootServers],
      parent_servers: [...dns.parentServers],
      port: dns.port,
      ...(dns.deadlineSeconds !== undefined ? { deadline_seconds: dns.deadlineSeconds } : {}),
      ...(dns.switchCheckSeconds !== undefined ? { switch_check_seconds: dns.switchCheckSeconds } : {}),
    },
  };
}

function settingsFromDocument(s: SettingsDocument): PlanSettings {
  const { cloudflare: c, dns } = s;
  return {
    cloudflare: {
      endpoints: c.endpoints,
      requestsPerWindow: c.requests_per_window,
      windowSeconds: c.window_seconds,
      requestsPerSecond: c.requests_per_second ?? 200,
      concurrency: c.concurrency,
    },
    dns: {
      rootServers: dns.root_servers,
      parentServers: dns.parent_servers,
      port: dns.port,
      ...(dns.deadline_seconds !== undefined ? { deadlineSeconds: dns.deadline_seconds } : {}),
      ...(dns.switch_check_seconds !== undefined ? { switchCheckSeconds: dns.switch_check_seconds } : {}),
    },
  };
}

/**
 * schemas/plan.schema.json, compiled ahead of time by ajv (strict, all errors, ajv-formats): reading
 * a plan loads neither ajv's compiler nor the schema.
 */
function validator(): { (data: unknown): boolean; errors?: ErrorObject[] | null } {
  return generated.validate as never;
}

function describeError(e: ErrorObject): string {
  const where = e.instancePath || '(top level)';
  if (e.keyword === 'additionalProperties')
    return `${where} has an unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'required') return `${where} lacks "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'enum')
    return `${where} ${e.message} (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`;
  return `${where} ${e.message ?? 'is invalid'}`;
}
