/**
 * Cloudflare's JSON as acns sends and reads it: the request bodies it sends and the response
 * fields it relies on (everything else is ignored). Types only. A contract test checks them field
 * by field against the types of Cloudflare's own TypeScript SDK, so a schema change shows up when
 * the SDK is upgraded.
 */

// --- responses ----------------------------------------------------------------------------------

export interface WireDnsRecord {
  type?: string;
  value?: string;
}

/** An item of GET /accounts/{account_id}/custom_ns, and the result of its POST. */
export interface WireCustomNs {
  ns_name: string;
  ns_set?: number; // 1 when omitted
  dns_records: WireDnsRecord[];
}

export interface WireResultInfo {
  count?: number;
  page?: number;
  per_page?: number;
  total_count?: number;
  total_pages?: number;
}

/** An item of GET /zones. */
export interface WireZone {
  id: string;
  name: string;
  status?: string;
  name_servers?: string[];
  vanity_name_servers?: string[];
}

export interface WireZoneNameservers {
  type: string;
  ns_set?: number;
}

/** The result of GET/PATCH /zones/{zone_id}/dns_settings (the fields acns reads). */
export interface WireZoneDnsSettings {
  nameservers: WireZoneNameservers;
  /** Deprecated: true on an advanced (Foundation DNS) zone that may still say cloudflare.standard. */
  foundation_dns?: boolean;
}

/** The result of GET/PATCH /accounts/{account_id}/dns_settings (the fields acns reads). */
export interface WireAccountDnsSettings {
  zone_defaults?: { nameservers?: { type: string } };
}

/** Deprecated GET /zones/{zone_id}/custom_ns: the fields sit beside `result`, not in it. */
export interface WireLegacyZoneCustomNs {
  enabled?: boolean;
  ns_set?: number;
}

/** The result of GET /user/tokens/verify and GET /accounts/{account_id}/tokens/verify. */
export interface WireTokenVerify {
  id: string;
  status: string; // active, disabled or expired
  expires_on?: string;
  not_before?: string;
}

/** The result of GET /accounts/{account_id} (the fields acns reads). */
export interface WireAccount {
  id: string;
  name: string;
  type?: string; // standard or enterprise
}

// --- requests -----------------------------------------------------------------------------------

export type WireZoneNameserverType =
  | 'cloudflare.standard'
  | 'cloudflare.advanced'
  | 'custom.account'
  | 'custom.tenant'
  | 'custom.zone';

export type WireAccountDefaultType =
  | 'cloudflare.standard'
  | 'cloudflare.advanced'
  | 'cloudflare.standard.random'
  | 'custom.account'
  | 'custom.tenant';

/** POST /accounts/{account_id}/custom_ns */
export interface WireCreateCustomNs {
  ns_name: string;
  ns_set: number;
}

/** PATCH /zones/{zone_id}/dns_settings */
export interface WirePatchZoneDnsSettings {
  nameservers: { type: WireZoneNameserverType; ns_set?: number };
}

/** PATCH /accounts/{account_id}/dns_settings */
export interface WirePatchAccountDnsSettings {
  zone_defaults: { nameservers: { type: WireAccountDefaultType } };
}

/** Deprecated PUT /zones/{zone_id}/custom_ns */
export interface WirePutLegacyZoneCustomNs {
  enabled: boolean;
  ns_set?: number;
}

/** The query of GET /zones. */
export interface WireZonesQuery {
  'account.id': string;
  name?: string;
  page: number;
  per_page: number;
}
