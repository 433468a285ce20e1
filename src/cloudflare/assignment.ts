/**
 * The two endpoint flavours behind one interface: "zone nameserver assignment" and "account
 * default". `dns_settings` uses the current API (PATCH /zones/{id}/dns_settings,
 * PATCH /accounts/{id}/dns_settings); `legacy` uses the seed's deprecated endpoints
 * (PUT /zones/{id}/custom_ns with {enabled, ns_set}; PUT /accounts/{id} settings.default_nameservers).
 * Both report normalised values.
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

/** Cloudflare's nameserver setting → the normalised form (`set` only for custom.account). */
export function normaliseZoneNameservers(ns: ep.NameserversSetting): ZoneNameservers {
  const type = ns.type.toLowerCase();
  if (type === 'custom.account') return { type, set: ns.ns_set ?? 1 };
  // Before `cloudflare.advanced` existed, an advanced zone read as standard with foundation_dns: true.
  if (type === 'cloudflare.standard' && ns.foundation_dns === true) return { type: 'cloudflare.advanced' };
  return { type };
}

function dnsSettingsAdapter(c: CloudflareClient, accountId: string): AssignmentAdapter {
  return {
    flavour: 'dns_settings',
    async getZone(zoneId) {
      return normaliseZoneNameservers(await ep.getZoneDnsSettings(c, zoneId));
    },
    async setZone(zoneId, ns) {
      const body: ep.NameserversSetting =
        ns.type === 'custom.account' ? { type: ns.type, ns_set: ns.set ?? 1 } : { type: ns.type };
      await ep.patchZoneDnsSettings(c, zoneId, body);
    },
    async getAccountDefault() {
      const ns = await ep.getAccountDnsSettings(c, accountId);
      return (ns?.type ?? 'cloudflare.standard').toLowerCase();
    },
    async setAccountDefault(value) {
      await ep.patchAccountDnsSettings(c, accountId, value);
    },
  };
}

const LEGACY_DEFAULTS = new Set(['cloudflare.standard', 'custom.account', 'custom.tenant']);

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
    async getAccountDefault() {
      const a = await ep.getAccount(c, accountId);
      const dn = a.settings.default_nameservers;
      if (typeof dn === 'string' && dn !== '') return dn.toLowerCase();
      return a.settings.use_account_custom_ns_by_default === true ? 'custom.account' : 'cloudflare.standard';
    },
    async setAccountDefault(value) {
      if (!LEGACY_DEFAULTS.has(value)) throw new UnsupportedByEndpointError(`account default "${value}"`);
      // PUT replaces the account: send back what was read, changing only the default.
      const a = await ep.getAccount(c, accountId);
      const settings: Record<string, unknown> = { ...a.settings, default_nameservers: value };
      delete settings.use_account_custom_ns_by_default;
      await ep.putAccount(c, accountId, { ...a, settings });
    },
  };
}
