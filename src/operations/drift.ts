/**
 * `acns drift` as an operation: every difference between the live account and the file, and for the
 * zones already on their set, what DNS says (information, not drift): whether the parent zone
 * delegates them to it yet, whether every address of the set serves them with authority, whether the
 * referral resolvers get carries the right NS, glue and DS, and whether the sets in use have glue.
 */
import pLimit from 'p-limit';
import { readZoneDelegations, referralOptions } from '../dns/delegation-reads.js';
import { checkSetGlue, type GlueReport } from '../dns/glue.js';
import { whereText } from '../dns/where.js';
import { explainedSets, type TakeoverProgress } from '../plan/takeover.js';
import { followTakeovers } from './takeover.js';
import { checkZoneReferral } from '../dns/referral.js';
import {
  buildDriftReport,
  type DriftReport,
  delegationFindings,
  delegationTargets,
  dnsCheckFindings,
} from '../plan/drift.js';
import { glueExpectations } from '../plan/glue-expectations.js';
import { readLiveState } from '../state/read.js';
import type { LiveState } from '../state/types.js';
import { withConnection } from './connect.js';
import { type DnsRun, dnsRun, lameness } from './dns-run.js';
import { connectOptions } from './plan.js';
import { accountIdOf, loadConfig, type Session } from './session.js';

export async function runDrift(session: Session, req: { config: string; now?: Date }): Promise<DriftReport> {
  const desired = await loadConfig(session, req.config, { requireAccountId: true });
  const live = await withConnection(session, connectOptions(desired), (api) =>
    readLiveState(desired, api, {
      onProgress: (p) => session.progress.update(`reading ${p.phase}`, p.done, p.total),
    }),
  );
  const report = buildDriftReport(desired, live);
  if (desired.policy.glueCheck !== 'off') {
    const run = dnsRun(desired, desired.policy.glueCheck, session, live);
    const targets = delegationTargets(desired, live);
    const found = await readZoneDelegations(targets, run.dns, run.reads);
    report.delegation = delegationFindings(
      found.map(({ where, ...f }) => ({ ...f, ...(where ? { where: whereText(where) } : {}) })),
    );
    const delegated = new Set(found.filter((f) => f.status === 'delegated').map((f) => f.zone));
    const glue: GlueReport[] = [];
    const checks = await zoneChecks(desired, live, targets, delegated, run, glue);
    // a takeover whose glue still points at the old servers (or partly) is expected: its progress says so
    const setOf = new Map(
      live.zones.map((z) => [z.name, z.nameservers.type === 'custom.account' ? (z.nameservers.set ?? 1) : undefined]),
    );
    const takeover = await followTakeovers(session, accountIdOf(desired), glue, run, {
      // Cloudflare's addresses are asked for every zone on its set by the lameness check already
      askCloudflare: false,
      delegated: async (set) => found.filter((f) => f.status !== 'unknown' && setOf.get(f.zone) === set),
      ...(req.now ? { now: req.now } : {}),
    });
    const expected = explainedSets(takeover);
    report.dnsChecks = dnsCheckFindings([
      ...checks.filter((c) => !(c.check === 'glue' && expected.has(Number(c.subject.replace('set ', ''))))),
      ...holdChecks(takeover),
    ]);
    if (takeover.length) report.takeover = takeover;
  }
  return report;
}

/** Glue of each set the file's zones use, and each such zone's lameness and referral, bounded and concurrent. */
async function zoneChecks(
  desired: Parameters<typeof glueExpectations>[0],
  live: LiveState,
  targets: { zone: string; customNames: string[] }[],
  delegated: Set<string>,
  run: DnsRun,
  glue: GlueReport[],
): Promise<{ check: 'glue' | 'lameness' | 'referral'; subject: string; status: string; problems: string[] }[]> {
  const limit = pLimit(8);
  const setOf = new Map(
    live.zones.map((z) => [z.name, z.nameservers.type === 'custom.account' ? (z.nameservers.set ?? 1) : undefined]),
  );
  const { expectations } = glueExpectations(desired, live.nameservers);
  const inUse = new Set(targets.map((t) => setOf.get(t.zone)));
  const jobs: Promise<{
    check: 'glue' | 'lameness' | 'referral';
    subject: string;
    status: string;
    problems: string[];
  }>[] = [];
  for (const exp of expectations.filter((e) => inUse.has(e.set))) {
    jobs.push(
      limit(async () => {
        const r = await checkSetGlue(exp, run.dns);
        glue.push(r);
        const problems = r.names
          .filter((n) => n.status !== 'ok')
          .flatMap((n) => n.problems.map((p) => `${n.name}: ${p}`));
        if (r.bounds.cutShort) problems.push(r.bounds.cutShort);
        return { check: 'glue', subject: `set ${exp.set}`, status: r.blocking ? r.verdict : 'ok', problems };
      }),
    );
  }
  for (const t of targets) {
    const set = setOf.get(t.zone);
    const names = live.nameservers.filter((n) => n.set === set);
    const addresses = names.flatMap((n) => [n.ipv4, n.ipv6]).filter((a): a is string => Boolean(a));
    jobs.push(
      limit(async () => {
        const r = await lameness(
          t.zone,
          addresses,
          names.map((n) => n.name),
          run,
          true,
        );
        return { check: 'lameness', subject: t.zone, status: r.status, problems: r.problems };
      }),
    );
    // the referral is checked once the registrar step is done (the parent names the set)
    if (!delegated.has(t.zone)) continue;
    jobs.push(
      limit(async () => {
        const r = await checkZoneReferral(
          t.zone,
          names.map((n) => ({
            name: n.name,
            ...(n.ipv4 ? { ipv4: n.ipv4 } : {}),
            ...(n.ipv6 ? { ipv6: n.ipv6 } : {}),
          })),
          referralOptions(run.dns, run.reads),
        );
        return { check: 'referral', subject: t.zone, status: r.status, problems: r.problems };
      }),
    );
  }
  return Promise.all(jobs);
}

/** A takeover's servers that stopped answering during its hold: findings naming server, zone and until when. */
function holdChecks(
  progress: TakeoverProgress[],
): { check: 'takeover'; subject: string; status: string; problems: string[] }[] {
  return progress.flatMap((p) =>
    (p.hold ?? []).map((h) => ({
      check: 'takeover' as const,
      subject: h.zone,
      status: h.status,
      problems: [h.message],
    })),
  );
}
