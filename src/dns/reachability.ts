/**
 * Can this machine run the glue check? One bounded probe of the servers the check starts from —
 * the configured parent servers, else the root servers — over UDP, over TCP and over IPv6, and a
 * look at each answer for signs of something on the path answering in their place (a middlebox
 * or resolver intercepting port 53): recursion offered on a non-recursive query, an answer that
 * is not authoritative, or a root server answering a name it can only refer. Never throws for
 * DNS trouble: every outcome is data, with the reason.
 */
import net from 'node:net';
import { firstGood, QueryBudget, type Attempt } from './budget.js';
import { query, unauthoritative, type DnsResponse, type ServerAddress } from './client.js';
import { IANA_ROOT_SERVERS, parseServers } from './discover.js';
import { normName } from './names.js';

/** The whole probe's deadline unless the caller sets one. */
export const DEFAULT_REACHABILITY_DEADLINE_MS = 4000;
/** Servers of one family tried (staggered) before a transport is reported unreachable. */
const SERVERS_PER_PROBE = 3;

export interface ReachabilityOptions {
  rootServers: string[]; // empty → IANA's root servers
  parentServers: string[]; // non-empty → these are probed instead of the roots
  port: number;
  /** The zone asked for (`<zone> NS`): roots and parent servers must refer it, not answer it. */
  probeZone: string;
  deadlineMs?: number;
  timeoutMs?: number; // per query; default 1500
  staggerMs?: number; // default 300
  signal?: AbortSignal;
}

export type ProbeOutcome =
  | { status: 'ok'; server: string; answer: string; interception?: string }
  | { status: 'failed'; errors: string[] }
  | { status: 'skipped'; why: string };

export interface DnsReachability {
  /** Which servers were probed: the configured parent servers, or the roots. */
  role: 'parent' | 'root';
  /** Where the list came from: 'configured' or IANA's root hints. */
  source: 'configured' | 'iana';
  question: string; // e.g. 'example.com NS'
  deadlineMs: number;
  udp: ProbeOutcome;
  tcp: ProbeOutcome;
  ipv6: ProbeOutcome;
  /** The first sign of interception seen in any answer. */
  interception?: { server: string; transport: 'udp' | 'tcp'; why: string };
}

/**
 * Why an answer cannot have come from the server asked, or undefined when it can. Our queries
 * are non-recursive, and the probe zone lies below the zone those servers serve, so the only
 * proper answers are a referral or an authoritative NXDOMAIN / NODATA.
 */
export function interceptionSign(res: DnsResponse, role: 'parent' | 'root', zone: string): string | undefined {
  if (res.ra) {
    return 'RA=1 on a non-recursive query: a resolver or something intercepting port 53 answered, not the server asked';
  }
  const notOwn = unauthoritative(res);
  if (notOwn !== undefined) return notOwn;
  const answers = (res.packet.answers ?? []).filter((a) => normName(a.name) === normName(zone));
  if (role === 'root' && answers.length > 0 && normName(zone).includes('.')) {
    return (
      `a root server answered ${normName(zone)} NS itself (AA=${res.aa ? 1 : 0}) instead of referring it ` +
      'to its top-level domain: something on the path answers in place of the root servers'
    );
  }
  return undefined;
}

/** Probes UDP, TCP and IPv6 reachability at once, within one deadline. */
export async function checkDnsReachability(o: ReachabilityOptions): Promise<DnsReachability> {
  const role = o.parentServers.length > 0 ? 'parent' : 'root';
  const configured = role === 'parent' ? o.parentServers : o.rootServers;
  const list = parseServers(configured.length > 0 ? configured : [...IANA_ROOT_SERVERS], o.port);
  const v4 = list.filter((s) => net.isIPv4(s.host));
  const v6 = list.filter((s) => net.isIPv6(s.host));
  const zone = normName(o.probeZone);
  const budget = new QueryBudget({
    deadlineMs: o.deadlineMs ?? DEFAULT_REACHABILITY_DEADLINE_MS,
    // UDP, TCP and IPv6 each try a few servers; a truncated or EDNS-refused answer asks once more.
    maxQueries: 3 * SERVERS_PER_PROBE * 3,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const out: Pick<DnsReachability, 'interception'> = {};

  const probe = async (servers: ServerAddress[], transport: 'udp' | 'tcp'): Promise<ProbeOutcome> => {
    const race = await firstGood(
      servers.slice(0, SERVERS_PER_PROBE),
      async (s, signal): Promise<Attempt<DnsResponse>> => {
        const res = await query(s, zone, 'NS', {
          timeoutMs: o.timeoutMs ?? 1500,
          retries: 0,
          tcp: transport === 'tcp',
          signal,
          budget,
        });
        return { ok: true, value: res };
      },
      { staggerMs: o.staggerMs ?? 300, signal: budget.signal },
    );
    if (!race.value) {
      const cut = budget.reason();
      const errors = race.errors.length ? race.errors : [`no server was asked${cut ? ` (${cut})` : ''}`];
      return { status: 'failed', errors: cut && race.errors.length ? [...errors, cut] : errors };
    }
    const res = race.value;
    const why = interceptionSign(res, role, zone);
    if (why && !out.interception) out.interception = { server: res.server, transport, why };
    return { status: 'ok', server: res.server, answer: describe(res), ...(why ? { interception: why } : {}) };
  };

  try {
    const primary = v4.length > 0 ? v4 : v6;
    const [udp, tcp, ipv6] = await Promise.all([
      probe(primary, 'udp'),
      probe(primary, 'tcp'),
      v6.length === 0
        ? Promise.resolve<ProbeOutcome>({
            status: 'skipped',
            why: `no IPv6 address among the ${role === 'parent' ? 'parent' : 'root'} servers`,
          })
        : v4.length === 0
          ? Promise.resolve<ProbeOutcome>({ status: 'skipped', why: 'the servers are IPv6 only: see UDP and TCP' })
          : probe(v6, 'udp'),
    ]);
    return {
      role,
      source: configured.length > 0 ? 'configured' : 'iana',
      question: `${zone || '.'} NS`,
      deadlineMs: budget.deadlineMs,
      udp,
      tcp,
      ipv6,
      ...out,
    };
  } finally {
    budget.dispose();
  }
}

/** One line about an answer: the rcode, the flags, and what it held. */
function describe(res: DnsResponse): string {
  const p = res.packet;
  const ns = (p.authorities ?? []).find((a) => a.type === 'NS');
  const what =
    (p.answers ?? []).length > 0
      ? `${(p.answers ?? []).length} answer record(s)`
      : ns
        ? `a referral to ${normName(ns.name) || '.'}`
        : 'no records';
  return `${res.rcode}, AA=${res.aa ? 1 : 0}, RA=${res.ra ? 1 : 0}, ${what} from ${res.server}`;
}
