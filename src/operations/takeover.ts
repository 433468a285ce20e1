/**
 * The DNS side of taking over names already in production (plan/takeover.ts decides): when planning,
 * for each set whose switching zones are delegated to its names today, the set's glue check tells
 * where the names point, and the old addresses are asked for each zone's SOA and NS (AA=1); before
 * apply's switches the same is proved again; `acns glue` and `acns drift` follow the registrar step
 * from the record apply keeps (.acns/takeovers.json), or from DNS alone when it is missing, and ask
 * the old servers and Cloudflare's addresses for each zone until the hold is over.
 */
import pLimit from 'p-limit';
import { readTakeoverRecords, takeoversPath, writeTakeoverRecords } from '../apply/delegation-moves.js';
import type { TakeoverChecker } from '../apply/types.js';
import { readDelegations } from '../dns/delegation-reads.js';
import { checkSetGlue, type GlueReport } from '../dns/glue.js';
import { canonIp } from '../dns/names.js';
import { whereText } from '../dns/where.js';
import type { DelegationFinding } from '../plan/delegation.js';
import { type DelegatedZone, detectTakeover, type HoldRead, holdIsOn, judgeHold } from '../plan/takeover-hold.js';
import {
  candidateFromFindings,
  judgeTakeover,
  type NameNow,
  type NameSighting,
  oldAddresses,
  type TakeoverCandidate,
  type TakeoverPlace,
  type TakeoverProgress,
  takeoverCandidates,
  type TakeoverRecord,
  takeoverProgress,
  type TakeoverVerdict,
  type ServingRead,
} from '../plan/takeover.js';
import type { Plan } from '../plan/types.js';
import { type DnsRun, lameness } from './dns-run.js';
import type { Session } from './session.js';

/**
 * The takeovers a plan holds, from what DNS says now (nothing more is asked unless a zone is
 * delegated to a set's names today).
 */
export async function readTakeovers(
  plan: Plan,
  findings: DelegationFinding[],
  run: DnsRun,
): Promise<{ verdict: TakeoverVerdict; place: TakeoverPlace }[]> {
  if (!run.on) return [];
  const out: { verdict: TakeoverVerdict; place: TakeoverPlace }[] = [];
  for (const c of takeoverCandidates(plan, findings)) {
    const exp = plan.glue.find((g) => g.set === c.set);
    if (!exp) continue;
    const report = await checkSetGlue(exp, run.dns);
    const judged = await judge(c, report, run);
    if (judged) out.push(judged);
  }
  return out;
}

/** A candidate's verdict from its glue report: undefined when its glue does not point elsewhere. */
async function judge(
  c: TakeoverCandidate,
  report: GlueReport,
  run: Pick<DnsRun, 'dns'>,
): Promise<{ verdict: TakeoverVerdict; place: TakeoverPlace } | undefined> {
  const sightings = sightingsOf(report);
  const old = oldAddresses(sightings, c.zones);
  if (!old) return undefined;
  const addresses = [...new Set([...old.values()].flat())].sort();
  const limit = pLimit(8);
  const serving: ServingRead[] = await Promise.all(
    c.zones.map((z) =>
      limit(async () => {
        const r = await lameness(z.zone, addresses, c.names, run, false);
        return { zone: z.zone, status: r.status, problems: r.problems };
      }),
    ),
  );
  return { verdict: judgeTakeover(c, sightings, old, serving), place: placeOf(report) };
}

function placeOf(report: GlueReport): TakeoverPlace {
  const ttls = report.servers.map((s) => s.nsTtl).filter((t): t is number => t !== undefined);
  return {
    hostZone: report.hostZone,
    where: whereText(report.where, report.registrar),
    ...(ttls.length ? { nsTtl: Math.max(...ttls) } : {}),
  };
}

function sightingsOf(report: GlueReport): NameSighting[] {
  return report.names.map((n) => ({
    name: n.name,
    cloudflare: [n.expected.ipv4, n.expected.ipv6].filter((a): a is string => a !== undefined),
    glue: [...n.found.ipv4, ...n.found.ipv6],
    answers: [...n.child.ipv4, ...n.child.ipv6].map(canonIp),
  }));
}

/**
 * Apply's proof before a takeover's switches, run when the set's glue check does not pass: the
 * zones waiting for the check are read again, and the set is passed only when it is still a takeover
 * (zones delegated to its names, glue pointing at other servers) and every old address still answers
 * each such zone with authority. Anything else is the glue check's own failure.
 */
export function takeoverChecker(plan: Plan, run: DnsRun, allowUnknown: boolean): TakeoverChecker {
  return async (step, exp, report) => {
    const set = (step.after as { set: number }).set;
    const waiting = plan.steps.filter((s) => s.kind === 'assign_zone' && s.dependsOn.includes(step.id));
    const names = exp.names.map((n) => n.name);
    const findings = await readDelegations(
      { ...plan, steps: waiting },
      { nameservers: [] },
      new Map([[set, names]]),
      run.dns,
      run.reads,
    );
    const unknown = findings.filter((f) => f.status === 'unknown');
    const c = candidateFromFindings(set, names, findings);
    if (c.zones.length === 0) {
      return {
        ok: false,
        message:
          unknown.length > 0
            ? `could not read the delegation of ${unknown.map((f) => f.zone).join(', ')} (${unknown[0]!.detail})`
            : `no zone switching to set ${set} is delegated to its names any more: not a takeover now`,
      };
    }
    const judged = await judge(c, report as GlueReport, run);
    if (!judged) return { ok: false, message: `the glue of set ${set}'s names no longer points at other servers` };
    const v = judged.verdict;
    const old = [...new Set(v.names.flatMap((n) => n.old))].sort().join(', ');
    const unread = unknown.map((f) => `${f.zone}: ${f.detail}`);
    if (v.state === 'unsafe') {
      return { ok: false, message: `the old servers (${old}) do not answer as they should: ${v.problems.join('; ')}` };
    }
    if ((v.state === 'unknown' || unread.length > 0) && !allowUnknown) {
      return {
        ok: false,
        message:
          `could not verify that the old servers (${old}) still answer: ${[...v.problems, ...unread].join('; ')} ` +
          '(override: --allow-unknown-delegation)',
      };
    }
    return {
      ok: true,
      message:
        `takeover: the glue still points at the old servers (${old}), which answer ` +
        `${v.zones.map((z) => z.zone).join(', ')} with authority — the zones switch first, ` +
        'the glue is re-pointed after',
    };
  };
}

export interface FollowOptions {
  /** The zones of the file on a set and how their parents delegate them now (for a takeover without a record). */
  delegated: (set: number, names: string[]) => Promise<DelegatedZone[]>;
  /** Ask Cloudflare's addresses too (drift's lameness check already asks them for every zone on its set). */
  askCloudflare: boolean;
  now?: Date;
}

/**
 * Where each takeover stands, from the glue reports of its set: the recorded ones, and one found
 * from DNS for a failing set without a record (apply's record missing: a fresh CI checkout). During
 * the hold the old servers (and, with askCloudflare, Cloudflare's addresses) are asked for each
 * zone's SOA and NS with AA=1. Updates the record.
 */
export async function followTakeovers(
  session: Session,
  accountId: string,
  reports: GlueReport[],
  run: Pick<DnsRun, 'dns'>,
  opts: FollowOptions,
): Promise<TakeoverProgress[]> {
  const now = opts.now ?? new Date();
  const records = await readTakeoverRecords(takeoversPath(session.cwd), accountId);
  const found: TakeoverRecord[] = [];
  for (const r of reports) {
    if (!r.blocking || records.some((x) => x.set === r.set)) continue;
    const names = r.names.map((n) => n.name);
    const zones = await opts.delegated(r.set, names);
    const rec = detectTakeover(r.set, sightingsOf(r), zones, placeOf(r), now);
    if (rec) found.push(rec);
  }
  const all = [...records, ...found].sort((a, b) => a.set - b.set);
  if (all.length === 0) return [];
  const out: TakeoverProgress[] = [];
  const next: TakeoverRecord[] = [];
  for (const rec of all) {
    const report = reports.find((r) => r.set === rec.set);
    if (!report) {
      next.push(rec);
      continue;
    }
    const { progress, record } = takeoverProgress(rec, namesNow(report), now);
    const reads = holdIsOn(progress) ? await askHold(record, report, run, opts.askCloudflare) : [];
    const hold = judgeHold(progress, record, reads);
    out.push(hold.length ? { ...progress, hold } : progress);
    next.push(record);
  }
  if (JSON.stringify(next) !== JSON.stringify(records)) {
    const why = await writeTakeoverRecords(session.cwd, accountId, next, now);
    if (why) session.warn(`acns: warning: could not update .acns/takeovers.json: ${why}`);
  }
  return out;
}

/** Both sides of a takeover in its hold, for each zone: bounded by the run's DNS deadline, 8 at a time. */
async function askHold(
  rec: TakeoverRecord,
  report: GlueReport,
  run: Pick<DnsRun, 'dns'>,
  askCloudflare: boolean,
): Promise<HoldRead[]> {
  const names = rec.names.map((n) => n.name);
  const sides: [HoldRead['side'], string[]][] = [['old', [...new Set(rec.names.flatMap((n) => n.old))].sort()]];
  if (askCloudflare) {
    const cf = report.names.flatMap((n) => [n.expected.ipv4, n.expected.ipv6]).filter((a): a is string => !!a);
    sides.push(['cloudflare', [...new Set(cf)]]);
  }
  const limit = pLimit(8);
  const jobs = rec.zones.flatMap((zone) =>
    sides
      .filter(([, addresses]) => addresses.length > 0)
      .map(([side, addresses]) =>
        limit(async (): Promise<HoldRead> => {
          // the old servers' apex NS may already differ; Cloudflare's name the set's names
          const r = await lameness(zone, addresses, names, run, side === 'cloudflare');
          return { zone, side, status: r.status, servers: [...r.lame, ...r.unreachable], problems: r.problems };
        }),
      ),
  );
  return Promise.all(jobs);
}

/**
 * Re-pointed means the registry's glue (or, where the glue is not visible, the domain's answers)
 * carries only Cloudflare's addresses; the old servers answering their old copy of the names' A/AAAA
 * meanwhile is expected until they are retired.
 */
function namesNow(report: GlueReport): NameNow[] {
  return report.names.map((n) => {
    const cloudflare = [n.expected.ipv4, n.expected.ipv6].filter((a): a is string => a !== undefined);
    const glue = [...n.found.ipv4, ...n.found.ipv6].map(canonIp);
    const answers = [...n.child.ipv4, ...n.child.ipv6].map(canonIp);
    const shown = n.inDelegation ? glue : answers;
    return {
      name: n.name,
      ok: shown.length > 0 && shown.every((a) => cloudflare.includes(a)),
      seen: [...glue, ...answers],
      cloudflare,
    };
  });
}
