/**
 * The account API the rest of acns talks to: typed, normalised operations over the Cloudflare
 * endpoints, independent of which endpoint flavour (dns_settings or legacy) carries them.
 * Implemented in cloudflare/account.ts on top of the HTTP client; state/ and apply/ use only this.
 */
import type { EndpointFlavour } from '../config/types.js';
import type { LiveNameserver, ZoneNameservers } from './types.js';

export interface ZoneRef {
  id: string;
  name: string; // normalised
  /** The zone's own pair of Cloudflare nameservers (`name_servers`), when the listing carried it. */
  nameServers?: string[];
}

export interface ResolvedZones {
  found: ZoneRef[]; // sorted by name
  missing: string[]; // names asked for that the account does not have
  /** All zone names of the account when resolution listed the whole account (did-you-mean). */
  allNames?: string[];
  /** The same zones with their ids (so related zones need no second lookup). */
  all?: ZoneRef[];
}

export interface ResolveOptions {
  /** Called once per wanted zone as soon as a page or lookup names it (before resolution ends). */
  onFound?: (z: ZoneRef) => void;
}

export interface AccountApi {
  readonly accountId: string;
  readonly endpoints: EndpointFlavour;
  listNameservers(): Promise<LiveNameserver[]>;
  /**
   * Creates a name; after a lost response or a duplicate error it reads back and returns the live
   * object — with `alreadyExisted` when Cloudflare answered that it exists (someone else made it).
   */
  createNameserver(name: string, set: number): Promise<LiveNameserver & { alreadyExisted?: true }>;
  deleteNameserver(name: string): Promise<void>;
  resolveZones(names: string[], opts?: ResolveOptions): Promise<ResolvedZones>;
  /** Every zone of the account; `onPage` sees each page's zones as it arrives. */
  listAllZones(opts?: { onPage?: (zones: ZoneRef[]) => void }): Promise<ZoneRef[]>;
  /** Zones of the account below `zone` (names ending in ".zone"), with one filtered listing. */
  listZonesBelow(zone: string): Promise<ZoneRef[]>;
  getZoneNameservers(zoneId: string): Promise<ZoneNameservers>;
  setZoneNameservers(zoneId: string, ns: ZoneNameservers): Promise<void>;
  getAccountDefault(): Promise<string>;
  setAccountDefault(value: string): Promise<void>;
}
