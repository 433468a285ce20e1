/**
 * What every DNS check of one run shares (one cache, the account's zone names for "where" wording,
 * the file's DNS settings), and the lameness question the switch check, drift and the takeover
 * hold all ask of it.
 */
import { DnsCache } from '../dns/cache.js';
import type { DelegationReadOptions } from '../dns/delegation-reads.js';
import type { GlueCheckOptions } from '../dns/glue.js';
import { checkZoneLameness, type LamenessResult } from '../dns/lameness.js';
import type { DesiredState } from '../config/types.js';
import type { LiveState } from '../state/types.js';
import type { Session } from './session.js';
import { dnsOptions } from './settings.js';

/** What every DNS check of one run shares. */
export interface DnsRun {
  on: boolean; // policy.glue_check is not off
  dns: GlueCheckOptions;
  reads: DelegationReadOptions;
}

export function dnsRun(
  settings: Pick<DesiredState, 'dns'>,
  gluePolicy: DesiredState['policy']['glueCheck'],
  session: Session,
  live?: Pick<LiveState, 'zones' | 'otherZones' | 'accountZoneNames'>,
): DnsRun {
  const cache = new DnsCache();
  const cloudflareZones = live
    ? [...new Set([...(live.accountZoneNames ?? []), ...live.zones.map((z) => z.name)])]
    : undefined;
  const pairs = new Map<string, string[]>();
  for (const z of [...(live?.zones ?? []), ...(live?.otherZones ?? [])])
    if (z.cloudflareNs?.length) pairs.set(z.name, z.cloudflareNs);
  return {
    on: gluePolicy !== 'off',
    dns: { ...dnsOptions(settings, session.signal), cache, ...(cloudflareZones ? { cloudflareZones } : {}) },
    reads: { cache, ...(cloudflareZones ? { cloudflareZones } : {}), pairs },
  };
}

/**
 * Do these addresses serve the zone with authority? With `apexMustMatch` off, apex NS naming other
 * names is not a fault (a set the zone left, or another provider's servers): only authority and
 * serials count.
 */
export async function lameness(
  zone: string,
  addresses: string[],
  names: string[],
  run: Pick<DnsRun, 'dns'>,
  apexMustMatch: boolean,
): Promise<Pick<LamenessResult, 'status' | 'problems' | 'lame' | 'unreachable'>> {
  const r = await checkZoneLameness(zone, addresses, names, {
    port: run.dns.port,
    timeoutMs: 1500,
    retries: 0,
    deadlineMs: run.dns.deadlineMs ?? 10_000,
    ...(run.dns.signal ? { signal: run.dns.signal } : {}),
  });
  if (apexMustMatch || r.status !== 'failed' || r.lame.length > 0 || !r.serialsAgree) return r;
  // the apex NS alone differ (the zone now names its new set): not a lameness of the old set
  const problems = r.problems.filter((p) => !p.includes('apex NS'));
  return { ...r, status: r.unreachable.length > 0 ? 'could_not_verify' : 'ok', problems };
}
