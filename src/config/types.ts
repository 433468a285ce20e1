import { count, grouped } from './words.js';

/**
 * The desired state: what the YAML file asks for, validated and normalised. Plain data only.
 * Every set, name and zone keeps the position it came from so plans can cite `file:line`.
 */
export interface SourcePos {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

export type Registrar = 'external' | 'cloudflare';
export type GluePolicy = 'enforce' | 'warn' | 'off';
export type EndpointFlavour = 'dns_settings' | 'legacy';
export type AccountDefault = 'cloudflare.standard' | 'cloudflare.standard.random' | 'custom.account';

export interface DesiredName {
  name: string; // A-label, lower case, no trailing dot
  set: number;
  pos: SourcePos;
}

export interface DesiredSet {
  set: number; // 1..5
  names: DesiredName[]; // in file order
  registrar: Registrar;
  /** Zone that holds the names (their registrable domain unless overridden by `host_zone`). */
  hostZone?: string;
  pos: SourcePos;
}

/** What a zone should use: a custom set, Cloudflare's standard nameservers, or left on advanced. */
export type ZoneTarget = { type: 'custom'; set: number } | { type: 'standard' } | { type: 'advanced' };

export interface DesiredZone {
  name: string; // A-label, lower case, no trailing dot
  target: ZoneTarget;
  pos: SourcePos;
}

export interface DesiredState {
  file: string; // path as given by the user
  digest: string; // 'sha256:<hex>' of the file bytes
  version: 1;
  accountId?: string; // from the file or CLOUDFLARE_ACCOUNT_ID
  sets: DesiredSet[]; // sorted by set number
  zones: DesiredZone[]; // sorted by name
  accountDefault?: { value: AccountDefault; pos: SourcePos };
  policy: { prune: boolean; glueCheck: GluePolicy; maxZoneChanges: number };
  cloudflare: {
    endpoints: EndpointFlavour;
    requestsPerWindow: number;
    windowSeconds: number;
    /** Cloudflare's per-IP limit; the client paces just under it. */
    requestsPerSecond: number;
    concurrency: number;
  };
  /** deadlineSeconds: the bound of each DNS check (one set's glue, one zone's delegation); absent: the default.
   *  switchCheckSeconds: how long apply keeps re-asking a switched zone's servers (0: one check); absent: 30. */
  dns: DnsSettings;
  /** ACNS_DNS_* variables that replaced a `dns:` value for this run (the file's own values: fileDns). */
  dnsOverrides?: string[];
  /** The file's `dns:` settings before the environment, when dnsOverrides is not empty. */
  fileDns?: DnsSettings;
}

/** One problem found in a desired-state file, or in the environment that overrides it. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string; // "what is wrong — how to fix it"
  /** 'environment': a variable is at fault, not the file (line and col are then meaningless). */
  source?: 'environment';
}

export type LoadResult =
  | { ok: true; state: DesiredState; warnings: Diagnostic[] }
  /** `omitted`: problems found beyond the ones listed (the list is bounded). */
  | { ok: false; errors: Diagnostic[]; omitted?: number };

/** `file:line:col: message`, or `environment: message` for a problem in a variable. */
export function formatDiagnostic(d: Diagnostic, kind: 'error' | 'warning' = 'error'): string {
  const where = d.source === 'environment' ? 'environment' : `${d.file}:${d.line}:${d.col}`;
  return `${where}: ${kind === 'warning' ? 'warning: ' : ''}${d.message}`;
}

/** The lines that end a failed load: how many problems, where, and the ones not listed. */
export function problemSummary(res: { errors: Diagnostic[]; omitted?: number }, file: string): string[] {
  const omitted = res.omitted ?? 0;
  const lines: string[] = [];
  if (omitted > 0) lines.push(`…and ${grouped(omitted)} more not shown — fix the ones above first`);
  const inEnv = res.errors.filter((d) => d.source === 'environment').length;
  const inFile = res.errors.length - inEnv + omitted;
  const where =
    inEnv && inFile
      ? `: ${inFile} in ${file}, ${inEnv} in the environment`
      : inEnv
        ? ' in the environment'
        : ` in ${file}`;
  lines.push(`${count(inEnv + inFile, 'problem')} found${where}.`);
  return lines;
}

export function formatPos(p: SourcePos): string {
  return `${p.file}:${p.line}`;
}

/** The file's `dns:` settings. */
export interface DnsSettings {
  rootServers: string[];
  parentServers: string[];
  port: number;
  deadlineSeconds?: number;
  switchCheckSeconds?: number;
}
