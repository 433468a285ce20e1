/**
 * The live state: what the Cloudflare account holds, normalised (lower case, no trailing dots,
 * sorted) so that comparisons are exact. Plain data only; produced by state/read.ts.
 */
import type { LiveNameserver, ZoneNameservers } from '../cloudflare/types.js';
export interface LiveZone {
  name: string;
  id: string;
  nameservers: ZoneNameservers;
  /** The zone's own pair of Cloudflare nameservers, when the zone listing carried it. */
  cloudflareNs?: string[];
}

export interface LiveState {
  accountId: string;
  nameservers: LiveNameserver[]; // sorted by set, then name
  zones: LiveZone[]; // zones the file manages that exist in the account, sorted by name
  missingZones: string[]; // zones the file names that the account does not have, sorted
  /** Other zone names of the account when the run listed them (did-you-mean, hierarchy check). */
  accountZoneNames?: string[];
  /**
   * Every zone of the account (name and id) when this run listed them, so a later read of the same
   * run (the users of a set losing names) does not list the account again.
   */
  accountZones?: { name: string; id: string }[];
  /** Zones the file does not manage whose settings the run read anyway (hierarchy rule). */
  otherZones?: LiveZone[];
  accountDefault?: string; // only when the file manages it
  /** Sets whose users were read from every zone of the account (state/set-users.ts), not only the known ones. */
  usersReadFor?: number[];
}
