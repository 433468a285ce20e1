/**
 * The emulator's endpoints: Cloudflare's envelope, pagination and rules as real errors, applied to
 * the in-memory model. Pure request → response over the state; HTTP concerns live in server.ts.
 */
import {
  defaultAddresses,
  tokenIdFor,
  zoneIdFor,
  type EmuNameserversSetting,
  type EmuZone,
  type EmulatorState,
} from './model.js';
import { compareText } from '../order.js';

/**
 * Shapes and rules that changed over time or are not confirmed: the default is what the real API
 * does now (as far as Cloudflare's SDKs, schema and docs tell), the older forms are switches.
 */
export interface EmulatorBehaviour {
  /**
   * Where the deprecated GET /zones/{id}/custom_ns puts `enabled`/`ns_set`: 'top' (default, as
   * Cloudflare's schema and SDKs have it: beside `success`, no `result`), 'result', or 'both'.
   */
  legacyZoneGetShape: 'top' | 'result' | 'both';
  /** Whether GET custom_ns carries `result_info`. Default true. */
  customNsResultInfo: boolean;
  /** Whether `result_info` also carries `total_pages` (the docs' example; not in the schema). Default false. */
  resultInfoTotalPages: boolean;
  /** Whether zone objects list the ACNS names in `vanity_name_servers`. Default true. */
  vanityNameServers: boolean;
  /**
   * How an advanced (Foundation DNS) zone reads in dns_settings: 'current' (`nameservers.type:
   * cloudflare.advanced`) or 'foundation_dns' (before 2026: `foundation_dns: true` with
   * `nameservers.type: cloudflare.standard`; `cloudflare.advanced` is then not an accepted type).
   */
  advancedShape: 'current' | 'foundation_dns';
  /** The answer for a well-formed but unknown zone id: '9109' (default) or the older '7003'. */
  unknownZone: '9109' | '7003';
  /**
   * Cloudflare's documented rules: a zone and a zone in its hierarchy may not use the same set,
   * custom nameservers and advanced nameservers do not combine, and DNS zone defaults are
   * Enterprise-only. Default true; false is the emulator's older, permissive behaviour.
   */
  documentedRules: boolean;
  /** Addresses Cloudflare assigns to a new name (default: deterministic from the name). */
  addressFor: (name: string) => { ipv4: string; ipv6: string };
}

export interface EmuRequest {
  method: string;
  path: string; // after the /client/v4 prefix, without the query
  query: URLSearchParams;
  body: unknown;
  /** Who sent it (already authenticated): a user's token, an account's token, or a Global API Key. */
  auth?: EmuAuth;
}

export type EmuAuth = { kind: 'user_token' | 'account_token'; token: string } | { kind: 'key' };

export interface EmuResponse {
  status: number;
  body: unknown;
}

export function defaultBehaviour(): EmulatorBehaviour {
  return {
    legacyZoneGetShape: 'top',
    customNsResultInfo: true,
    resultInfoTotalPages: false,
    vanityNameServers: true,
    advancedShape: 'current',
    unknownZone: '9109',
    documentedRules: true,
    addressFor: defaultAddresses,
  };
}

/** Cloudflare's error envelope (`chain`: the `error_chain` of the first error). */
export function failure(status: number, code: number, message: string, chain?: EmuMessage[]): EmuResponse {
  const error = chain ? { code, message, error_chain: chain } : { code, message };
  return { status, body: { success: false, errors: [error], messages: [], result: null } };
}

export interface EmuMessage {
  code: number;
  message: string;
}

export function route(s: EmulatorState, b: EmulatorBehaviour, r: EmuRequest): EmuResponse {
  const p = r.path.split('/').filter(Boolean).map(decodeURIComponent);
  const m = r.method;
  if (p[0] === 'user' && p[1] === 'tokens' && p[2] === 'verify' && p.length === 3 && m === 'GET') {
    return verifyToken(r.auth, 'user_token');
  }
  if (p[0] === 'accounts' && p.length >= 2) {
    if (p[1] !== s.accountId) return failure(403, 10000, 'Authentication error');
    if (p[2] === 'tokens' && p[3] === 'verify' && p.length === 4 && m === 'GET') {
      return verifyToken(r.auth, 'account_token');
    }
    if (p.length === 2 && m === 'GET') return ok(accountObject(s));
    if (p.length === 2 && m === 'PUT') return putAccount(s, b, r.body);
    if (p[2] === 'custom_ns') {
      if (!s.entitled) return failure(403, 1002, 'This feature is not enabled for your account.');
      if (p.length === 3 && m === 'GET') return listNs(s, b);
      if (p.length === 3 && m === 'POST') return createNs(s, b, r.body);
      if (p.length === 4 && m === 'DELETE') return deleteNs(s, p[3] as string);
    }
    if (p[2] === 'dns_settings' && p.length === 3) {
      if (m === 'GET') return ok(accountDnsSettings(s, b));
      if (m === 'PATCH') return patchAccountDns(s, b, r.body);
    }
  }
  if (p[0] === 'zones') {
    if (p.length === 1 && m === 'GET') return listZones(s, b, r.query);
    const zone = p[1] === undefined ? undefined : s.zones.find((z) => z.id === p[1]);
    if (p.length >= 2 && !zone) {
      // A well-formed id Cloudflare does not know has been seen as 9109 with 400, 403 and 404; 404
      // is the choice here. A malformed id has no route at all.
      if (b.unknownZone === '9109' && /^[0-9a-f]{32}$/.test(p[1] as string))
        return failure(404, 9109, 'Invalid zone identifier');
      return failure(404, 7003, `Could not route to /zones/${p[1]}, perhaps your object identifier is invalid?`);
    }
    if (zone && p.length === 2 && m === 'GET') return ok(zoneObject(s, b, zone));
    if (zone && p[2] === 'dns_settings' && p.length === 3) {
      if (m === 'GET') return ok(zoneDnsSettings(zone, b));
      if (m === 'PATCH') return patchZoneDns(s, b, zone, r.body);
    }
    if (zone && p[2] === 'custom_ns' && p.length === 3) {
      if (m === 'GET') return legacyZoneGet(zone, b);
      if (m === 'PUT') return legacyZonePut(s, b, zone, r.body);
    }
  }
  return failure(404, 7003, 'No route for the URI');
}

// --- tokens -------------------------------------------------------------------------------------

/** A token verifies only at its owner's endpoint; the other answers 401 (as Cloudflare's does). */
function verifyToken(auth: EmuAuth | undefined, owner: 'user_token' | 'account_token'): EmuResponse {
  if (auth?.kind !== owner) return failure(401, 1000, 'Invalid API Token');
  return ok({ id: tokenIdFor(auth.token), status: 'active' });
}

// --- custom nameservers -------------------------------------------------------------------------

function listNs(s: EmulatorState, b: EmulatorBehaviour): EmuResponse {
  const list = [...s.customNs].sort((x, y) => x.ns_set - y.ns_set || compareText(x.ns_name, y.ns_name)).map(nsObject);
  const info: Record<string, number> = {
    page: 1,
    per_page: Math.max(20, list.length),
    count: list.length,
    total_count: list.length,
  };
  if (b.resultInfoTotalPages) info.total_pages = 1;
  return b.customNsResultInfo ? ok(list, info) : ok(list);
}

function createNs(s: EmulatorState, b: EmulatorBehaviour, body: unknown): EmuResponse {
  const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof o.ns_name !== 'string' || !isHostname(o.ns_name))
    return failure(400, 1003, 'ns_name must be a valid hostname');
  const set = o.ns_set === undefined ? 1 : o.ns_set;
  if (typeof set !== 'number' || !Number.isInteger(set) || set < 1 || set > 5)
    return failure(400, 1004, 'ns_set must be an integer between 1 and 5');
  const name = o.ns_name.toLowerCase().replace(/\.$/, '');
  if (s.customNs.some((n) => n.ns_name === name)) return failure(400, 1005, `Nameserver ${name} already exists.`);
  if (s.customNs.filter((n) => n.ns_set === set).length >= 5)
    return failure(400, 1006, `Nameserver set ${set} already has 5 nameservers.`);
  const addr = b.addressFor(name);
  const ns = {
    ns_name: name,
    ns_set: set,
    ipv4: addr.ipv4,
    ipv6: addr.ipv6,
    status: 'verified',
    zone_tag: zoneIdFor(name.split('.').slice(-2).join('.')),
  };
  s.customNs.push(ns);
  return ok(nsObject(ns));
}

function deleteNs(s: EmulatorState, name: string): EmuResponse {
  const n = name.toLowerCase().replace(/\.$/, '');
  const i = s.customNs.findIndex((x) => x.ns_name === n);
  if (i < 0) return failure(404, 1007, `Nameserver ${n} not found.`);
  s.customNs.splice(i, 1);
  return ok([]);
}

function nsObject(n: EmulatorState['customNs'][number]): Record<string, unknown> {
  return {
    ns_name: n.ns_name,
    ns_set: n.ns_set,
    status: n.status,
    zone_tag: n.zone_tag,
    dns_records: [
      { type: 'A', value: n.ipv4 },
      { type: 'AAAA', value: n.ipv6 },
    ],
  };
}

// --- zones --------------------------------------------------------------------------------------

function listZones(s: EmulatorState, b: EmulatorBehaviour, q: URLSearchParams): EmuResponse {
  const page = q.has('page') ? Number(q.get('page')) : 1;
  const perPage = q.has('per_page') ? Number(q.get('per_page')) : 20;
  if (!Number.isInteger(page) || page < 1) return failure(400, 1004, 'page must be an integer ≥ 1');
  if (!Number.isInteger(perPage) || perPage < 5 || perPage > 50)
    return failure(400, 1004, 'per_page must be an integer between 5 and 50');
  const acct = q.get('account.id');
  let zones = acct !== null && acct !== s.accountId ? [] : [...s.zones];
  const name = q.get('name');
  if (name !== null) zones = zones.filter(nameFilter(name));
  const status = q.get('status');
  if (status !== null) zones = zones.filter((z) => z.status === status);
  zones.sort((x, y) => compareText(x.name, y.name));
  const slice = zones.slice((page - 1) * perPage, page * perPage);
  const info: Record<string, number> = { page, per_page: perPage, count: slice.length, total_count: zones.length };
  if (b.resultInfoTotalPages) info.total_pages = Math.max(1, Math.ceil(zones.length / perPage));
  return ok(
    slice.map((z) => zoneObject(s, b, z)),
    info,
  );
}

function nameFilter(f: string): (z: EmuZone) => boolean {
  const m = /^(equal|not_equal|starts_with|ends_with|contains):(.*)$/.exec(f);
  const op = m ? m[1] : 'equal';
  const v = (m ? (m[2] as string) : f).toLowerCase();
  return (z) =>
    op === 'equal'
      ? z.name === v
      : op === 'not_equal'
        ? z.name !== v
        : op === 'starts_with'
          ? z.name.startsWith(v)
          : op === 'ends_with'
            ? z.name.endsWith(v)
            : z.name.includes(v);
}

function zoneObject(s: EmulatorState, b: EmulatorBehaviour, z: EmuZone): Record<string, unknown> {
  const o: Record<string, unknown> = {
    id: z.id,
    name: z.name,
    status: z.status,
    paused: false,
    type: 'full',
    development_mode: 0,
    name_servers: cloudflareNameServers(z.id),
    original_name_servers: null,
    account: { id: s.accountId, name: s.accountName },
    meta: { foundation_dns: z.nameservers.type === 'cloudflare.advanced' },
    created_on: '2024-01-01T00:00:00Z',
    modified_on: '2024-01-01T00:00:00Z',
  };
  if (b.vanityNameServers && z.nameservers.type === 'custom.account') {
    const set = z.nameservers.ns_set ?? 1;
    o.vanity_name_servers = s.customNs
      .filter((n) => n.ns_set === set)
      .map((n) => n.ns_name)
      .sort(compareText);
  }
  return o;
}

function zoneDnsSettings(z: EmuZone, b: EmulatorBehaviour): Record<string, unknown> {
  const advanced = z.nameservers.type === 'cloudflare.advanced';
  return {
    ...settingsDefaults(),
    foundation_dns: advanced,
    nameservers:
      advanced && b.advancedShape === 'foundation_dns' ? { type: 'cloudflare.standard' } : { ...z.nameservers },
  };
}

function patchZoneDns(s: EmulatorState, b: EmulatorBehaviour, z: EmuZone, body: unknown): EmuResponse {
  const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const fdns = o.foundation_dns;
  if (fdns !== undefined && typeof fdns !== 'boolean') return failure(400, 1004, 'foundation_dns must be a boolean');
  const types = zoneTypes(b);
  let next: EmuNameserversSetting = { ...z.nameservers };
  let advanced = z.nameservers.type === 'cloudflare.advanced';
  if (o.nameservers !== undefined) {
    const ns = (o.nameservers ?? {}) as Record<string, unknown>;
    const type = ns.type ?? (advanced && b.advancedShape === 'foundation_dns' ? 'cloudflare.standard' : next.type);
    if (typeof type !== 'string' || !types.includes(type))
      return failure(400, 1004, `nameservers.type must be one of ${types.join(', ')}`);
    if (type === 'custom.account') {
      const set = ns.ns_set ?? 1;
      const err = checkSetUsable(s, set);
      if (err) return err;
      next = { type, ns_set: set as number };
    } else {
      next = { type };
    }
    // Before 2026 the advanced flag was separate from the type: a type alone leaves it as it was.
    if (b.advancedShape === 'current') advanced = type === 'cloudflare.advanced';
  }
  if (fdns !== undefined) advanced = fdns;
  // An advanced zone must be switched off advanced (to standard) before it takes custom nameservers:
  // one request naming a custom type is refused unless it also turns foundation_dns off.
  const wasAdvanced = z.nameservers.type === 'cloudflare.advanced';
  if (next.type.startsWith('custom.') && (advanced || (wasAdvanced && fdns !== false))) {
    if (b.documentedRules) return advancedAndCustom(z);
    advanced = false;
  }
  if (advanced) next = { type: 'cloudflare.advanced' };
  else if (next.type === 'cloudflare.advanced') next = { type: 'cloudflare.standard' };
  if (b.documentedRules && next.type === 'custom.account') {
    const err = hierarchyConflict(s, z, next.ns_set ?? 1);
    if (err) return err;
  }
  z.nameservers = next;
  return ok(zoneDnsSettings(z, b));
}

/** Advanced nameservers and custom nameservers cannot be combined; Cloudflare's code is not known. */
function advancedAndCustom(z: EmuZone): EmuResponse {
  return failure(
    400,
    1004,
    `Zone ${z.name} uses advanced nameservers (Foundation DNS), which cannot be combined with custom nameservers: ` +
      'set nameservers.type to cloudflare.standard first',
  );
}

/** A zone may not share a set with its parent, child or any zone in its direct hierarchy. */
function hierarchyConflict(s: EmulatorState, z: EmuZone, set: number): EmuResponse | undefined {
  const related = s.zones.find(
    (o) =>
      o !== z &&
      o.nameservers.type === 'custom.account' &&
      (o.nameservers.ns_set ?? 1) === set &&
      (o.name.endsWith(`.${z.name}`) || z.name.endsWith(`.${o.name}`)),
  );
  if (!related) return undefined;
  return failure(
    400,
    1004,
    `Zone ${z.name} cannot use nameserver set ${set}: ${related.name} is in its hierarchy and already uses it ` +
      '(a subdomain or reverse zone needs a different set than its parent and children)',
  );
}

function legacyZoneGet(z: EmuZone, b: EmulatorBehaviour): EmuResponse {
  const meta: Record<string, unknown> = { enabled: z.nameservers.type === 'custom.account' };
  if (z.nameservers.type === 'custom.account') meta.ns_set = z.nameservers.ns_set ?? 1;
  const body: Record<string, unknown> = { success: true, errors: [], messages: [] };
  if (b.legacyZoneGetShape !== 'top') body.result = meta;
  if (b.legacyZoneGetShape !== 'result') Object.assign(body, meta);
  return { status: 200, body };
}

function legacyZonePut(s: EmulatorState, b: EmulatorBehaviour, z: EmuZone, body: unknown): EmuResponse {
  const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') return failure(400, 1004, 'enabled must be a boolean');
  if (o.enabled === false) {
    z.nameservers = { type: 'cloudflare.standard' };
    return ok([]);
  }
  if (!s.entitled) return failure(403, 1002, 'This feature is not enabled for your account.');
  const set = o.ns_set ?? 1;
  const err = checkSetUsable(s, set);
  if (err) return err;
  if (b.documentedRules) {
    if (z.nameservers.type === 'cloudflare.advanced') return advancedAndCustom(z);
    const conflict = hierarchyConflict(s, z, set as number);
    if (conflict) return conflict;
  }
  z.nameservers = { type: 'custom.account', ns_set: set as number };
  return ok([]);
}

// --- account ------------------------------------------------------------------------------------

function accountObject(s: EmulatorState): Record<string, unknown> {
  return {
    id: s.accountId,
    name: s.accountName,
    type: s.plan === 'enterprise' ? 'enterprise' : 'standard',
    settings: {
      enforce_twofactor: false,
      abuse_contact_email: null,
      default_nameservers: LEGACY_DEFAULTS.has(s.accountDefault) ? s.accountDefault : 'cloudflare.standard',
      use_account_custom_ns_by_default: s.accountDefault === 'custom.account',
    },
    created_on: '2024-01-01T00:00:00Z',
  };
}

function putAccount(s: EmulatorState, b: EmulatorBehaviour, body: unknown): EmuResponse {
  const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name === '') return failure(400, 1004, 'name is required');
  const st = (o.settings ?? {}) as Record<string, unknown>;
  const dn = st.default_nameservers;
  if (dn !== undefined) {
    if (typeof dn !== 'string' || !LEGACY_DEFAULTS.has(dn))
      return failure(400, 1004, `settings.default_nameservers must be one of ${[...LEGACY_DEFAULTS].join(', ')}`);
    if (dn === 'custom.account' && !s.entitled)
      return failure(403, 1002, 'This feature is not enabled for your account.');
    if (dn !== s.accountDefault && b.documentedRules && s.plan !== 'enterprise') return enterpriseOnly();
    s.accountDefault = dn;
  } else if (typeof st.use_account_custom_ns_by_default === 'boolean') {
    const next = st.use_account_custom_ns_by_default ? 'custom.account' : 'cloudflare.standard';
    if (next !== s.accountDefault && b.documentedRules && s.plan !== 'enterprise') return enterpriseOnly();
    s.accountDefault = next;
  }
  s.accountName = o.name;
  return ok(accountObject(s));
}

function accountDnsSettings(s: EmulatorState, b: EmulatorBehaviour): Record<string, unknown> {
  const advanced = s.accountDefault === 'cloudflare.advanced';
  const type = advanced && b.advancedShape === 'foundation_dns' ? 'cloudflare.standard' : s.accountDefault;
  return {
    enforce_dns_only: false,
    zone_defaults: { ...settingsDefaults(), foundation_dns: advanced, nameservers: { type } },
  };
}

/** DNS zone defaults are an Enterprise option; the code and status Cloudflare uses are not known. */
function enterpriseOnly(): EmuResponse {
  return failure(403, 1004, 'DNS zone defaults are only available to Enterprise accounts.');
}

function patchAccountDns(s: EmulatorState, b: EmulatorBehaviour, body: unknown): EmuResponse {
  const type = (body as { zone_defaults?: { nameservers?: { type?: unknown } } } | null)?.zone_defaults?.nameservers
    ?.type;
  if (type !== undefined) {
    if (typeof type !== 'string' || !DEFAULT_TYPES.has(type))
      return failure(400, 1004, `zone_defaults.nameservers.type must be one of ${[...DEFAULT_TYPES].join(', ')}`);
    if (type === 'custom.account' && !s.entitled)
      return failure(403, 1002, 'This feature is not enabled for your account.');
    if (b.documentedRules && s.plan !== 'enterprise') return enterpriseOnly();
    s.accountDefault = type;
  }
  return ok(accountDnsSettings(s, b));
}

// --- helpers ------------------------------------------------------------------------------------

const ZONE_TYPES = ['cloudflare.standard', 'cloudflare.advanced', 'custom.account', 'custom.tenant', 'custom.zone'];

/** The zone nameserver types the API accepts; `cloudflare.advanced` only since 2026. */
function zoneTypes(b: EmulatorBehaviour): string[] {
  return b.advancedShape === 'current' ? ZONE_TYPES : ZONE_TYPES.filter((t) => t !== 'cloudflare.advanced');
}
const DEFAULT_TYPES = new Set([
  'cloudflare.standard',
  'cloudflare.advanced',
  'cloudflare.standard.random',
  'custom.account',
  'custom.tenant',
]);
const LEGACY_DEFAULTS = new Set(['cloudflare.standard', 'custom.account', 'custom.tenant']);
const CF_NS = ['ada', 'bob', 'cruz', 'dana', 'elle', 'fred', 'gina', 'hugo', 'iris', 'jack', 'kate', 'lola'];

function checkSetUsable(s: EmulatorState, set: unknown): EmuResponse | undefined {
  if (typeof set !== 'number' || !Number.isInteger(set) || set < 1 || set > 5)
    return failure(400, 1004, 'ns_set must be an integer between 1 and 5');
  if (!s.entitled) return failure(403, 1002, 'This feature is not enabled for your account.');
  if (s.customNs.filter((n) => n.ns_set === set).length < 2)
    return failure(400, 1001, "Custom Nameserver set doesn't exist");
  return undefined;
}

function settingsDefaults(): Record<string, unknown> {
  return {
    flatten_all_cnames: false,
    foundation_dns: false,
    internal_dns: {},
    multi_provider: false,
    ns_ttl: 86400,
    secondary_overrides: false,
    soa: {
      expire: 604800,
      min_ttl: 1800,
      mname: null,
      refresh: 10000,
      retry: 2400,
      rname: 'dns.cloudflare.com',
      ttl: 3600,
    },
    zone_mode: 'standard',
  };
}

/** The two branded Cloudflare nameservers a zone gets (deterministic from its id). */
export function cloudflareNameServers(zoneId: string): string[] {
  const a = parseInt(zoneId.slice(0, 4), 16) % CF_NS.length;
  const b = (a + 1 + (parseInt(zoneId.slice(4, 8), 16) % (CF_NS.length - 1))) % CF_NS.length;
  return [`${CF_NS[a]}.ns.cloudflare.com`, `${CF_NS[b]}.ns.cloudflare.com`];
}

function ok(result: unknown, resultInfo?: Record<string, number>): EmuResponse {
  const body: Record<string, unknown> = { success: true, errors: [], messages: [], result };
  if (resultInfo) body.result_info = resultInfo;
  return { status: 200, body };
}

function isHostname(n: string): boolean {
  const h = n.replace(/\.$/, '');
  return (
    h.length <= 253 && h.includes('.') && h.split('.').every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(l))
  );
}

export type { EmuNameserversSetting };
