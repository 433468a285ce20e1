/**
 * Typed Cloudflare endpoints: one function per call, each building its path once and checking the
 * fields acns relies on (a missing required field is a ResponseShapeError naming the endpoint;
 * unknown fields are ignored). Values are returned as Cloudflare spells them; account.ts normalises.
 */
import type { CloudflareClient } from './client.js';
import { ResponseShapeError } from './errors.js';

export interface DnsRecord {
  type: string;
  value: string;
}

export interface CustomNsRecord {
  ns_name: string;
  ns_set: number; // 1 when Cloudflare omits it
  dns_records: DnsRecord[];
}

export interface ZoneRecord {
  id: string;
  name: string;
  status?: string;
  name_servers?: string[];
  vanity_name_servers?: string[];
}

export interface ZonePage {
  zones: ZoneRecord[];
  page: number;
  perPage: number;
  totalCount: number;
  totalPages: number;
}

export interface NameserversSetting {
  type: string;
  ns_set?: number;
  /** Zone reads only: the deprecated advanced (Foundation DNS) flag, still the only sign of it on some accounts. */
  foundation_dns?: boolean;
}

export interface LegacyZoneCustomNs {
  enabled: boolean;
  ns_set?: number;
}

export interface AccountRecord {
  id: string;
  name: string;
  type?: string;
  settings: Record<string, unknown>;
}

/** Cloudflare's largest page for GET /zones. */
export const ZONES_MAX_PER_PAGE = 50;

// --- account custom nameservers ---------------------------------------------------------------

export async function listCustomNs(c: CloudflareClient, accountId: string): Promise<CustomNsRecord[]> {
  const ep = 'GET /accounts/{account_id}/custom_ns';
  const r = await c.request<unknown>('GET', `/accounts/${enc(accountId)}/custom_ns`);
  return asArray(r.result, ep).map((x) => customNs(x, ep));
}

export async function createCustomNs(
  c: CloudflareClient,
  accountId: string,
  name: string,
  set: number,
): Promise<CustomNsRecord> {
  const r = await c.request<unknown>('POST', `/accounts/${enc(accountId)}/custom_ns`, {
    body: { ns_name: name, ns_set: set },
  });
  return customNs(r.result, 'POST /accounts/{account_id}/custom_ns');
}

/** The path id of a custom nameserver is its `ns_name`. */
export async function deleteCustomNs(c: CloudflareClient, accountId: string, name: string): Promise<void> {
  await c.request('DELETE', `/accounts/${enc(accountId)}/custom_ns/${enc(name)}`);
}

// --- zones --------------------------------------------------------------------------------------

export async function listZonesPage(
  c: CloudflareClient,
  q: { accountId: string; name?: string; page: number; perPage: number },
): Promise<ZonePage> {
  const ep = 'GET /zones';
  const r = await c.request<unknown>('GET', '/zones', {
    query: { 'account.id': q.accountId, name: q.name, page: q.page, per_page: q.perPage },
  });
  const zones = asArray(r.result, ep).map((z) => zone(z, ep));
  const ri = r.resultInfo ?? {};
  const perPage = num(ri.per_page) ?? q.perPage;
  const totalCount = num(ri.total_count) ?? (q.page === 1 && zones.length < perPage ? zones.length : undefined);
  if (totalCount === undefined) throw new ResponseShapeError(ep, 'result_info.total_count is missing');
  const totalPages = num(ri.total_pages) ?? Math.max(1, Math.ceil(totalCount / perPage));
  return { zones, page: num(ri.page) ?? q.page, perPage, totalCount, totalPages };
}

export async function getZone(c: CloudflareClient, zoneId: string): Promise<ZoneRecord> {
  const r = await c.request<unknown>('GET', `/zones/${enc(zoneId)}`);
  return zone(r.result, 'GET /zones/{zone_id}');
}

// --- zone nameserver assignment -----------------------------------------------------------------

export async function getZoneDnsSettings(c: CloudflareClient, zoneId: string): Promise<NameserversSetting> {
  const ep = 'GET /zones/{zone_id}/dns_settings';
  const r = await c.request<unknown>('GET', `/zones/${enc(zoneId)}/dns_settings`);
  const result = obj(r.result, ep, 'result');
  const ns = nameservers(result.nameservers, ep, 'result.nameservers');
  return result.foundation_dns === true ? { ...ns, foundation_dns: true } : ns;
}

export async function patchZoneDnsSettings(c: CloudflareClient, zoneId: string, ns: NameserversSetting): Promise<void> {
  await c.request('PATCH', `/zones/${enc(zoneId)}/dns_settings`, { body: { nameservers: ns } });
}

/** Deprecated GET /zones/{id}/custom_ns: `enabled`/`ns_set` at the top level or inside `result`. */
export async function getLegacyZoneCustomNs(c: CloudflareClient, zoneId: string): Promise<LegacyZoneCustomNs> {
  const ep = 'GET /zones/{zone_id}/custom_ns';
  const r = await c.request<unknown>('GET', `/zones/${enc(zoneId)}/custom_ns`);
  const inner =
    typeof r.result === 'object' && r.result !== null && !Array.isArray(r.result)
      ? (r.result as Record<string, unknown>)
      : {};
  const enabled = typeof r.body.enabled === 'boolean' ? r.body.enabled : inner.enabled;
  const set = num(r.body.ns_set) ?? num(inner.ns_set);
  if (typeof enabled !== 'boolean')
    throw new ResponseShapeError(ep, '"enabled" is missing (looked at the top level and in result)');
  return set === undefined ? { enabled } : { enabled, ns_set: set };
}

export async function putLegacyZoneCustomNs(
  c: CloudflareClient,
  zoneId: string,
  body: LegacyZoneCustomNs,
): Promise<void> {
  await c.request('PUT', `/zones/${enc(zoneId)}/custom_ns`, { body });
}

// --- account default ----------------------------------------------------------------------------

export async function getAccountDnsSettings(
  c: CloudflareClient,
  accountId: string,
): Promise<NameserversSetting | undefined> {
  const ep = 'GET /accounts/{account_id}/dns_settings';
  const r = await c.request<unknown>('GET', `/accounts/${enc(accountId)}/dns_settings`);
  const zd = obj(r.result, ep, 'result').zone_defaults;
  if (zd === undefined || zd === null) return undefined;
  const ns = obj(zd, ep, 'result.zone_defaults').nameservers;
  return ns === undefined || ns === null ? undefined : nameservers(ns, ep, 'result.zone_defaults.nameservers');
}

export async function patchAccountDnsSettings(c: CloudflareClient, accountId: string, type: string): Promise<void> {
  await c.request('PATCH', `/accounts/${enc(accountId)}/dns_settings`, {
    body: { zone_defaults: { nameservers: { type } } },
  });
}

export async function getAccount(c: CloudflareClient, accountId: string): Promise<AccountRecord> {
  const ep = 'GET /accounts/{account_id}';
  const r = await c.request<unknown>('GET', `/accounts/${enc(accountId)}`);
  const a = obj(r.result, ep, 'result');
  const out: AccountRecord = { id: str(a.id, ep, 'result.id'), name: str(a.name, ep, 'result.name'), settings: {} };
  if (typeof a.type === 'string') out.type = a.type;
  if (typeof a.settings === 'object' && a.settings !== null) out.settings = a.settings as Record<string, unknown>;
  return out;
}

export async function putAccount(c: CloudflareClient, accountId: string, body: AccountRecord): Promise<void> {
  await c.request('PUT', `/accounts/${enc(accountId)}`, { body });
}

// --- shape checks -------------------------------------------------------------------------------

function customNs(x: unknown, ep: string): CustomNsRecord {
  const o = obj(x, ep, 'result item');
  const recs = Array.isArray(o.dns_records) ? o.dns_records : [];
  return {
    ns_name: str(o.ns_name, ep, 'ns_name'),
    ns_set: num(o.ns_set) ?? 1,
    dns_records: recs
      .filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null)
      .filter((r) => typeof r.type === 'string' && typeof r.value === 'string')
      .map((r) => ({ type: r.type as string, value: r.value as string })),
  };
}

function zone(x: unknown, ep: string): ZoneRecord {
  const o = obj(x, ep, 'zone');
  const z: ZoneRecord = { id: str(o.id, ep, 'zone id'), name: str(o.name, ep, 'zone name') };
  if (typeof o.status === 'string') z.status = o.status;
  if (Array.isArray(o.name_servers)) z.name_servers = o.name_servers.filter((s): s is string => typeof s === 'string');
  if (Array.isArray(o.vanity_name_servers))
    z.vanity_name_servers = o.vanity_name_servers.filter((s): s is string => typeof s === 'string');
  return z;
}

function nameservers(x: unknown, ep: string, field: string): NameserversSetting {
  const o = obj(x, ep, field);
  const type = str(o.type, ep, `${field}.type`);
  const set = num(o.ns_set);
  return set === undefined ? { type } : { type, ns_set: set };
}

function obj(x: unknown, ep: string, field: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x))
    throw new ResponseShapeError(ep, `"${field}" is missing or not an object`);
  return x as Record<string, unknown>;
}

function asArray(x: unknown, ep: string): unknown[] {
  if (!Array.isArray(x)) throw new ResponseShapeError(ep, '"result" is not a list');
  return x;
}

function str(x: unknown, ep: string, field: string): string {
  if (typeof x !== 'string' || x === '') throw new ResponseShapeError(ep, `"${field}" is missing`);
  return x;
}

function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
