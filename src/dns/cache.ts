/**
 * What the checks of one run share, so referrals, resolved server names and "is this server
 * authoritative" answers are learned once for many sets and zones.
 */
import type { DnsResponse, ServerAddress } from './client.js';

/**
 * What the checks of one run learn and share: servers of zones (from referrals), the NS names of
 * those zones, addresses of server names resolved without glue, whether a server answers
 * authoritatively for a zone, and (for reads done once per run) parent servers' NS answers. Only
 * answers are cached, never timeouts, so one check that ran out of time does not poison the next.
 */
export class DnsCache {
  readonly zones: Map<string, ServerAddress[]>;
  readonly zoneNs = new Map<string, string[]>();
  readonly hosts = new Map<string, string[]>();
  /** `${server}|${zone}` → undefined (authoritative) or why not. */
  readonly authority = new Map<string, string | undefined>();
  /** The same question in flight: asked once, awaited by all. */
  readonly pendingAuthority = new Map<string, Promise<string | undefined>>();
  /**
   * `${server}|${zone}|udp or tcp|${udpPayloadSize}` → a parent server's answer to `<zone> NS`, in
   * flight or received, for the checks that read a delegation once per run (a zone's delegation and
   * then its referral).
   * Failed queries are dropped so the next check asks again.
   */
  readonly nsAnswers = new Map<string, Promise<DnsResponse>>();

  constructor(zones?: Map<string, ServerAddress[]>) {
    this.zones = zones ?? new Map();
  }
}

const wrapped = new WeakMap<Map<string, ServerAddress[]>, DnsCache>();

/**
 * A DnsCache from what callers pass: a cache, a plain zone → servers map (older callers; the same
 * map always gets the same cache, so they share everything else too), or nothing (a fresh one).
 */
export function toCache(cache?: DnsCache | Map<string, ServerAddress[]>): DnsCache {
  if (cache instanceof DnsCache) return cache;
  if (!cache) return new DnsCache();
  let c = wrapped.get(cache);
  if (!c) {
    c = new DnsCache(cache);
    wrapped.set(cache, c);
  }
  return c;
}
