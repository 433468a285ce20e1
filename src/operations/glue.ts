/**
 * `acns glue` as an operation: the glue check of every set of the file that has names in the
 * account, alone. Changes nothing in the account; it records when a takeover's glue is first seen
 * re-pointed (.acns/takeovers.json), and during a takeover's hold asks its old servers and
 * Cloudflare's addresses whether they still answer the zones.
 */
import { type GlueReport, type GlueRetry, checkSetGlue, waitForGlue } from '../dns/glue.js';
import { glueExpectations } from '../plan/glue-expectations.js';
import { withConnection } from './connect.js';
import { connectOptions } from './plan.js';
import { accountIdOf, loadConfig, type Session } from './session.js';
import type { TakeoverProgress } from '../plan/takeover.js';
import { followTakeovers } from './takeover.js';
import { readZoneDelegations } from '../dns/delegation-reads.js';
import { dnsOptions } from './settings.js';

export interface GlueOutcome {
  reports: GlueReport[];
  /**
   * Where each takeover of names in production stands (its glue failing is then expected), recorded
   * or found from DNS, with the servers that must keep answering during its hold and do not.
   */
  takeover: TakeoverProgress[];
  /** Names of the file that do not exist in the account yet: nothing to check for them. */
  notCreated: { name: string; set: number }[];
}

export async function runGlue(
  session: Session,
  req: { config: string; glueWaitMs?: number; now?: Date },
): Promise<GlueOutcome> {
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
            onAttempt: (r, n, next) => {
              if (r.blocking && !session.signal?.aborted) session.progress.note(glueWaitNote(exp.set, n, next));
            },
          })
        : checkSetGlue(exp, dns),
    ),
  );
  const takeover = await followTakeovers(
    session,
    accountIdOf(desired),
    reports,
    { dns },
    {
      askCloudflare: true,
      // a failing set without apply's record: is it a takeover? (the file's zones on it, as delegated now)
      delegated: async (set, names) => {
        const zones = desired.zones.filter((z) => z.target.type === 'custom' && z.target.set === set);
        const found = await readZoneDelegations(
          zones.map((z) => ({ zone: z.name, customNames: names })),
          dns,
        );
        return found.filter((f) => f.status !== 'unknown');
      },
      ...(req.now ? { now: req.now } : {}),
    },
  );
  return { reports, takeover, notCreated };
}

/** The progress note after a --glue-wait check that did not pass: when the next one is, how long is left. */
export function glueWaitNote(set: number, attempt: number, next: GlueRetry | undefined): string {
  const checks = `${attempt} check${attempt === 1 ? '' : 's'}`;
  if (!next) return `set ${set}: glue still not ready after ${checks}; the --glue-wait time is up`;
  return (
    `set ${set}: glue not ready after ${checks}; next check in ${formatWait(next.delayMs)}, ` +
    `${formatWait(next.leftMs)} of --glue-wait left`
  );
}

/** 45s, 2m05s, 1h30m: whole seconds, rounded up so a wait never reads as 0s. */
export function formatWait(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
