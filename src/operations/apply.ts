/**
 * `acns apply` as an operation: a saved plan is re-checked against the account and carried out
 * exactly; without one, the file is planned and the caller approves it. Every run is bracketed in
 * the journal by apply_start and apply_end, refused and empty runs included.
 */
import { resolve } from 'node:path';
import { BASELINE_PATH, baselinePath, recordApplied } from '../apply/baseline.js';
import { executePlan } from '../apply/executor.js';
import { defaultJournalPath, type Journal, openJournal } from '../apply/journal.js';
import { StalePlanError, checkStaleness } from '../apply/stale.js';
import type { ApplyResult, GlueChecker, StepResult } from '../apply/types.js';
import type { AccountApiHandle } from '../cloudflare/account.js';
import type { DesiredState } from '../config/types.js';
import { type GlueReport, checkSetGlue, waitForGlue } from '../dns/glue.js';
import { AcnsError, UsageError } from '../errors.js';
import { registrarNoteZone } from '../plan/delegation.js';
import { readPlanFile } from '../plan/planfile.js';
import { isEmptyPlan } from '../plan/summary.js';
import { type Guard, OVERRIDE_FLAG, type OverridableGuard, type Plan } from '../plan/types.js';
import { connect } from './connect.js';
import { glueWaitNote } from './glue.js';
import { connectOptions, readAndPlan } from './plan.js';
import { loadConfig, type Session } from './session.js';
import { dnsOptions, planSettings, settingsForSavedPlan } from './settings.js';

export interface ApplyRequest {
  /** A plan saved with `acns plan -o`; without one, `config` is planned and `approve` asked. */
  planFile?: string;
  config: string;
  /** Guards the reviewer allows on purpose (`--allow-mass-change` → mass_change). */
  allow?: OverridableGuard[];
  /** Keep re-checking missing glue for up to this long. */
  glueWaitMs?: number;
  journal?: string;
  /** Without a plan file: the plan just made, to show before asking. */
  onPlan?: (plan: Plan) => void;
  /** Without a plan file: whether to carry the plan out (absent: cancelled). */
  approve?: (plan: Plan) => Promise<boolean>;
  /** Each step's outcome as it is known, with how many of the plan's steps are known so far. */
  onStepDone?: (r: StepResult, done: number, total: number) => void;
}

/**
 * `registrar`: the plan's "next step at your registrar" notes for the zones that now use their set,
 * repeated after the run because that is when the user acts on them.
 */
export type ApplyOutcome =
  | { kind: 'cancelled'; plan: Plan }
  | { kind: 'nothing_to_do'; plan: Plan; reason: 'empty' | 'all_done'; registrar: string[] }
  | {
      kind: 'applied';
      plan: Plan;
      result: ApplyResult;
      glue: GlueReport[];
      warnings: string[];
      registrar: string[];
    };

export async function runApply(session: Session, req: ApplyRequest): Promise<ApplyOutcome> {
  const journal = openJournal(resolve(session.cwd, req.journal ?? defaultJournalPath(session.cwd)));
  journal.event('apply_start', req.planFile ? { plan: req.planFile } : { config: req.config });
  let exitCode = 1;
  let error: string | undefined;
  try {
    const outcome = await applyWithJournal(session, req, journal);
    exitCode = outcome.kind === 'applied' ? outcome.result.exitCode : outcome.kind === 'cancelled' ? 1 : 0;
    return outcome;
  } catch (e) {
    exitCode = e instanceof AcnsError ? e.exitCode : 1;
    error = e instanceof AcnsError ? e.code : 'unexpected';
    throw e;
  } finally {
    journal.event('apply_end', { exit_code: exitCode, ...(error ? { error } : {}) });
    if (journal.failure)
      session.warn(`acns: warning: the journal could not be fully written: ${journal.failure.message}`);
    journal.close();
  }
}

async function applyWithJournal(session: Session, req: ApplyRequest, journal: Journal): Promise<ApplyOutcome> {
  const hooks = {
    onRequest: (e: Parameters<Journal['request']>[0]) => journal.request(e),
    onRequestStart: (e: Parameters<Journal['sending']>[0]) => journal.sending(e),
  };
  let api: AccountApiHandle | undefined;
  try {
    let plan: Plan;
    let settings: Pick<DesiredState, 'cloudflare' | 'dns'>;
    let alreadyDone: string[] = [];
    if (req.planFile) {
      plan = (await readPlanFile(req.planFile, session.cwd)).plan;
      refuseOtherAccount(plan, req.planFile, session.env.CLOUDFLARE_ACCOUNT_ID);
      settings = settingsForSavedPlan(plan, session.env);
      api = connect(session, { accountId: plan.accountId, cloudflare: settings.cloudflare, ...hooks });
      refuseUnsafe(plan, req);
      const staleness = await checkStaleness(plan, api);
      if (staleness.stale.length) throw new StalePlanError(staleness.stale);
      alreadyDone = staleness.alreadyDone;
    } else {
      const desired = await loadConfig(session, req.config, { requireAccountId: true });
      api = connect(session, connectOptions(desired, hooks));
      plan = await readAndPlan(session, desired, api);
      settings = planSettings(desired);
    }
    journal.event('plan', {
      account_id: plan.accountId,
      config_digest: plan.configDigest,
      steps: plan.steps.length,
      already_done: alreadyDone.length,
    });
    if (!req.planFile) {
      session.progress.stop();
      req.onPlan?.(plan);
      if (isEmptyPlan(plan)) return { kind: 'nothing_to_do', plan, reason: 'empty', registrar: [] };
      refuseUnsafe(plan, req);
      if (!req.approve || !(await req.approve(plan))) {
        journal.event('cancelled', {});
        return { kind: 'cancelled', plan };
      }
    }
    if (plan.steps.every((s) => alreadyDone.includes(s.id)))
      return { kind: 'nothing_to_do', plan, reason: 'all_done', registrar: registrarNotes(plan, () => true) };

    const glue = new Map<number, GlueReport>();
    let finished = 0;
    const result = await executePlan(plan, api, {
      alreadyDone,
      ...(session.signal ? { signal: session.signal } : {}),
      checkGlue: glueChecker(session, settings, req.glueWaitMs ?? 0, glue),
      concurrency: settings.cloudflare.concurrency,
      onStepDone: (r) => {
        journal.step(r);
        req.onStepDone?.(r, ++finished, plan.steps.length);
      },
    });
    session.progress.stop();
    journal.event('result', { counts: result.counts, ...(result.stoppedBy ? { stopped_by: result.stoppedBy } : {}) });
    const warnings: string[] = [];
    const baselineError = await recordApplied(baselinePath(session.cwd), plan, result);
    if (baselineError) warnings.push(`acns: warning: could not update ${BASELINE_PATH}: ${baselineError}`);
    const switched = new Set(
      result.results.filter((r) => r.outcome === 'done' || r.outcome === 'already_done').map((r) => r.id),
    );
    const registrar = registrarNotes(plan, (zone) => switched.has(`assign_zone:${zone}`));
    return { kind: 'applied', plan, result, glue: [...glue.values()], warnings, registrar };
  } finally {
    session.progress.stop();
    await api?.close();
  }
}

function glueChecker(
  session: Session,
  settings: Pick<DesiredState, 'dns'>,
  waitMs: number,
  reports: Map<number, GlueReport>,
): GlueChecker {
  const dns = dnsOptions(settings, session.signal);
  return async (exp) => {
    const report = waitMs
      ? await waitForGlue(exp, {
          ...dns,
          waitMs,
          onAttempt: (r, n, next) => {
            if (r.blocking && !session.signal?.aborted) session.progress.note(glueWaitNote(exp.set, n, next));
          },
        })
      : await checkSetGlue(exp, dns);
    reports.set(exp.set, report);
    return report;
  };
}

function registrarNotes(plan: Plan, switched: (zone: string) => boolean): string[] {
  return plan.notes.filter((n) => {
    const zone = registrarNoteZone(n);
    return zone !== undefined && switched(zone);
  });
}

function refuseUnsafe(plan: Plan, req: Pick<ApplyRequest, 'allow'>): void {
  const blocking = plan.guards.filter((g) => !(g.override && req.allow?.includes(g.override)));
  if (!blocking.length) return;
  const override = (g: Guard) => (g.override ? ` (override: ${OVERRIDE_FLAG[g.override]})` : '');
  const lines = blocking.map((g) => `  - ${g.message}${override(g)}`).join('\n');
  throw new AcnsError('plan_unsafe', `refusing to apply an unsafe plan; nothing was changed:\n${lines}`, {
    exitCode: 3,
    hint: blocking.some((g) => g.override)
      ? 'review the plan; if the change is intended, run apply again with the override named above'
      : 'fix the file or the account as described, then run acns plan again',
  });
}

/** A saved plan is for one account: a CLOUDFLARE_ACCOUNT_ID naming another is a mistake, not an override. */
function refuseOtherAccount(plan: Plan, planfile: string, envAccount: string | undefined): void {
  const want = envAccount?.trim().toLowerCase();
  if (!want || want === plan.accountId.toLowerCase()) return;
  throw new UsageError(
    `${planfile} was made for account ${plan.accountId}, but CLOUDFLARE_ACCOUNT_ID is ${want}; nothing was changed`,
    'unset CLOUDFLARE_ACCOUNT_ID to apply the plan to the account it was made for, ' +
      'or make a new plan for the other account',
  );
}
