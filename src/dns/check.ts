/**
 * What every bounded DNS check takes (servers, timeouts, the overall bounds, the run's cache) and the
 * query options one check derives from it: one definition for the glue, delegation and referral checks.
 */
import type { ServerAddress } from './client.js';
import { DEFAULT_STAGGER_MS, QueryBudget } from './budget.js';
import { type DnsCache, toCache } from './cache.js';
import type { DiscoveryOptions } from './discover.js';
import type { ParentQueryOptions } from './parent.js';

export interface DnsCheckOptions {
  rootServers: string[]; // empty → IANA's root servers
  parentServers: string[]; // non-empty → skip discovery
  port: number; // port of servers learned from referrals and of bare IPs
  timeoutMs?: number; // per attempt; default 2000
  retries?: number; // default 1
  signal?: AbortSignal;
  /** Overall bound of one check; default 10 s. Past it the check is could-not-verify. */
  deadlineMs?: number;
  /** DNS queries one check may send; default 500. */
  maxQueries?: number;
  /** Delay before the next server of a level is asked while earlier ones are silent; default 250 ms. */
  staggerMs?: number;
  /** What a run's checks share (referrals, resolved server names, authority answers). */
  cache?: DnsCache | Map<string, ServerAddress[]>;
  /**
   * Reuse the run cache's answers of parent servers to `<zone> NS`: for reads done once per run (a
   * zone's delegation, then its referral), never for a check repeated until something changes.
   */
  shareNsAnswers?: boolean;
  /** Zones in the Cloudflare account: a parent zone among them is changed by editing it in Cloudflare. */
  cloudflareZones?: string[];
}

/** The budget of one check, the query options its parent queries use, and how it finds a parent. */
export function startCheck(opts: DnsCheckOptions & { udpPayloadSize?: number }): {
  budget: QueryBudget;
  cache: DnsCache;
  q: ParentQueryOptions;
  discovery: DiscoveryOptions;
} {
  const budget = new QueryBudget({ deadlineMs: opts.deadlineMs, maxQueries: opts.maxQueries, signal: opts.signal });
  const cache = toCache(opts.cache);
  const q: ParentQueryOptions = {
    timeoutMs: opts.timeoutMs ?? 2000,
    retries: opts.retries ?? 1,
    ...(opts.udpPayloadSize !== undefined ? { udpPayloadSize: opts.udpPayloadSize } : {}),
    signal: budget.signal,
    budget,
    cache,
    ...(opts.shareNsAnswers ? { shareNsAnswers: true } : {}),
  };
  const discovery: DiscoveryOptions = {
    rootServers: opts.rootServers,
    port: opts.port,
    timeoutMs: q.timeoutMs,
    retries: q.retries,
    udpPayloadSize: q.udpPayloadSize,
    budget,
    cache,
    staggerMs: opts.staggerMs ?? DEFAULT_STAGGER_MS,
  };
  return { budget, cache, q, discovery };
}
