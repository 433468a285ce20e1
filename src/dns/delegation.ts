/**
 * Delegation check: which NS does the parent zone delegate a zone to?
 * Used by plan/apply/drift for "next step at your registrar" and for the guard before a zone goes
 * back to Cloudflare's standard nameservers. What every answering parent server says is kept:
 * the NS are the union over them, and one server answering NXDOMAIN does not erase what the
 * others delegate (that is reported as a disagreement). The whole call is bounded (deadline,
 * query cap), so unreachable DNS never stalls a plan: it ends as `unknown`.
 */
import { type ParentServers, parentServersOf } from './discover.js';
import { normName, parentName } from './names.js';
import { askParent, type GlueAddress, type ServerKind } from './parent.js';
import { type Where, whereOf } from './where.js';
import { type DnsCheckOptions, startCheck } from './check.js';

/** What one parent server said about the zone. */
export interface DelegationServer {
  server: string;
  kind: ServerKind;
  nameservers: string[];
  nsTtl?: number;
  error?: string;
}

export interface DelegationResult {
  zone: string;
  status: 'delegated' | 'elsewhere' | 'unknown';
  nameservers: string[]; // the NS the parent delegates the zone to (union over answering servers, sorted)
  detail: string; // human explanation
  parentZone?: string;
  /** Longest TTL of the parent's NS RRset (seconds): how long resolvers may keep the delegation. */
  nsTtl?: number;
  /** The answering parent servers did not all say the same (NS sets differ, or some deny the zone). */
  disagreement?: boolean;
  servers?: DelegationServer[];
  where?: Where; // where the delegation is changed (registrar, a Cloudflare zone, the RIR…)
  /** In-bailiwick glue served with the delegation (union over the referrals). */
  glue?: GlueAddress[];
}

export type DelegationOptions = DnsCheckOptions;

/** Does the parent delegate `zone` to exactly `expectedNames`? */
export async function checkZoneDelegation(
  zone: string,
  expectedNames: string[],
  opts: DelegationOptions,
): Promise<DelegationResult> {
  const z = normName(zone);
  if (opts.signal?.aborted) return { zone: z, status: 'unknown', nameservers: [], detail: 'the run was interrupted' };
  const check = startCheck(opts);
  try {
    return await lookup(z, expectedNames.map(normName), opts, check);
  } finally {
    check.budget.dispose();
  }
}

async function lookup(
  zone: string,
  expected: string[],
  opts: DelegationOptions,
  { budget, cache, q, discovery }: ReturnType<typeof startCheck>,
): Promise<DelegationResult> {
  const cut = (): string => {
    if (budget.ended === 'deadline' || (budget.signal.aborted && !opts.signal?.aborted)) {
      return `no answer about ${zone}'s delegation within ${budget.deadlineMs} ms`;
    }
    return budget.reason() ?? '';
  };
  let found: ParentServers;
  try {
    found = await parentServersOf(zone, opts.parentServers, discovery);
  } catch (err) {
    found = { error: err instanceof Error ? err.message : String(err) }; // an invalid configured server
  }
  if ('error' in found) {
    const why = cut();
    return {
      zone,
      status: 'unknown',
      nameservers: [],
      parentZone: parentName(zone),
      detail: `could not find the parent servers of ${zone}: ${found.error}${why ? ` (${why})` : ''}`,
    };
  }
  const { servers, parentZone = parentName(zone) } = found;
  const obs = await Promise.all(servers.map((s) => askParent(s, zone, parentZone, [], q)));
  const where = whereOf(zone, parentZone, {
    cloudflareZones: opts.cloudflareZones,
    parentNs: cache.zoneNs.get(parentZone),
  });
  const views: DelegationServer[] = obs.map((o) => ({
    server: o.server,
    kind: o.kind,
    nameservers: o.delegationNs,
    ...(o.nsTtl !== undefined ? { nsTtl: o.nsTtl } : {}),
    ...(o.error !== undefined ? { error: o.error } : {}),
  }));
  const base = { zone, parentZone, servers: views, where };
  const answering = obs.filter((o) => o.kind === 'referral' || o.kind === 'nxdomain' || o.kind === 'nodata');
  if (answering.length === 0) {
    const why = cut();
    if (why) return { ...base, status: 'unknown', nameservers: [], detail: why };
    const first = obs.find((o) => o.error && o.transport !== null) ?? obs.find((o) => o.error);
    const firstWhy = first ? ` (${first.server}: ${first.error})` : '';
    return { ...base, status: 'unknown', nameservers: [], detail: `no parent server answered for ${zone}${firstWhy}` };
  }
  const referrals = answering.filter((o) => o.kind === 'referral');
  const deniers = answering.filter((o) => o.kind !== 'referral');
  if (referrals.length === 0) {
    const nx = deniers.some((o) => o.kind === 'nxdomain');
    return {
      ...base,
      status: 'elsewhere',
      nameservers: [],
      detail: nx
        ? `${zone} is not delegated: the parent zone says NXDOMAIN`
        : `the parent zone has no delegation for ${zone}`,
      disagreement: false,
    };
  }
  const nameservers = [...new Set(referrals.flatMap((o) => o.delegationNs))].sort();
  const ttls = referrals.map((o) => o.nsTtl).filter((t): t is number => t !== undefined);
  const nsTtl = ttls.length > 0 ? Math.max(...ttls) : undefined;
  const disagreement = deniers.length > 0 || new Set(referrals.map((o) => o.delegationNs.join(','))).size > 1;
  const glueSeen = new Map<string, GlueAddress>();
  for (const g of referrals.flatMap((o) => o.glue)) {
    const key = `${g.name}|${g.type}|${g.address}`;
    const ttls = [glueSeen.get(key)?.ttl, g.ttl].filter((t): t is number => t !== undefined);
    glueSeen.set(key, { ...g, ...(ttls.length ? { ttl: Math.max(...ttls) } : {}) });
  }
  const glue = [...glueSeen.values()];
  const want = [...new Set(expected)].sort().join(',');
  const matching = referrals.filter((o) => o.delegationNs.join(',') === want);
  const result = {
    ...base,
    nameservers,
    disagreement,
    ...(nsTtl !== undefined ? { nsTtl } : {}),
    ...(glue.length > 0 ? { glue } : {}),
  };
  const denials = deniers.map((o) => `${o.server} says ${o.kind === 'nxdomain' ? 'NXDOMAIN' : 'no delegation'}`);
  const denied =
    deniers.length > 0
      ? `; ${denials.join(', ')} (the parent servers disagree: a registry change may still be propagating)`
      : '';
  if (matching.length === answering.length) {
    return { ...result, status: 'delegated', detail: `the parent delegates ${zone} to ${nameservers.join(', ')}` };
  }
  const partly =
    matching.length > 0
      ? ` (${matching.length}/${answering.length} parent servers already show the new NS: still propagating)`
      : '';
  return {
    ...result,
    status: 'elsewhere',
    detail: `the parent delegates ${zone} to ${nameservers.join(', ') || 'nothing'}${partly}${denied}`,
  };
}
