/**
 * The child side: the host zone's own authoritative servers must answer the names' A/AAAA with
 * AA=1 and exactly the addresses Cloudflare assigned (dnsviz GLUE_MISMATCH, Zonemaster
 * CONSISTENCY05). Only answers with AA=1 count; lame or referring servers are noted, not trusted.
 */
import { formatServer, query, rdataText, type QueryOptions, type ServerAddress } from './client.js';
import { canonIp, normName } from './names.js';
import type { ExpectedName } from './parent.js';

export type ChildStatus = 'ok' | 'missing' | 'mismatch' | 'unreachable' | 'skipped';

export interface ChildServer {
  address: ServerAddress;
  own: boolean; // one of the names' own (Cloudflare-assigned) addresses
}

export interface ChildObservation {
  server: string;
  own: boolean;
  answered: boolean; // gave at least one AA answer
  error?: string;
}

export interface ChildNameResult {
  status: ChildStatus;
  ipv4: string[]; // addresses the authoritative servers gave (union, sorted)
  ipv6: string[];
  problems: string[];
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
  type Answer = { server: string; name: string; type: 'A' | 'AAAA'; addresses: string[] };
  const answers: Answer[] = [];
  const observations: ChildObservation[] = await Promise.all(
    servers.map(async (s) => {
      const label = formatServer(s.address);
      let answered = false;
      let error: string | undefined;
      await Promise.all(
        expected.flatMap((e) =>
          (['A', 'AAAA'] as const).map(async (type) => {
            try {
              const res = await query(s.address, e.name, type, opts);
              if (!res.aa || (res.rcode !== 'NOERROR' && res.rcode !== 'NXDOMAIN')) {
                error ??= `not authoritative for ${hostZone} (${res.rcode}${res.aa ? '' : ', AA=0'})`;
                return;
              }
              answered = true;
              const addresses = (res.packet.answers ?? [])
                .filter((a) => a.type === type && normName(a.name) === e.name)
                .map((a) => canonIp(rdataText(a) ?? ''));
              answers.push({ server: label, name: e.name, type, addresses: [...new Set(addresses)].sort() });
            } catch (err) {
              error ??= err instanceof Error ? err.message : String(err);
            }
          }),
        ),
      );
      return { server: label, own: s.own, answered, ...(error && !answered ? { error } : {}) };
    }),
  );
  const names: Record<string, ChildNameResult> = {};
  for (const e of expected) {
    const mine = answers.filter((a) => a.name === e.name);
    const union = (type: 'A' | 'AAAA'): string[] =>
      [...new Set(mine.filter((a) => a.type === type).flatMap((a) => a.addresses))].sort();
    const result: ChildNameResult = { status: 'ok', ipv4: union('A'), ipv6: union('AAAA'), problems: [] };
    if (servers.length === 0) {
      result.status = 'skipped';
    } else if (mine.length === 0) {
      result.status = 'unreachable';
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
            `${hostZone}'s servers answer ${type} ${got.join(', ') || '(none)'} for ${e.name} (expected ${w})${disagree ? '; its servers disagree' : ''}`,
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
