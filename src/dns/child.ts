/**
 * The child side: the host zone's own authoritative servers must answer the names' A/AAAA with
 * AA=1 and exactly the addresses Cloudflare assigned (dnsviz GLUE_MISMATCH, Zonemaster
 * CONSISTENCY05). Only answers with AA=1 count. A server that answers but not authoritatively
 * (REFUSED, SERVFAIL, AA=0, a referral) is lame for the zone — a fault, unlike one that does not
 * answer at all. A name that is a CNAME is reported as such: a name server's name must have its
 * own A/AAAA records (RFC 2181 §10.3).
 */
import { formatServer, query, rdataText, type QueryOptions, type ServerAddress } from './client.js';
import { canonIp, normName } from './names.js';
import type { ExpectedName } from './parent.js';

export type ChildStatus = 'ok' | 'missing' | 'mismatch' | 'unreachable' | 'skipped' | 'lame' | 'cname';

export interface ChildServer {
  address: ServerAddress;
  own: boolean; // one of the names' own (Cloudflare-assigned) addresses
}

export interface ChildObservation {
  server: string;
  own: boolean;
  answered: boolean; // gave at least one AA answer
  error?: string;
  /** It answered, but never authoritatively: why (e.g. "REFUSED", "AA=0"). */
  lame?: string;
}

export interface ChildNameResult {
  status: ChildStatus;
  ipv4: string[]; // addresses the authoritative servers gave (union, sorted)
  ipv6: string[];
  problems: string[];
  cname?: string; // the name is an alias of this name
}

export interface ChildCheck {
  servers: ChildObservation[];
  names: Record<string, ChildNameResult>;
}

/** Ask every child server for every name's A and AAAA. */
export async function checkChild(
  hostZone: string,
  servers: ChildServer[],
  expected: ExpectedName[],
  opts: QueryOptions,
): Promise<ChildCheck> {
  type Answer = { server: string; name: string; type: 'A' | 'AAAA'; addresses: string[]; cname?: string };
  const answers: Answer[] = [];
  const observations: ChildObservation[] = await Promise.all(
    servers.map(async (s) => {
      const label = formatServer(s.address);
      let answered = false;
      let error: string | undefined;
      let lame: string | undefined;
      await Promise.all(
        expected.flatMap((e) =>
          (['A', 'AAAA'] as const).map(async (type) => {
            try {
              const res = await query(s.address, e.name, type, opts);
              if (!res.aa || (res.rcode !== 'NOERROR' && res.rcode !== 'NXDOMAIN')) {
                const how = res.rcode !== 'NOERROR' ? res.rcode : 'AA=0';
                lame ??= `answers ${how} for ${hostZone}: it does not serve the zone`;
                return;
              }
              answered = true;
              const rrs = res.packet.answers ?? [];
              const addresses = rrs
                .filter((a) => a.type === type && normName(a.name) === e.name)
                .map((a) => canonIp(rdataText(a) ?? ''));
              const alias = rrs.find((a) => a.type === 'CNAME' && normName(a.name) === e.name);
              const cname = alias ? normName(rdataText(alias) ?? '') : undefined;
              answers.push({
                server: label,
                name: e.name,
                type,
                addresses: [...new Set(addresses)].sort(),
                ...(cname ? { cname } : {}),
              });
            } catch (err) {
              error ??= err instanceof Error ? err.message : String(err);
            }
          }),
        ),
      );
      const notAnswered = !answered ? { ...(lame ? { lame, error: lame } : error ? { error } : {}) } : {};
      return { server: label, own: s.own, answered, ...notAnswered };
    }),
  );
  const names: Record<string, ChildNameResult> = {};
  const lameServers = observations.filter((o) => o.lame !== undefined);
  for (const e of expected) {
    const mine = answers.filter((a) => a.name === e.name);
    const union = (type: 'A' | 'AAAA'): string[] =>
      [...new Set(mine.filter((a) => a.type === type).flatMap((a) => a.addresses))].sort();
    const result: ChildNameResult = { status: 'ok', ipv4: union('A'), ipv6: union('AAAA'), problems: [] };
    const cname = mine.find((a) => a.cname !== undefined)?.cname;
    if (servers.length === 0) {
      result.status = 'skipped';
    } else if (mine.length === 0) {
      result.status = lameServers.length > 0 ? 'lame' : 'unreachable';
      if (lameServers.length > 0) {
        result.problems.push(
          `no server of ${hostZone} answers for it authoritatively: ` +
            lameServers.map((o) => `${o.server} ${o.lame}`).join('; '),
        );
      }
    } else if (cname !== undefined) {
      result.status = 'cname';
      result.cname = cname;
      result.problems.push(
        `${e.name} is a CNAME to ${cname}: a name server's name must have its own A/AAAA records, not an alias`,
      );
    } else {
      const families: ('ok' | 'missing' | 'mismatch')[] = [];
      for (const [type, want] of [
        ['A', e.ipv4],
        ['AAAA', e.ipv6],
      ] as const) {
        if (want === undefined) continue;
        const per = mine.filter((a) => a.type === type);
        const w = canonIp(want);
        const got = type === 'A' ? result.ipv4 : result.ipv6;
        if (per.every((a) => a.addresses.length === 1 && a.addresses[0] === w)) families.push('ok');
        else if (got.length === 0) {
          families.push('missing');
          result.problems.push(`${hostZone}'s servers have no ${type} record for ${e.name} (expected ${w})`);
        } else {
          families.push('mismatch');
          const disagree = new Set(per.map((a) => a.addresses.join(','))).size > 1;
          result.problems.push(
            `${hostZone}'s servers answer ${type} ${got.join(', ') || '(none)'} for ${e.name} (expected ${w})` +
              (disagree ? '; its servers disagree' : ''),
          );
        }
      }
      result.status = families.every((f) => f === 'ok')
        ? 'ok'
        : families.every((f) => f === 'missing')
          ? 'missing'
          : 'mismatch';
    }
    names[e.name] = result;
  }
  return { servers: observations, names };
}
