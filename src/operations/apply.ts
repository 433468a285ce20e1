/**
 * `acns apply` as an operation: a saved plan is re-checked against the account and carried out
 * exactly; without one, the file is planned and the caller approves it. Every run is bracketed in
 * the journal by apply_start and apply_end, refused and empty runs included.
 */
import { mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { baselinePath, recordApplied } from '../apply/baseline.js';
import { executePlan } from '../apply/executor.js';
import {
  defaultJournalPath,
  describeUnfinishedRun,
  type Journal,
  openJournal,
  readUnfinishedRun,
} from '../apply/journal.js';
import { type ApplyLock, acquireApplyLock, lockPathFor } from '../apply/lock.js';
import { preflightSavedPlan, refuseUnsafe, refuseWithoutPreconditions } from '../apply/preflight.js';
import { readTakeoverRecords, takeoversPath, writeTakeoverRecords } from '../apply/delegation-moves.js';
import type { ApplyResult, GlueChecker, StepResult } from '../apply/types.js';
import { type MovesRecord, recordSwitch } from '../plan/leaving.js';
import type { AccountApiHandle } from '../cloudflare/account.js';
import type { LiveNameserver } from '../cloudflare/types.js';
import type { DesiredState } from '../config/types.js';
import { type GlueReport, checkSetGlue, waitForGlue } from '../dns/glue.js';
import { AcnsError, UsageError } from '../errors.js';
import { registrarNoteZone } from '../plan/delegation.js';
import { readPlanFile } from '../plan/planfile.js';
import { configDifferences } from '../plan/config-match.js';
import { isEmptyPlan } from '../plan/summary.js';
import type { OverridableGuard, Plan } from '../plan/types.js';
import { connect } from './connect.js';
import { glueWaitNote } from './glue.js';
import { type DnsRun, dnsRun } from './dns-run.js';
import { recheckDelegations, saveMoves } from './leaving.js';
import { connectOptions, readAndPlan } from './plan.js';
import { loadConfig, type Session } from './session.js';
import { settingsForSavedPlan } from './settings.js';
import { switchCheckWaitMs, zoneChecker } from './zonecheck.js';
import { recordTakeover, repointNote, keepOldNote, type TakeoverRecord } from '../plan/takeover.js';
import { takeoverChecker } from './takeover.js';

export interface ApplyRequest {
  /** A plan saved with `acns plan -o`; without one, `config` is planned and `approve` asked. */
  planFile?: string;
  config: string;
  /** `config` was named by the user (-c): with a plan file, a missing config is then an error, not skipped. */
  configGiven?: boolean;
  /** With a plan file: do not compare the plan's glue policy and settings with `config`. */
  ignoreConfig?: boolean;
  /** Guards the reviewer allows on purpose (`--allow-mass-change` → mass_change). */
  allow?: OverridableGuard[];
  /** Keep re-checking missing glue for up to this long. */
  glueWaitMs?: number;
  /** How long a switched zone may take to answer on its set's addresses (default: dns.switch_check_seconds). */
  zoneCheckWaitMs?: number;
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
  const journalPath = resolve(session.cwd, req.journal ?? defaultJournalPath(session.cwd));
  await refuseJournalOver(session.cwd, journalPath, [
    ...(req.planFile ? [{ path: req.planFile, what: 'the plan being applied' }] : []),
    { path: req.config, what: 'the configuration' },
  ]);
  try {
    mkdirSync(dirname(journalPath), { recursive: true });
  } catch (e) {
    throw new AcnsError('journal_unwritable', `cannot open the journal ${journalPath}: ${(e as Error).message}`, {
      hint: 'pass --journal FILE with a writable location',
    });
  }
  // one apply at a time per journal; taken before reading it, so a running apply is never "unfinished"
  const lock = acquireApplyLock(lockPathFor(journalPath), { ...(req.planFile ? { plan: req.planFile } : {}) });
  try {
    return await runLocked(session, req, journalPath, lock);
  } finally {
    lock.release();
  }
}

/** The journal is appended to: pointed at the plan or the config, it would corrupt them. */
async function refuseJournalOver(cwd: string, journal: string, files: { path: string; what: string }[]) {
  const j = await stat(journal).catch(() => undefined);
  for (const f of files) {
    const path = resolve(cwd, f.path);
    const other = await stat(path).catch(() => undefined);
    if (path === journal || (j && other && j.dev === other.dev && j.ino === other.ino)) {
      throw new UsageError(
        `--journal ${journal} is ${f.what} (${f.path}); appending audit lines to it would damage it — ` +
          'nothing was changed',
        'point --journal at its own file, or leave it out to use .acns/journal.jsonl',
      );
    }
  }
}

async function runLocked(
  session: Session,
  req: ApplyRequest,
  journalPath: string,
  lock: ApplyLock,
): Promise<ApplyOutcome> {
  const previous = readUnfinishedRun(journalPath);
  const journal = openJournal(journalPath);
  journal.event('apply_start', req.planFile ? { plan: req.planFile } : { config: req.config });
  if (lock.replaced) {
    const r = lock.replaced;
    session.warn(
      `acns: warning: took over the apply lock left by pid ${r.pid} (started ${r.started_at}), which no longer runs`,
    );
  }
  if (previous) {
    session.warn(describeUnfinishedRun(previous));
    journal.event('previous_run_unfinished', {
      started_at: previous.startedAt,
      in_flight: previous.inFlight,
      ...(lock.replaced ? { stale_lock: lock.replaced } : {}),
    });
  }
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
    // the record of delegation moves, read once before the first write (a damaged one stops the run
    // there, not after the changes); this run's switches are added to it
    let movesBefore: MovesRecord | undefined;
    if (req.planFile) {
      plan = (await readPlanFile(req.planFile, session.cwd)).plan;
      refuseOtherAccount(plan, req.planFile, session.env.CLOUDFLARE_ACCOUNT_ID);
      refuseWithoutPreconditions(plan, req.planFile);
      if (!req.ignoreConfig) await refuseOtherConfig(session, plan, req);
      settings = settingsForSavedPlan(plan, session.env);
      api = connect(session, { accountId: plan.accountId, cloudflare: settings.cloudflare, access: 'write', ...hooks });
      // Nothing in the file is trusted for its own safety: re-derived, then re-read.
      const preflight = { planFile: req.planFile, ...(req.allow ? { allow: req.allow } : {}) };
      let names: LiveNameserver[] | undefined;
      const checked = await preflightSavedPlan(plan, api, { ...preflight, onNameservers: (n) => (names = n) });
      alreadyDone = checked.alreadyDone;
      movesBefore = await recheckDelegations(session, plan, api, settings, req.allow ?? [], names);
    } else {
      const desired = await loadConfig(session, req.config, { requireAccountId: true });
      api = connect(session, connectOptions(desired, { access: 'write', ...hooks }));
      const allowUnknown = (req.allow ?? []).includes('delegation_unknown');
      ({ plan, moves: movesBefore } = await readAndPlan(
        session,
        desired,
        api,
        allowUnknown ? { allowUnknownDelegation: true } : {},
      ));
      settings = desired; // this run's own settings, environment included
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
    const run = dnsRun(settings, plan.gluePolicy, session);
    // read before the first write: a damaged record stops the run here, not after the changes
    const takeoversBefore = plan.takeover?.length
      ? await readTakeoverRecords(takeoversPath(session.cwd), plan.accountId)
      : [];
    const result = await executePlan(plan, api, {
      alreadyDone,
      ...(session.signal ? { signal: session.signal } : {}),
      checkGlue: glueChecker(session, run, req.glueWaitMs ?? 0, glue),
      checkTakeover: takeoverChecker(plan, run, (req.allow ?? []).includes('delegation_unknown')),
      checkZone: zoneChecker(api, run, {
        waitMs: switchCheckWaitMs(settings.dns, req.zoneCheckWaitMs),
        allowUnknownDelegation: (req.allow ?? []).includes('delegation_unknown'),
      }),
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
    if (baselineError) warnings.push(baselineError);
    await saveMoves(session, plan.accountId, movesBefore, switchesOffSets(plan, result, movesBefore), new Date());
    const switched = new Set(
      result.results.filter((r) => r.outcome === 'done' || r.outcome === 'already_done').map((r) => r.id),
    );
    const registrar = registrarNotes(plan, (zone) => switched.has(`assign_zone:${zone}`));
    registrar.push(...(await recordTakeovers(session, plan, result, glue, takeoversBefore, warnings)));
    return { kind: 'applied', plan, result, glue: [...glue.values()], warnings, registrar };
  } finally {
    session.progress.stop();
    await api?.close();
  }
}

/**
 * Each zone this run switched off a set (as done), recorded so the set's names wait for the caches
 * (undefined: nothing to record). A record this run begins starts its history now: what moved
 * before it is unknown.
 */
function switchesOffSets(plan: Plan, result: ApplyResult, before: MovesRecord | undefined): MovesRecord | undefined {
  const done = new Set(result.results.filter((r) => r.outcome === 'done').map((r) => r.id));
  const at = new Date().toISOString();
  const moves = before?.moves ?? [];
  let out = moves;
  for (const s of plan.steps) {
    const before = s.before as { type?: string; set?: number } | null;
    if (s.kind !== 'assign_zone' || before?.type !== 'custom.account' || !done.has(s.id)) continue;
    const set = before.set ?? 1;
    const names = plan.preconditions?.nameservers.find((m) => m.set === set)?.names ?? [];
    out = recordSwitch(out, { subject: s.target, set, names, switchedAt: at });
  }
  if (before) return { ...before, moves: out };
  return out === moves ? undefined : { moves: out, historyFrom: at };
}

/**
 * The takeovers whose zones this run switched: recorded (so `acns glue` and `drift` can follow the
 * registrar step), and their registrar step and hold said again, with Cloudflare's addresses now known.
 */
async function recordTakeovers(
  session: Session,
  plan: Plan,
  result: ApplyResult,
  glue: Map<number, GlueReport>,
  before: TakeoverRecord[],
  warnings: string[],
): Promise<string[]> {
  if (!plan.takeover?.length) return [];
  const done = new Set(
    result.results.filter((r) => r.outcome === 'done' || r.outcome === 'already_done').map((r) => r.id),
  );
  let records = before;
  const lines: string[] = [];
  const at = new Date();
  for (const t of plan.takeover) {
    const switched = plan.steps.filter((s) => t.after.includes(s.id) && done.has(s.id)).map((s) => s.target);
    if (switched.length === 0) continue;
    const report = glue.get(t.set);
    const names = t.names.map((n) => {
      const r = report?.register.find((x) => x.name === n.name);
      const now = r ? [r.ipv4, r.ipv6].filter((a): a is string => a !== undefined) : [];
      return { ...n, new: now.length ? now : n.new };
    });
    // a takeover already recorded for the set keeps its first switch and what was seen since
    if (!before.some((r) => r.set === t.set)) records = recordTakeover(records, t, switched, at.toISOString());
    const old = [...new Set(names.flatMap((n) => n.old))].sort();
    lines.push(repointNote(t.set, t.where, names, t.hostZone), keepOldNote(old, t.zones, t.glueTtl));
  }
  if (records !== before) {
    const why = await writeTakeoverRecords(session.cwd, plan.accountId, records, at);
    if (why) warnings.push(`acns: warning: could not update .acns/takeovers.json: ${why}`);
  }
  return lines;
}

function glueChecker(session: Session, run: DnsRun, waitMs: number, reports: Map<number, GlueReport>): GlueChecker {
  const dns = run.dns;
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

/**
 * The plan is applied with the configuration it will be reviewed against: its glue policy and API
 * and DNS settings must be the file's (`-c`, default acns.yaml, when it exists).
 */
async function refuseOtherConfig(session: Session, plan: Plan, req: ApplyRequest): Promise<void> {
  if (!req.configGiven && !(await fileExists(resolve(session.cwd, req.config)))) return;
  const desired = await loadConfig(session, req.config);
  const diffs = configDifferences(plan, desired);
  if (diffs.length === 0) return;
  throw new AcnsError(
    'plan_config_mismatch',
    `${req.planFile} was not made with ${req.config} as it is now; nothing was changed:\n` +
      diffs.map((d) => `  - ${d}`).join('\n'),
    {
      exitCode: 3,
      hint:
        `plan again with \`acns plan -c ${req.config} -o ${req.planFile}\`, or — if the plan is what you mean to ` +
        'apply — pass --ignore-config to apply it with the settings it records',
    },
  );
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

async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
