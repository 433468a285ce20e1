/**
 * Lameness (what Zonemaster and DNSViz test): every address of a nameserver set must answer the
 * zone's SOA and NS itself (AA=1), the servers must agree on the SOA serial, and the zone's apex
 * NS must be the set's names. A server that answers without authority (REFUSED, SERVFAIL, AA=0,
 * a referral) is lame; one that does not answer leaves the check unverified, never passed.
 * Plain data out: plan, apply and drift decide what a finding means for them.
 */
import type { SoaData } from 'dns-packet';
import { QueryBudget } from './budget.js';
import { type DnsResponse, formatServer, parseServer, query, rdataText, type ServerAddress } from './client.js';
import { normName } from './names.js';

export interface LamenessOptions {
  port: number; // port of bare addresses (53; tests use a high port)
  timeoutMs?: number;
  retries?: number;
  signal?: AbortSignal;
  deadlineMs?: number; // default 10 s for the whole check
  maxQueries?: number;
}

export interface LamenessServer {
  server: string;
  /** 'ok': SOA and NS answered with AA=1; 'lame': answered, not authoritatively; 'unreachable': no answer. */
  status: 'ok' | 'lame' | 'unreachable';
  serial?: number;
  ns: string[]; // the apex NS it answered (sorted)
  problem?: string;
}

export interface LamenessResult {
  zone: string;
  status: 'ok' | 'failed' | 'could_not_verify';
  servers: LamenessServer[];
  serials: number[]; // distinct serials seen (sorted)
  serialsAgree: boolean;
  apexNs: string[]; // union of the apex NS answered
  apexNsMatches: boolean; // every answering server's apex NS equals the expected names
  lame: string[]; // servers that answered without authority
  unreachable: string[];
  problems: string[];
}

/** Check that each of `setAddresses` serves `zone` with AA=1, serials agree and apex NS = `expectedNames`. */
export async function checkZoneLameness(
  zone: string,
  setAddresses: string[],
  expectedNames: string[],
  opts: LamenessOptions,
): Promise<LamenessResult> {
  const z = normName(zone);
  const budget = new QueryBudget({ deadlineMs: opts.deadlineMs, maxQueries: opts.maxQueries, signal: opts.signal });
  const q = { timeoutMs: opts.timeoutMs ?? 2000, retries: opts.retries ?? 1, budget, signal: budget.signal };
  try {
    const addresses: ServerAddress[] = [...new Set(setAddresses)].map((a) => parseServer(a, opts.port));
    const servers = await Promise.all(addresses.map((a) => askServer(a, z, q)));
    return summarise(z, servers, expectedNames.map(normName), budget.reason());
  } finally {
    budget.dispose();
  }
}

async function askServer(
  address: ServerAddress,
  zone: string,
  q: { timeoutMs: number; retries: number; budget: QueryBudget; signal: AbortSignal },
): Promise<LamenessServer> {
  const server = formatServer(address);
  const ask = (type: 'SOA' | 'NS'): Promise<DnsResponse | Error> =>
    query(address, zone, type, q).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  const [soa, ns] = await Promise.all([ask('SOA'), ask('NS')]);
  const out: LamenessServer = { server, status: 'ok', ns: [] };
  for (const [type, res] of [
    ['SOA', soa],
    ['NS', ns],
  ] as const) {
    if (res instanceof Error) {
      if (out.status === 'ok') Object.assign(out, { status: 'unreachable', problem: res.message });
      continue;
    }
    const records = (res.packet.answers ?? []).filter((a) => a.type === type && normName(a.name) === zone);
    if (!res.aa || res.rcode !== 'NOERROR' || records.length === 0) {
      const how = res.rcode !== 'NOERROR' ? res.rcode : !res.aa ? 'without AA=1' : 'with no record';
      if (out.status !== 'lame') {
        Object.assign(out, { status: 'lame', problem: `answers ${zone} ${type} ${how}: it does not serve the zone` });
      }
      continue;
    }
    if (type === 'SOA') out.serial = (records[0] as { data: SoaData }).data.serial;
    else out.ns = [...new Set(records.map((r) => normName(rdataText(r) ?? '')))].sort();
  }
  return out;
}

function summarise(zone: string, servers: LamenessServer[], expected: string[], cutShort?: string): LamenessResult {
  const answering = servers.filter((s) => s.status === 'ok');
  const serials = [...new Set(answering.map((s) => s.serial!))].sort((a, b) => a - b);
  const want = [...new Set(expected)].sort().join(',');
  const apexNs = [...new Set(answering.flatMap((s) => s.ns))].sort();
  const apexNsMatches = answering.every((s) => s.ns.join(',') === want);
  const lame = servers.filter((s) => s.status === 'lame').map((s) => s.server);
  const unreachable = servers.filter((s) => s.status === 'unreachable').map((s) => s.server);
  const problems: string[] = [];
  for (const s of servers.filter((x) => x.status !== 'ok')) problems.push(`${s.server}: ${s.problem}`);
  if (serials.length > 1) {
    const each = answering.map((s) => `${s.server} has ${s.serial}`).join(', ');
    problems.push(`the servers disagree on ${zone}'s SOA serial: ${each}`);
  }
  if (!apexNsMatches) {
    problems.push(
      `${zone}'s apex NS is ${apexNs.join(', ') || 'empty'}, not the set's names ${expected.join(', ')}` +
        ' (Cloudflare lists the set in the zone once it uses the set)',
    );
  }
  if (cutShort) problems.push(cutShort);
  const failed = lame.length > 0 || serials.length > 1 || !apexNsMatches;
  const status = failed
    ? 'failed'
    : unreachable.length > 0 || servers.length === 0 || cutShort
      ? 'could_not_verify'
      : 'ok';
  if (servers.length === 0) problems.push('no address to ask');
  return {
    zone,
    status,
    servers,
    serials,
    serialsAgree: serials.length <= 1,
    apexNs,
    apexNsMatches,
    lame,
    unreachable,
    problems,
  };
}
