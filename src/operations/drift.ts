/**
 * `acns drift` as an operation: every difference between the live account and the file, and for the
 * zones already on their set, whether the parent zone delegates them to it yet (information, not drift).
 */
import { readZoneDelegations } from '../dns/delegation-reads.js';
import { buildDriftReport, type DriftReport, delegationFindings, delegationTargets } from '../plan/drift.js';
import { readLiveState } from '../state/read.js';
import { withConnection } from './connect.js';
import { connectOptions } from './plan.js';
import { loadConfig, type Session } from './session.js';
import { dnsOptions } from './settings.js';

export async function runDrift(session: Session, req: { config: string }): Promise<DriftReport> {
  const desired = await loadConfig(session, req.config, { requireAccountId: true });
  const live = await withConnection(session, connectOptions(desired), (api) =>
    readLiveState(desired, api, {
      onProgress: (p) => session.progress.update(`reading ${p.phase}`, p.done, p.total),
    }),
  );
  const report = buildDriftReport(desired, live);
  if (desired.policy.glueCheck !== 'off') {
    const found = await readZoneDelegations(delegationTargets(desired, live), dnsOptions(desired, session.signal));
    report.delegation = delegationFindings(found);
  }
  return report;
}
