/**
 * The two endpoint flavours behind one interface: "zone nameserver assignment" and "account
 * default". `dns_settings` uses the current API (PATCH /zones/{id}/dns_settings,
 * PATCH /accounts/{id}/dns_settings); `legacy` uses the deprecated zone endpoint
 * (PUT /zones/{id}/custom_ns with {enabled, ns_set}). Both report normalised values.
 *
 * The account default goes through /accounts/{id}/dns_settings in both flavours: the old
 * `settings.default_nameservers` / `use_account_custom_ns_by_default` fields of PUT /accounts/{id}
 * were deprecated in favour of DNS settings in November 2024 and dropped from Cloudflare's API
 * schema (and SDK types) in May 2025, so a write there may be ignored while answering success.
 */
import type { EndpointFlavour } from '../config/types.js';
import type { ZoneNameservers } from './types.js';
import { AcnsError } from '../errors.js';
import type { CloudflareClient } from './client.js';
import * as ep from './endpoints.js';

export interface AssignmentAdapter {
  readonly flavour: EndpointFlavour;
  getZone(zoneId: string): Promise<ZoneNameservers>;
  setZone(zoneId: string, ns: ZoneNameservers): Promise<void>;
  getAccountDefault(): Promise<string>;
  setAccountDefault(value: string): Promise<void>;
}

/** A value the chosen endpoint flavour cannot express. */
export class UnsupportedByEndpointError extends AcnsError {
  constructor(what: string) {
    super('cloudflare_unsupported', `${what} cannot be set through the legacy endpoints`, {
      hint: 'set cloudflare.endpoints: dns_settings in the desired-state file',
    });
    this.name = 'UnsupportedByEndpointError';
  }
}

export function createAssignmentAdapter(
  flavour: EndpointFlavour,
  c: CloudflareClient,
  accountId: string,
): AssignmentAdapter {
  return flavour === 'legacy' ? legacyAdapter(c, accountId) : dnsSettingsAdapter(c, accountId);
}

/**
 * Cloudflare's nameserver setting → the normalised form (`set` only for custom.account). An
 * advanced (Foundation DNS) zone may be reported only by the deprecated `foundation_dns: true` next
 * to `cloudflare.standard`: it is advanced all the same.
 */
export function normaliseZoneNameservers(ns: ep.NameserversSetting, foundationDns = false): ZoneNameservers {
  const type = ns.type.toLowerCase();
  if (type === 'custom.account') return { type, set: ns.ns_set ?? 1 };
  if (foundationDns && type.startsWith('cloudflare.')) return { type: 'cloudflare.advanced' };
  return { type };
}

function dnsSettingsAdapter(c: CloudflareClient, accountId: string): AssignmentAdapter {
  return {
    flavour: 'dns_settings',
    async getZone(zoneId) {
      const s = await ep.getZoneDnsSettings(c, zoneId);
      return normaliseZoneNameservers(s.nameservers, s.foundationDns);
    },
    async setZone(zoneId, ns) {
      const body: ep.NameserversSetting =
        ns.type === 'custom.account' ? { type: ns.type, ns_set: ns.set ?? 1 } : { type: ns.type };
      await ep.patchZoneDnsSettings(c, zoneId, body);
    },
    ...accountDefault(c, accountId),
  };
}

function accountDefault(
  c: CloudflareClient,
  accountId: string,
): Pick<AssignmentAdapter, 'getAccountDefault' | 'setAccountDefault'> {
  return {
    async getAccountDefault() {
      const ns = await ep.getAccountDnsSettings(c, accountId);
      return (ns?.type ?? 'cloudflare.standard').toLowerCase();
    },
    async setAccountDefault(value) {
      await ep.patchAccountDnsSettings(c, accountId, value);
    },
  };
}

function legacyAdapter(c: CloudflareClient, accountId: string): AssignmentAdapter {
  return {
    flavour: 'legacy',
    async getZone(zoneId) {
      const r = await ep.getLegacyZoneCustomNs(c, zoneId);
      return r.enabled ? { type: 'custom.account', set: r.ns_set ?? 1 } : { type: 'cloudflare.standard' };
    },
    async setZone(zoneId, ns) {
      if (ns.type === 'custom.account')
        return ep.putLegacyZoneCustomNs(c, zoneId, { enabled: true, ns_set: ns.set ?? 1 });
      if (ns.type === 'cloudflare.standard') return ep.putLegacyZoneCustomNs(c, zoneId, { enabled: false });
      throw new UnsupportedByEndpointError(`zone nameservers "${ns.type}"`);
    },
    ...accountDefault(c, accountId),
  };
}
