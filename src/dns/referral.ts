/**
 * The per-zone referral check: what resolvers really receive when they ask a zone's parent.
 * - the parent's NS for the zone must be the intended names;
 * - glue in the zone's own referral — in-domain, or sibling glue such as a registry's host
 *   record for ns1.example.com served in customer.com's referral — must carry the addresses
 *   Cloudflare assigned: absent sibling glue is fine (resolvers look the name up), stale glue is
 *   what resolvers would use, so it is reported;
 * - a DS at the parent must match a DNSKEY the zone serves, or validating resolvers fail the zone.
 * Plain data out; bounded like every check.
 */
import type { DnskeyData, DsData } from 'dns-packet';
import type { QueryBudget } from './budget.js';
import { type DnsResponse, formatServer, parseServer, query } from './client.js';
import type { DelegationServer } from './delegation.js';
import { parentServersOf } from './discover.js';
import { dsMatches, keyTag } from './dnssec.js';
import { canonIp, normName, parentName } from './names.js';
import { askParent, type ExpectedName, type GlueAddress, type ParentQueryOptions } from './parent.js';
import { type Where, whereOf } from './where.js';
import { type DnsCheckOptions, startCheck } from './check.js';

/** parentServers are the zone's parent servers (empty: discovered from the root). */
export interface ZoneReferralOptions extends DnsCheckOptions {
  /** Where to ask the zone's DNSKEY; default the intended names' addresses. */
  zoneServers?: string[];
}

export interface StaleGlue {
  name: string;
  type: 'A' | 'AAAA';
  address: string; // what the parent serves
  expected?: string; // what Cloudflare assigned ('' when it assigned none of this family)
  servers: string[]; // the parent servers serving it
}

export interface DsCheck {
  /** 'unsigned': no DS at the parent; 'ok': a DS matches a served DNSKEY; 'mismatch': none does. */
  status: 'unsigned' | 'ok' | 'mismatch' | 'could_not_verify';
  ds: { keyTag: number; algorithm: number; digestType: number; digest: string }[];
  dnskeys: { keyTag: number; algorithm: number; flags: number }[];
  problem?: string;
}

export interface ZoneReferralResult {
  zone: string;
  parentZone: string;
  status: 'ok' | 'failed' | 'could_not_verify';
  nameservers: string[]; // the parent's NS for the zone (union over answering servers)
  nsMatches: boolean; // every answering parent server lists exactly the intended names
  glue: GlueAddress[]; // glue seen in the zone's referral (union; in-domain and sibling)
  staleGlue: StaleGlue[];
  ds: DsCheck;
  servers: DelegationServer[];
  where: Where;
  problems: string[];
}

/** Check the referral resolvers get for `zone` against the intended names and their addresses. */
export async function checkZoneReferral(
  zone: string,
  intended: ExpectedName[],
  opts: ZoneReferralOptions,
): Promise<ZoneReferralResult> {
  const z = normName(zone);
  const { budget, cache, q, discovery } = startCheck(opts);
  const want: ExpectedName[] = intended.map((e) => ({
    name: normName(e.name),
    ...(e.ipv4 ? { ipv4: canonIp(e.ipv4) } : {}),
    ...(e.ipv6 ? { ipv6: canonIp(e.ipv6) } : {}),
  }));
  const result: ZoneReferralResult = {
    zone: z,
    parentZone: parentName(z),
    status: 'could_not_verify',
    nameservers: [],
    nsMatches: false,
    glue: [],
    staleGlue: [],
    ds: { status: 'could_not_verify', ds: [], dnskeys: [] },
    servers: [],
    where: whereOf(z, parentName(z), { cloudflareZones: opts.cloudflareZones }),
    problems: [],
  };
  try {
    const found = await parentServersOf(z, opts.parentServers, discovery);
    if ('error' in found) {
      result.problems.push(`could not find ${z}'s parent servers: ${found.error}`);
      return finish(result, budget);
    }
    const parents = found.servers;
    if (found.parentZone !== undefined) result.parentZone = found.parentZone;
    result.where = whereOf(z, result.parentZone, {
      cloudflareZones: opts.cloudflareZones,
      parentNs: cache.zoneNs.get(result.parentZone),
    });
    const [obs, dsAnswers] = await Promise.all([
      Promise.all(parents.map((s) => askParent(s, z, result.parentZone, want, q))),
      Promise.all(parents.map((s) => query(s, z, 'DS', q).catch(() => undefined))),
    ]);
    result.servers = obs.map((o) => ({
      server: o.server,
      kind: o.kind,
      nameservers: o.delegationNs,
      ...(o.nsTtl !== undefined ? { nsTtl: o.nsTtl } : {}),
      ...(o.error !== undefined ? { error: o.error } : {}),
    }));
    const referrals = obs.filter((o) => o.kind === 'referral');
    for (const o of obs.filter((x) => x.kind !== 'referral')) {
      result.problems.push(`${o.server}: ${o.error ?? `answered ${o.kind.toUpperCase()} for ${z}`}`);
    }
    if (referrals.length === 0) return finish(result, budget);
    const names = [...new Set(want.map((e) => e.name))].sort().join(',');
    result.nameservers = [...new Set(referrals.flatMap((o) => o.delegationNs))].sort();
    result.nsMatches = referrals.every((o) => o.delegationNs.join(',') === names);
    if (!result.nsMatches) {
      result.problems.push(
        `the parent delegates ${z} to ${result.nameservers.join(', ') || 'nothing'}, ` +
          `not to ${names.replace(/,/g, ', ')}`,
      );
    }
    const seen = new Map<string, GlueAddress & { servers: string[] }>();
    for (const o of referrals) {
      for (const g of o.glue) {
        const key = `${g.name}|${g.type}|${g.address}`;
        const entry = seen.get(key) ?? { ...g, servers: [] };
        entry.servers.push(o.server);
        seen.set(key, entry);
      }
    }
    result.glue = [...seen.values()].map(({ name, type, address }) => ({ name, type, address }));
    for (const e of want) {
      for (const g of [...seen.values()].filter((x) => x.name === e.name)) {
        const expected = g.type === 'A' ? e.ipv4 : e.ipv6;
        if (g.address === expected) continue;
        result.staleGlue.push({
          name: g.name,
          type: g.type,
          address: g.address,
          expected: expected ?? '',
          servers: g.servers,
        });
        result.problems.push(
          `stale glue in ${z}'s referral: ${g.name} ${g.type} ${g.address} ` +
            `(Cloudflare assigned ${expected ?? 'none'}) served by ${g.servers.join(', ')} — ` +
            `resolvers use it; update the host record of ${g.name}`,
        );
      }
    }
    result.ds = await checkDs(z, dsAnswers, want, opts, q);
    if (result.ds.problem) result.problems.push(result.ds.problem);
    return finish(result, budget);
  } finally {
    budget.dispose();
  }
}

async function checkDs(
  zone: string,
  answers: (DnsResponse | undefined)[],
  want: ExpectedName[],
  opts: ZoneReferralOptions,
  q: ParentQueryOptions,
): Promise<DsCheck> {
  const usable = answers.filter(
    (r): r is DnsResponse => r?.aa === true && (r.rcode === 'NOERROR' || r.rcode === 'NXDOMAIN'),
  );
  if (usable.length === 0) {
    return { status: 'could_not_verify', ds: [], dnskeys: [], problem: `no parent server answered ${zone} DS` };
  }
  const dsRecords = new Map<string, DsData>();
  for (const r of usable) {
    for (const a of r.packet.answers ?? []) {
      if (a.type !== 'DS' || normName(a.name) !== zone) continue;
      const d = a.data as DsData;
      dsRecords.set(`${d.keyTag}|${d.algorithm}|${d.digestType}|${d.digest.toString('hex')}`, d);
    }
  }
  const ds = [...dsRecords.values()].map((d) => ({
    keyTag: d.keyTag,
    algorithm: d.algorithm,
    digestType: d.digestType,
    digest: d.digest.toString('hex'),
  }));
  if (ds.length === 0) return { status: 'unsigned', ds, dnskeys: [] };
  const servers = (opts.zoneServers?.length ? opts.zoneServers : want.flatMap((e) => [e.ipv4, e.ipv6]))
    .filter((a): a is string => a !== undefined)
    .map((a) => parseServer(a, opts.port));
  const keys = new Map<string, DnskeyData>();
  let answered = false;
  await Promise.all(
    servers.map(async (s) => {
      const res = await query(s, zone, 'DNSKEY', { ...q, tcp: false }).catch(() => undefined);
      if (!res?.aa || res.rcode !== 'NOERROR') return;
      answered = true;
      for (const a of res.packet.answers ?? []) {
        if (a.type !== 'DNSKEY' || normName(a.name) !== zone) continue;
        const k = a.data as DnskeyData;
        keys.set(`${k.flags}|${k.algorithm}|${k.key.toString('base64')}`, k);
      }
    }),
  );
  const dnskeys = [...keys.values()].map((k) => ({ keyTag: keyTag(k), algorithm: k.algorithm, flags: k.flags }));
  if (!answered) {
    return {
      status: 'could_not_verify',
      ds,
      dnskeys,
      problem:
        `the parent publishes a DS for ${zone} but none of ${servers.map(formatServer).join(', ') || 'its servers'} ` +
        'answered its DNSKEY',
    };
  }
  const matched = [...dsRecords.values()].some((d) => [...keys.values()].some((k) => dsMatches(zone, d, k)));
  if (matched) return { status: 'ok', ds, dnskeys };
  return {
    status: 'mismatch',
    ds,
    dnskeys,
    problem:
      `the DS at the parent for ${zone} (key tag ${ds.map((d) => d.keyTag).join(', ')}) matches no DNSKEY the zone ` +
      `serves (${dnskeys.map((k) => k.keyTag).join(', ') || 'none'}): validating resolvers will fail the zone — ` +
      "replace the DS at the registrar with the zone's current one, or remove it",
  };
}

function finish(result: ZoneReferralResult, budget: QueryBudget): ZoneReferralResult {
  const cut = budget.reason();
  if (cut) result.problems.push(cut);
  const delegated = result.servers.some((s) => s.kind === 'referral');
  const denied = !delegated && result.servers.some((s) => s.kind === 'nxdomain' || s.kind === 'nodata');
  const broken =
    denied || (delegated && !result.nsMatches) || result.staleGlue.length > 0 || result.ds.status === 'mismatch';
  const verified = delegated && result.ds.status !== 'could_not_verify';
  result.status = broken ? 'failed' : verified && !cut ? 'ok' : 'could_not_verify';
  return result;
}
