/**
 * Delegation check: which NS does the parent zone delegate a zone to?
 * Used by plan/apply/drift for "next step at your registrar" and for the guard before a zone goes
 * back to Cloudflare's standard nameservers. The whole call is bounded, so unreachable DNS
 * never stalls a plan: it ends as `unknown`.
 */
import { setMaxListeners } from 'node:events';
import type { QueryOptions, ServerAddress } from './client.js';
import { discoverParent, parseServers, type DiscoveryOptions } from './discover.js';
import { normName, parentName } from './names.js';
import { askParent } from './parent.js';

export interface DelegationResult {
  zone: string;
  status: 'delegated' | 'elsewhere' | 'unknown';
  nameservers: string[]; // the NS the parent delegates the zone to (union over answering servers, sorted)
  detail: string; // human explanation
}

export interface DelegationOptions {
  rootServers: string[];
  parentServers: string[];
  port: number;
  timeoutMs?: number;
  retries?: number;
  signal?: AbortSignal;
  /** Bound for the whole call; default 3 × timeout × attempts. */
  deadlineMs?: number;
  /** Shared discovery cache (zone → servers) for many zones in one run. */
  cache?: DiscoveryOptions['cache'];
}

/** Does the parent delegate `zone` to exactly `expectedNames`? */
export async function checkZoneDelegation(
  zone: string,
  expectedNames: string[],
  opts: DelegationOptions,
): Promise<DelegationResult> {
  const z = normName(zone);
  const timeoutMs = opts.timeoutMs ?? 2000;
  const retries = opts.retries ?? 1;
  const deadlineMs = opts.deadlineMs ?? 3 * timeoutMs * (retries + 1);
  if (opts.signal?.aborted) return { zone: z, status: 'unknown', nameservers: [], detail: 'the run was interrupted' };
  // One signal for this call's many concurrent queries (one per parent server, 13 for a TLD):
  // follows the caller's without adding a listener to it, and has no listener limit.
  const controller = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
  setMaxListeners(0, signal);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DelegationResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({
        zone: z,
        status: 'unknown',
        nameservers: [],
        detail: `no answer about ${z}'s delegation within ${deadlineMs} ms`,
      });
    }, deadlineMs);
  });
  try {
    return await Promise.race([lookup(z, expectedNames.map(normName), opts, { timeoutMs, retries, signal }), timeout]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

async function lookup(
  zone: string,
  expected: string[],
  opts: DelegationOptions,
  q: QueryOptions,
): Promise<DelegationResult> {
  let servers: ServerAddress[];
  let parentZone = parentName(zone);
  try {
    if (opts.parentServers.length > 0) {
      servers = parseServers(opts.parentServers, opts.port);
    } else {
      const found = await discoverParent(zone, {
        rootServers: opts.rootServers,
        port: opts.port,
        cache: opts.cache,
        ...q,
      });
      servers = found.servers;
      parentZone = found.parentZone;
    }
  } catch (err) {
    return {
      zone,
      status: 'unknown',
      nameservers: [],
      detail: `could not find the parent servers of ${zone}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const obs = await Promise.all(servers.map((s) => askParent(s, zone, parentZone, [], q)));
  const answering = obs.filter((o) => o.kind === 'referral' || o.kind === 'nxdomain' || o.kind === 'nodata');
  if (answering.length === 0) {
    const first = obs.find((o) => o.error && o.transport !== null) ?? obs.find((o) => o.error);
    const why = first ? ` (${first.server}: ${first.error})` : '';
    return { zone, status: 'unknown', nameservers: [], detail: `no parent server answered for ${zone}${why}` };
  }
  if (answering.some((o) => o.kind === 'nxdomain'))
    return {
      zone,
      status: 'elsewhere',
      nameservers: [],
      detail: `${zone} is not delegated: the parent zone says NXDOMAIN`,
    };
  if (answering.every((o) => o.kind === 'nodata'))
    return { zone, status: 'elsewhere', nameservers: [], detail: `the parent zone has no delegation for ${zone}` };
  const nameservers = [...new Set(answering.flatMap((o) => o.delegationNs))].sort();
  const want = [...new Set(expected)].sort().join(',');
  const matching = answering.filter((o) => o.kind === 'referral' && o.delegationNs.join(',') === want);
  if (matching.length === answering.length) {
    return {
      zone,
      status: 'delegated',
      nameservers,
      detail: `the parent delegates ${zone} to ${nameservers.join(', ')}`,
    };
  }
  const partly =
    matching.length > 0
      ? ` (${matching.length}/${answering.length} parent servers already show the new NS: still propagating)`
      : '';
  return {
    zone,
    status: 'elsewhere',
    nameservers,
    detail: `the parent delegates ${zone} to ${nameservers.join(', ') || 'nothing'}${partly}`,
  };
}
