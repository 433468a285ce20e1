/**
 * The DNS side of taking over names already in production (plan/takeover.ts decides): when planning,
 * for each set whose switching zones are delegated to its names today, the set's glue check tells
 * where the names point, and the old addresses are asked for each zone's SOA and NS (AA=1); before
 * apply's switches the same is proved again; `acns glue` and `acns drift` follow the registrar step
 * from the record apply keeps (.acns/takeovers.json).
 */
import pLimit from 'p-limit';
import { readTakeoverRecords, takeoversPath, writeTakeoverRecords } from '../apply/delegation-moves.js';
import type { TakeoverChecker } from '../apply/types.js';
import { readDelegations } from '../dns/delegation-reads.js';
import { checkSetGlue, type GlueReport } from '../dns/glue.js';
import { canonIp } from '../dns/names.js';
import { whereText } from '../dns/where.js';
import type { DelegationFinding } from '../plan/delegation.js';
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
import type { DnsRun } from './leaving.js';
import type { Session } from './session.js';
import { lameness } from './zonecheck.js';

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
  const ttls = report.servers.map((s) => s.nsTtl).filter((t): t is number => t !== undefined);
  const place: TakeoverPlace = {
    hostZone: report.hostZone,
    where: whereText(report.where, report.registrar),
    ...(ttls.length ? { nsTtl: Math.max(...ttls) } : {}),
  };
  return { verdict: judgeTakeover(c, sightings, old, serving), place };
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

/** Where each recorded takeover stands, from the glue reports of its set; updates the record. */
export async function takeoverProgressOf(
  session: Session,
  accountId: string,
  reports: GlueReport[],
  now = new Date(),
): Promise<TakeoverProgress[]> {
  const records = await readTakeoverRecords(takeoversPath(session.cwd), accountId);
  if (records.length === 0) return [];
  const out: TakeoverProgress[] = [];
  const next: TakeoverRecord[] = [];
  for (const rec of records) {
    const report = reports.find((r) => r.set === rec.set);
    if (!report) {
      next.push(rec);
      continue;
    }
    const { progress, record } = takeoverProgress(rec, namesNow(report), now);
    out.push(progress);
    next.push(record);
  }
  if (JSON.stringify(next) !== JSON.stringify(records)) {
    const why = await writeTakeoverRecords(session.cwd, accountId, next, now);
    if (why) session.warn(`acns: warning: could not update .acns/takeovers.json: ${why}`);
  }
  return out;
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
