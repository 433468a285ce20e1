/**
 * Typed Cloudflare endpoints: one function per call, each building its path once and checking the
 * fields acns relies on (a missing required field is a ResponseShapeError naming the endpoint;
 * unknown fields are ignored). Values are returned as Cloudflare spells them; account.ts normalises.
 * Where Cloudflare's SDKs accept an answer without `result` (lists, writes), so does acns.
 */
import type { CloudflareClient } from './client.js';
import { ResponseShapeError } from './errors.js';
import type {
  WireAccount,
  WireAccountDefaultType,
  WireCreateCustomNs,
  WireLegacyZoneCustomNs,
  WirePatchAccountDnsSettings,
  WirePatchZoneDnsSettings,
  WirePutLegacyZoneCustomNs,
  WireZone,
  WireZoneNameservers,
  WireZoneNameserverType,
  WireTokenVerify,
  WireZonesQuery,
} from './wire.js';

export interface DnsRecord {
  type: string;
  value: string;
}

export interface CustomNsRecord {
  ns_name: string;
  ns_set: number; // 1 when Cloudflare omits it
  dns_records: DnsRecord[];
}

export type ZoneRecord = WireZone;

export interface ZonePage {
  zones: ZoneRecord[];
  page: number;
  /** The page size the server used (result_info.per_page, else the one asked for). */
  perPage: number;
  /** What result_info.total_count claims: a hint for fetching pages in parallel, never trusted alone. */
  totalCount?: number;
}

export type NameserversSetting = WireZoneNameservers;

/** A zone's dns_settings as acns reads them. */
export interface ZoneDnsSettings {
  nameservers: NameserversSetting;
  foundationDns: boolean;
}

export type LegacyZoneCustomNs = WirePutLegacyZoneCustomNs;

/** Cloudflare's largest page for GET /zones. */
export const ZONES_MAX_PER_PAGE = 50;

// --- credentials and account ------------------------------------------------------------------

/** Who owns an API token: a user (My Profile → API Tokens) or an account (Manage Account → API Tokens). */
export type TokenOwner = 'user' | 'account';

export interface TokenStatus {
  id: string;
  /** active, disabled or expired */
  status: string;
  expiresOn?: string;
  notBefore?: string;
}

/**
 * Checks the API token itself: GET /user/tokens/verify for a user's token,
 * GET /accounts/{account_id}/tokens/verify for an account's (the other answers 401).
 */
export async function verifyToken(c: CloudflareClient, owner: TokenOwner, accountId: string): Promise<TokenStatus> {
  const path = owner === 'user' ? '/user/tokens/verify' : `/accounts/${enc(accountId)}/tokens/verify`;
  const ep = owner === 'user' ? 'GET /user/tokens/verify' : 'GET /accounts/{account_id}/tokens/verify';
  const r = await c.request<unknown>('GET', path);
  const o = obj(r.result, ep, 'result') as Partial<Record<keyof WireTokenVerify, unknown>>;
  const out: TokenStatus = { id: str(o.id, ep, 'result.id'), status: str(o.status, ep, 'result.status') };
  if (typeof o.expires_on === 'string') out.expiresOn = o.expires_on;
  if (typeof o.not_before === 'string') out.notBefore = o.not_before;
  return out;
}

export interface AccountRecord {
  id: string;
  name: string;
  type?: string;
}

export async function getAccount(c: CloudflareClient, accountId: string): Promise<AccountRecord> {
  const ep = 'GET /accounts/{account_id}';
  const r = await c.request<unknown>('GET', `/accounts/${enc(accountId)}`);
  const o = obj(r.result, ep, 'result') as Partial<Record<keyof WireAccount, unknown>>;
  const out: AccountRecord = { id: str(o.id, ep, 'result.id'), name: str(o.name, ep, 'result.name') };
  if (typeof o.type === 'string') out.type = o.type;
  return out;
}

// --- account custom nameservers ---------------------------------------------------------------

/** The whole list; `result_info.total_count`, when present, must match what came back. */
export async function listCustomNs(c: CloudflareClient, accountId: string): Promise<CustomNsRecord[]> {
  const ep = 'GET /accounts/{account_id}/custom_ns';
  const r = await c.request<unknown>('GET', `/accounts/${enc(accountId)}/custom_ns`);
  const list = r.result === undefined || r.result === null ? [] : asArray(r.result, ep);
  const total = num(r.resultInfo?.total_count);
  if (total !== undefined && total !== list.length) {
    throw new ResponseShapeError(
      ep,
      `the answer holds ${list.length} nameservers but result_info.total_count says ${total}; ` +
        'acns does not plan from part of the list',
    );
  }
  return list.map((x) => customNs(x, ep));
}

export async function createCustomNs(
  c: CloudflareClient,
  accountId: string,
  name: string,
  set: number,
): Promise<CustomNsRecord> {
  const body: WireCreateCustomNs = { ns_name: name, ns_set: set };
  const r = await c.request<unknown>('POST', `/accounts/${enc(accountId)}/custom_ns`, { body });
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
  const query: WireZonesQuery = { 'account.id': q.accountId, page: q.page, per_page: q.perPage };
  if (q.name !== undefined) query.name = q.name;
  const r = await c.request<unknown>('GET', '/zones', {
    query: { 'account.id': query['account.id'], name: query.name, page: query.page, per_page: query.per_page },
  });
  const zones = r.result === undefined || r.result === null ? [] : asArray(r.result, ep).map((z) => zone(z, ep));
  const ri = r.resultInfo ?? {};
  const page: ZonePage = { zones, page: num(ri.page) ?? q.page, perPage: num(ri.per_page) ?? q.perPage };
  const total = num(ri.total_count);
  if (total !== undefined) page.totalCount = total;
  return page;
}

// --- zone nameserver assignment -----------------------------------------------------------------

export async function getZoneDnsSettings(c: CloudflareClient, zoneId: string): Promise<ZoneDnsSettings> {
  const ep = 'GET /zones/{zone_id}/dns_settings';
  const r = await c.request<unknown>('GET', `/zones/${enc(zoneId)}/dns_settings`);
  const result = obj(r.result, ep, 'result');
  return {
    nameservers: nameservers(result.nameservers, ep, 'result.nameservers'),
    foundationDns: result.foundation_dns === true,
  };
}

export async function patchZoneDnsSettings(c: CloudflareClient, zoneId: string, ns: NameserversSetting): Promise<void> {
  const type = ns.type as WireZoneNameserverType;
  const body: WirePatchZoneDnsSettings = {
    nameservers: ns.ns_set === undefined ? { type } : { type, ns_set: ns.ns_set },
  };
  await c.request('PATCH', `/zones/${enc(zoneId)}/dns_settings`, { body });
}

/** Deprecated GET /zones/{id}/custom_ns: `enabled`/`ns_set` at the top level (as specified) or in `result`. */
export async function getLegacyZoneCustomNs(c: CloudflareClient, zoneId: string): Promise<LegacyZoneCustomNs> {
  const ep = 'GET /zones/{zone_id}/custom_ns';
  const r = await c.request<unknown>('GET', `/zones/${enc(zoneId)}/custom_ns`);
  const top = r.body as WireLegacyZoneCustomNs;
  const inner =
    typeof r.result === 'object' && r.result !== null && !Array.isArray(r.result)
      ? (r.result as Record<string, unknown>)
      : {};
  const enabled = typeof top.enabled === 'boolean' ? top.enabled : inner.enabled;
  const set = num(top.ns_set) ?? num(inner.ns_set);
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
  const body: WirePatchAccountDnsSettings = {
    zone_defaults: { nameservers: { type: type as WireAccountDefaultType } },
  };
  await c.request('PATCH', `/accounts/${enc(accountId)}/dns_settings`, { body });
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
