/**
 * The executor: walks the plan's step graph. Independent steps run concurrently (bounded); a step
 * starts only after every dependency succeeded. A failure skips what depends on it and lets
 * independent steps go on — unless it is account-wide (auth, entitlement, API unreachable, 429
 * retries exhausted), which, like an abort signal, stops starting steps and lets running ones finish.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { AccountApi } from '../cloudflare/api.js';
import { isAccountWide } from '../cloudflare/errors.js';
import { AcnsError } from '../errors.js';
import { valueSet } from '../plan/describe.js';
import type { GlueExpectation, Plan, Step } from '../plan/types.js';
import type { LiveNameserver, ZoneNameservers } from '../cloudflare/types.js';
import { liveGlueExpectation, recheckBeforeDelete, type RecheckMemo } from './recheck.js';
import { StalePlanError } from './stale.js';
import type {
  ApplyResult,
  GlueChecker,
  StaleObject,
  StepError,
  StepOutcome,
  StepResult,
  StoppedBy,
  TakeoverChecker,
  ZoneChecker,
} from './types.js';

export interface ExecuteOptions {
  /** Steps in flight at once. Default 4. */
  concurrency?: number;
  /** Aborted (SIGINT): stop starting steps, let running ones finish, exit 130. */
  signal?: AbortSignal;
  /** Runs glue_check steps; without it a glue_check fails in `enforce` and passes with a note in `warn`. */
  checkGlue?: GlueChecker;
  /** Checks a zone right after its switch; a blocking verdict in `enforce` stops the run (exit 3). */
  checkZone?: ZoneChecker;
  /** Proves a takeover's old servers before its switches when its glue check does not pass. */
  checkTakeover?: TakeoverChecker;
  onStepStart?(step: Step): void;
  /** Called once per step when its outcome is known (including skipped / not attempted). */
  onStepDone?(r: StepResult): void;
  /** Step ids checkStaleness found already done. */
  alreadyDone?: string[];
}

export const GLUE_CHECK_FAILED = 'glue_check_failed';
/** A zone switched but did not answer as it should right after: a safety stop like a failed glue check. */
export const ZONE_CHECK_FAILED = 'zone_check_failed';
export const PLAN_STALE = 'plan_stale';

/** The id of the step whose work is running in the current async context (for the journal). */
export function currentStepId(): string | undefined {
  return stepContext.getStore();
}

export async function executePlan(plan: Plan, api: AccountApi, opts: ExecuteOptions = {}): Promise<ApplyResult> {
  validateGraph(plan);
  const run = new Run(plan, api, opts);
  await run.execute();
  return run.result();
}

const stepContext = new AsyncLocalStorage<string>();

function validateGraph(plan: Plan): void {
  const index = new Map(plan.steps.map((s, i) => [s.id, i]));
  if (index.size !== plan.steps.length) {
    throw new AcnsError('plan_invalid', 'the plan has two steps with the same id', {
      hint: 'the plan file was edited or is damaged: run `acns plan -o <planfile>` again',
    });
  }
  for (const s of plan.steps) {
    for (const d of s.dependsOn) {
      const at = index.get(d);
      if (at === undefined || at >= (index.get(s.id) as number)) {
        throw new AcnsError('plan_invalid', `the plan's step ${s.id} depends on ${d}, which is not an earlier step`, {
          hint: 'the plan file was edited or is damaged: run `acns plan -o <planfile>` again',
        });
      }
    }
  }
}

class Run {
  private readonly results = new Map<string, StepResult>();
  private readonly pending: Step[];
  private readonly created = new Map<string, LiveNameserver>();
  private readonly concurrency: number;
  private running = 0;
  private stoppedBy?: StoppedBy;
  private interrupted = false;
  private readonly stale: StaleObject[] = [];
  private readonly memo: RecheckMemo = { unusedBelowTwo: new Set() };
  /** Deletions of one set run one after another, so each re-check sees the count it acts on. */
  private readonly setQueues = new Map<number, Promise<unknown>>();
  private wake: () => void = () => {};

  constructor(
    private readonly plan: Plan,
    private readonly api: AccountApi,
    private readonly opts: ExecuteOptions,
  ) {
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
    this.pending = [...plan.steps];
  }

  async execute(): Promise<void> {
    const signal = this.opts.signal;
    const onAbort = (): void => this.stop('interrupted');
    if (signal?.aborted) this.stop('interrupted');
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.markAlreadyDone();
      for (;;) {
        this.schedule();
        if (this.running === 0) break;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
      for (const s of [...this.pending]) this.finish(s, { outcome: 'not_attempted' });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  result(): ApplyResult {
    const results = this.plan.steps.map((s) => this.results.get(s.id) as StepResult);
    const counts: Record<StepOutcome, number> = { done: 0, already_done: 0, failed: 0, skipped: 0, not_attempted: 0 };
    for (const r of results) counts[r.outcome]++;
    const failed = results.filter((r) => r.outcome === 'failed');
    let exitCode: ApplyResult['exitCode'] = 0;
    if (this.interrupted)
      exitCode = 130; // Ctrl-C wins, even after an account-wide stop
    else if (this.stale.length > 0)
      exitCode = 3; // a safety refusal: re-plan, whatever else failed
    else if (failed.some((r) => r.error?.code !== GLUE_CHECK_FAILED && r.error?.code !== ZONE_CHECK_FAILED))
      exitCode = 1;
    else if (failed.length > 0) exitCode = 3;
    return {
      results,
      stoppedBy: this.stoppedBy,
      exitCode,
      counts,
      ...(this.stale.length > 0 ? { stale: [...this.stale] } : {}),
    };
  }

  private stop(reason: StoppedBy): void {
    if (reason === 'interrupted') this.interrupted = true;
    this.stoppedBy ??= reason;
    this.wake();
  }

  /** Steps checkStaleness recognised, and glue checks whose dependents are all already done. */
  private markAlreadyDone(): void {
    const done = new Set(this.opts.alreadyDone ?? []);
    for (const s of this.plan.steps) {
      if (s.kind !== 'glue_check') continue;
      const dependents = this.plan.steps.filter((d) => d.dependsOn.includes(s.id));
      if (dependents.length > 0 && dependents.every((d) => done.has(d.id))) done.add(s.id);
    }
    for (const s of [...this.pending]) {
      if (done.has(s.id)) this.finish(s, { outcome: 'already_done' });
    }
  }

  /** Skips what can no longer run, then starts ready steps up to the bound (unless stopped). */
  private schedule(): void {
    for (const s of [...this.pending]) {
      const blockedBy = this.rootFailures(s);
      if (blockedBy.length > 0) this.finish(s, { outcome: 'skipped', blockedBy });
    }
    if (this.stoppedBy) return;
    for (const s of [...this.pending]) {
      if (this.running >= this.concurrency) break;
      if (s.dependsOn.every((d) => isSuccess(this.results.get(d)?.outcome))) this.start(s);
    }
  }

  /** The failed steps at the root of a step's failed or skipped dependencies. */
  private rootFailures(s: Step): string[] {
    const roots = new Set<string>();
    for (const d of s.dependsOn) {
      const r = this.results.get(d);
      if (r?.outcome === 'failed') roots.add(d);
      else if (r?.outcome === 'skipped') for (const b of r.blockedBy ?? [d]) roots.add(b);
    }
    return [...roots];
  }

  private start(step: Step): void {
    this.pending.splice(this.pending.indexOf(step), 1);
    this.running++;
    notify(() => this.opts.onStepStart?.(step));
    const t0 = performance.now();
    void stepContext
      .run(step.id, () => this.runStep(step))
      .then(
        (extra) => this.finish(step, { outcome: 'done', durationMs: elapsed(t0), ...extra }),
        (e: unknown) => {
          if (isAccountWide(e)) this.stop('account_wide');
          if (e instanceof StalePlanError) {
            this.stale.push(...e.stale);
            this.stop('stale');
          }
          const glue = (e as { glueReport?: unknown } | null)?.glueReport;
          const zoneCheck = (e as { zoneCheck?: StepResult['zoneCheck'] } | null)?.zoneCheck;
          if (zoneCheck) this.stop('zone_check');
          this.finish(step, {
            outcome: 'failed',
            durationMs: elapsed(t0),
            error: toStepError(e),
            ...(glue ? { glue } : {}),
            ...(zoneCheck ? { zoneCheck } : {}),
          });
        },
      )
      .finally(() => {
        this.running--;
        this.wake();
      });
  }

  private finish(step: Step, r: Omit<StepResult, 'id' | 'kind' | 'target'>): void {
    const i = this.pending.indexOf(step);
    if (i >= 0) this.pending.splice(i, 1);
    const result: StepResult = { id: step.id, kind: step.kind, target: step.target, ...r };
    this.results.set(step.id, result);
    notify(() => this.opts.onStepDone?.(result));
  }

  private async runStep(step: Step): Promise<Partial<StepResult>> {
    switch (step.kind) {
      case 'create_nameserver': {
        const live = await this.api.createNameserver(step.target, (step.after as { set: number }).set);
        this.created.set(live.name, live);
        // never claimed as created by this run: Cloudflare said it existed (another run made it)
        if (live.alreadyExisted)
          return { outcome: 'already_done', note: 'it already existed: another run created it meanwhile' };
        return {};
      }
      case 'delete_nameserver':
        await this.serialisedBySet(valueSet(step.before), async () => {
          const changed = await recheckBeforeDelete(this.plan, this.api, step, this.memo);
          if (changed) throw new StalePlanError(changed, { midRun: true });
          await this.api.deleteNameserver(step.target);
        });
        return {};
      case 'assign_zone':
        if (!step.zoneId)
          throw new AcnsError('plan_invalid', `the plan's step ${step.id} has no zone id; run \`acns plan\` again`);
        await this.api.setZoneNameservers(step.zoneId, step.after as ZoneNameservers);
        return this.checkZone(step);
      case 'set_account_default':
        await this.api.setAccountDefault((step.after as { value: string }).value);
        return {};
      case 'glue_check':
        return this.runGlueCheck(step);
    }
  }

  private async runGlueCheck(step: Step): Promise<Partial<StepResult>> {
    const set = (step.after as { set: number }).set;
    const enforce = this.plan.gluePolicy === 'enforce';
    if (this.plan.gluePolicy === 'off') return {};
    const planned = this.plan.glue.find((g) => g.set === set);
    if (!planned)
      throw new AcnsError('plan_invalid', `the plan has no glue expectation for set ${set}; run \`acns plan\` again`);
    if (!this.opts.checkGlue) {
      if (!enforce) return {};
      throw new AcnsError(
        GLUE_CHECK_FAILED,
        `the glue check for set ${set} could not run (no DNS checker was configured)`,
        { exitCode: 3 },
      );
    }
    let exp: GlueExpectation;
    if (this.plan.preconditions) {
      // the set's live members now, not only the names the plan listed: a name added since is checked too
      const live = await liveGlueExpectation(planned, (step.after as { names: string[] }).names, this.api);
      if (live.stale) throw new StalePlanError([live.stale], { midRun: true });
      exp = live.expectation;
    } else {
      exp = await this.fillAddresses(planned);
    }
    const report = await this.opts.checkGlue(exp);
    let takeover = '';
    if (report.blocking && enforce && step.reasonCode === 'glue_takeover') {
      // names in production elsewhere: the glue is re-pointed after the switches, once the old
      // servers are shown to serve the zones until then
      const proof = this.opts.checkTakeover
        ? await this.opts.checkTakeover(step, exp, report)
        : { ok: false, message: 'no takeover checker was configured' };
      if (proof.ok) return { glue: report, note: proof.message };
      takeover = `; not passed as a takeover: ${proof.message}`;
    }
    if (report.blocking && enforce) {
      const err = new AcnsError(
        GLUE_CHECK_FAILED,
        `glue not ready (verdict: ${report.verdict})${takeover}: ${this.heldBack(step)}`,
        { exitCode: 3 },
      );
      throw Object.assign(err, { glueReport: report });
    }
    return { glue: report };
  }

  /** After a switch: does the zone answer as it should? In `enforce`, a blocking verdict stops the run. */
  private async checkZone(step: Step): Promise<Partial<StepResult>> {
    if (!this.opts.checkZone || this.plan.gluePolicy === 'off') return {};
    const zoneCheck = await this.opts.checkZone(step);
    if (!zoneCheck) return {};
    if (zoneCheck.blocking && this.plan.gluePolicy === 'enforce') {
      const err = new AcnsError(
        ZONE_CHECK_FAILED,
        `${step.target} was switched, but ${zoneCheck.message}; no further step was started`,
        {
          exitCode: 3,
          hint:
            'see docs/troubleshooting.md ("does not answer for the zone after the switch"); switch the zone back ' +
            'or fix its delegation, then run apply again',
        },
      );
      throw Object.assign(err, { zoneCheck });
    }
    return { zoneCheck };
  }

  /**
   * What a failed glue check holds back, said as it is: the steps that wait for it — and, for a set
   * that became usable under a custom.account default, that its names already serve new zones.
   */
  private heldBack(check: Step): string {
    const set = (check.after as { set: number }).set;
    const waiting = this.plan.steps.filter((s) => s.dependsOn.includes(check.id));
    const zones = waiting.filter((s) => s.kind === 'assign_zone').length;
    const parts = [
      ...(zones
        ? [`${zones === 1 ? 'the zone' : `the ${zones} zones`} switching to set ${set} stay where they are`]
        : []),
      ...(waiting.some((s) => s.kind === 'set_account_default') ? ['the account default was not changed'] : []),
      ...(waiting.some((s) => s.kind === 'delete_nameserver') ? ['the names waiting for it were not deleted'] : []),
    ];
    const fallback =
      check.reasonCode === 'glue_set_becomes_usable'
        ? `set ${set}'s names exist, so the custom.account account default can already give set ${set} to new ` +
          'zones: register its glue without delay'
        : check.reasonCode === 'glue_set_grows'
          ? `set ${set}'s new names are already listed in the apex NS of its zones: register their glue without delay`
          : '';
    if (!parts.length) return fallback || `nothing in this plan waits for set ${set}'s check`;
    return `${parts.join('; ')}${fallback ? `; ${fallback}` : ''}`;
  }

  private async serialisedBySet(set: number | undefined, fn: () => Promise<void>): Promise<void> {
    if (set === undefined) return fn();
    const prev = this.setQueues.get(set) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.setQueues.set(
      set,
      next.catch(() => {}),
    );
    return next;
  }

  /** Fills addresses unknown at plan time from names created in this run, else one fresh list. */
  private async fillAddresses(exp: GlueExpectation): Promise<GlueExpectation> {
    const fromCreated = exp.names.map((n) => withAddresses(n, this.created.get(n.name)));
    if (fromCreated.every((n) => n.ipv4 && n.ipv6)) return { ...exp, names: fromCreated };
    const live = new Map((await this.api.listNameservers()).map((n) => [n.name, n]));
    return { ...exp, names: fromCreated.map((n) => withAddresses(n, live.get(n.name))) };
  }
}

function withAddresses(n: GlueExpectation['names'][number], live?: LiveNameserver): GlueExpectation['names'][number] {
  const out = { ...n };
  if (!out.ipv4 && live?.ipv4) out.ipv4 = live.ipv4;
  if (!out.ipv6 && live?.ipv6) out.ipv6 = live.ipv6;
  return out;
}

/** Progress callbacks only observe: one that throws (a closed stdout…) must not abort a half-done apply. */
function notify(fn: () => void): void {
  try {
    fn();
  } catch {
    // ignored on purpose: the ApplyResult still carries every outcome
  }
}

function isSuccess(o: StepOutcome | undefined): boolean {
  return o === 'done' || o === 'already_done';
}

function elapsed(t0: number): number {
  return Math.round(performance.now() - t0);
}

function toStepError(e: unknown): StepError {
  const x = (typeof e === 'object' && e !== null ? e : {}) as {
    code?: unknown;
    cfCodes?: unknown;
    errors?: unknown;
    status?: unknown;
    hint?: unknown;
  };
  const err: StepError = {
    code: typeof x.code === 'string' ? x.code : 'unexpected',
    message: e instanceof Error ? e.message : String(e),
  };
  // CloudflareError carries Cloudflare's envelope errors ({ code, message }[]); accept a plain cfCodes too.
  const codes = Array.isArray(x.cfCodes)
    ? x.cfCodes
    : Array.isArray(x.errors)
      ? x.errors.map((m) => (m as { code?: unknown })?.code)
      : [];
  if (codes.length > 0 && codes.every((c) => typeof c === 'number')) err.cfCodes = codes as number[];
  if (typeof x.status === 'number') err.status = x.status;
  if (typeof x.hint === 'string') err.hint = x.hint;
  return err;
}
