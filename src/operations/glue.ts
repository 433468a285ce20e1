/**
 * `acns glue` as an operation: the glue check of every set of the file that has names in the
 * account, alone. Changes nothing.
 */
import { type GlueReport, checkSetGlue, waitForGlue } from '../dns/glue.js';
import { glueExpectations } from '../plan/glue-expectations.js';
import { withConnection } from './connect.js';
import { connectOptions } from './plan.js';
import { loadConfig, type Session } from './session.js';
import { dnsOptions } from './settings.js';

export interface GlueOutcome {
  reports: GlueReport[];
  /** Names of the file that do not exist in the account yet: nothing to check for them. */
  notCreated: { name: string; set: number }[];
}

export async function runGlue(session: Session, req: { config: string; glueWaitMs?: number }): Promise<GlueOutcome> {
  const desired = await loadConfig(session, req.config, { requireAccountId: true });
  const live = await withConnection(session, connectOptions(desired), (api) => api.listNameservers());
  const { expectations, notCreated } = glueExpectations(desired, live);
  const dns = dnsOptions(desired, session.signal);
  const waitMs = req.glueWaitMs ?? 0;
  const reports = await Promise.all(
    expectations.map((exp) =>
      waitMs
        ? waitForGlue(exp, {
            ...dns,
            waitMs,
            onAttempt: (r, n) => {
              if (r.blocking) session.progress.note(`set ${exp.set}: glue not ready (attempt ${n})`);
            },
          })
        : checkSetGlue(exp, dns),
    ),
  );
  return { reports, notCreated };
}
