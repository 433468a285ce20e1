/**
 * How long resolvers may keep a name server's addresses: the TTL of its A/AAAA records. A resolver
 * gets them two ways — as glue in the referral of the names' domain (the parent's TTL) and from the
 * domain's own authoritative servers (the domain's TTL, which replaces the glue once asked) — and
 * may hold either, so the longest of both counts. The authoritative answer is required: without
 * one the TTL is unknown (the caller then assumes its conservative default), since glue alone
 * says nothing about the TTL resolvers got from the domain. Bounded like every check.
 */
import pLimit from 'p-limit';
import { startCheck, type DnsCheckOptions } from './check.js';
import { query, type ServerAddress } from './client.js';
import { type DiscoveryOptions, resolveHost } from './discover.js';
import { isInZone, normName } from './names.js';
import type { GlueAddress } from './parent.js';

/** What the referral of the names' domain said (the leaving rule's read of it). */
export interface DomainReferral {
  domain: string;
  nameservers: string[];
  glue?: GlueAddress[];
}

/**
 * The longest A/AAAA TTL (seconds) of each name, by name; a name none of its domain's servers
 * answered with authority is left out (unknown).
 */
export async function readAddressTtls(
  names: { name: string; domain: DomainReferral }[],
  opts: DnsCheckOptions,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (names.length === 0) return out;
  const { budget, q, discovery } = startCheck({
    ...opts,
    timeoutMs: opts.timeoutMs ?? 1500,
    retries: opts.retries ?? 0,
  });
  const limit = pLimit(8);
  try {
    const servers = new Map<string, Promise<ServerAddress[]>>();
    const serversOf = (d: DomainReferral): Promise<ServerAddress[]> => {
      let s = servers.get(d.domain);
      if (!s) {
        s = domainServers(d, opts.port, discovery);
        servers.set(d.domain, s);
      }
      return s;
    };
    await Promise.all(
      names.map(async ({ name, domain }) => {
        const n = normName(name);
        const asked = (await serversOf(domain)).flatMap((s) =>
          (['A', 'AAAA'] as const).map((type) =>
            limit(async () => {
              const res = await query(s, n, type, q).catch(() => undefined);
              if (!res?.aa || res.rcode !== 'NOERROR') return undefined;
              const rrs = (res.packet.answers ?? []).filter((a) => a.type === type && normName(a.name) === n);
              return Math.max(0, ...rrs.map((a) => (a as { ttl?: number }).ttl ?? 0));
            }),
          ),
        );
        const answered = (await Promise.all(asked)).filter((t): t is number => t !== undefined);
        if (answered.length === 0) return;
        const glue = (domain.glue ?? []).filter((g) => g.name === n).map((g) => g.ttl ?? 0);
        out.set(n, Math.max(...answered, ...glue));
      }),
    );
    return out;
  } finally {
    budget.dispose();
  }
}

/** The domain's own servers: in-domain NS at their glue, out-of-domain NS resolved from the roots. */
async function domainServers(d: DomainReferral, port: number, discovery: DiscoveryOptions): Promise<ServerAddress[]> {
  const addresses = new Set<string>();
  for (const ns of d.nameservers) {
    const glue = (d.glue ?? []).filter((g) => g.name === ns).map((g) => g.address);
    if (glue.length) glue.forEach((a) => addresses.add(a));
    else if (!isInZone(ns, d.domain)) (await resolveHost(ns, discovery)).forEach((a) => addresses.add(a));
  }
  return [...addresses].sort().map((host) => ({ host, port }));
}
