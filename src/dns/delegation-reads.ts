/**
 * Reads, from DNS, how the parent zone delegates each zone a plan switches: concurrently
 * and with a bound on each lookup, so unreachable DNS never stalls a plan.
 */
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { checkZoneDelegation, type DelegationOptions, type DelegationResult } from './delegation.js';
import type { GlueCheckOptions } from './glue.js';
import type { DelegationFinding } from '../plan/delegation.js';
import type { Plan } from '../plan/types.js';
import type { LiveState } from '../state/types.js';

const CONCURRENCY = 8;

export async function readDelegations(
  plan: Plan,
  live: Pick<LiveState, 'nameservers'>,
  setNames: Map<number, string[]>,
  dns: GlueCheckOptions,
): Promise<DelegationFinding[]> {
  dns = sharedSignal(dns);
  const limit = pLimit(CONCURRENCY);
  const cache: DelegationOptions['cache'] = new Map();
  const liveNames = new Map<number, string[]>();
  for (const ns of live.nameservers) liveNames.set(ns.set, [...(liveNames.get(ns.set) ?? []), ns.name]);

  const jobs: Promise<DelegationFinding | undefined>[] = [];
  for (const step of plan.steps) {
    if (step.kind !== 'assign_zone') continue;
    const after = step.after as { type?: string; set?: number } | null;
    const before = step.before as { type?: string; set?: number } | null;
    let direction: DelegationFinding['direction'];
    let customNames: string[];
    if (after?.type === 'custom.account' && after.set !== undefined) {
      direction = 'to_custom';
      customNames = setNames.get(after.set) ?? [];
    } else if (after?.type === 'cloudflare.standard' && before?.type === 'custom.account' && before.set !== undefined) {
      direction = 'to_standard';
      customNames = liveNames.get(before.set) ?? [];
    } else {
      continue;
    }
    if (!customNames.length) continue;
    jobs.push(
      limit(async () => {
        const r = await lookup(step.target, customNames, dns, cache);
        return {
          zone: step.target,
          stepId: step.id,
          direction,
          customNames,
          status: r.status,
          nameservers: r.nameservers,
          detail: r.detail,
        };
      }),
    );
  }
  return (await Promise.all(jobs)).filter((f): f is DelegationFinding => f !== undefined);
}

/** The delegation of each zone, for `drift`: is the parent pointing it at its custom names? */
export async function readZoneDelegations(
  zones: { zone: string; customNames: string[] }[],
  dns: GlueCheckOptions,
): Promise<(DelegationResult & { customNames: string[] })[]> {
  dns = sharedSignal(dns);
  const limit = pLimit(CONCURRENCY);
  const cache = new Map();
  return Promise.all(
    zones.map((z) =>
      limit(async () => ({ ...(await lookup(z.zone, z.customNames, dns, cache)), customNames: z.customNames })),
    ),
  );
}

/**
 * One abort signal for all of a run's lookups, linked once to the caller's: many concurrent
 * lookups each listen to it, more than Node's default of 10 listeners per signal.
 */
function sharedSignal(dns: GlueCheckOptions): GlueCheckOptions {
  if (!dns.signal) return dns;
  const local = new AbortController();
  setMaxListeners(0, local.signal);
  if (dns.signal.aborted) local.abort();
  else dns.signal.addEventListener('abort', () => local.abort(), { once: true });
  return { ...dns, signal: local.signal };
}

function lookup(
  zone: string,
  names: string[],
  dns: GlueCheckOptions,
  cache: DelegationOptions['cache'],
): Promise<DelegationResult> {
  // An interrupted run asks no more: a signal aborted before the lookup starts never fires its event.
  if (dns.signal?.aborted)
    return Promise.resolve({ zone, status: 'unknown', nameservers: [], detail: 'the run was interrupted' });
  return checkZoneDelegation(zone, names, {
    rootServers: dns.rootServers,
    parentServers: [], // dns.parent_servers are the names' parent servers, not each zone's
    port: dns.port,
    timeoutMs: 1500,
    retries: 0,
    deadlineMs: 4000,
    ...(cache ? { cache } : {}),
    ...(dns.signal ? { signal: dns.signal } : {}),
  });
}
