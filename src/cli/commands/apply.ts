import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { executePlan } from '../../apply/executor.js';
import { defaultJournalPath, openJournal, type Journal } from '../../apply/journal.js';
import { checkStaleness, StalePlanError } from '../../apply/stale.js';
import type { ApplyResult, GlueChecker } from '../../apply/types.js';
import type { DesiredState } from '../../config/types.js';
import { checkSetGlue, waitForGlue, type GlueReport } from '../../dns/glue.js';
import { renderGlueText } from '../../dns/render.js';
import { AcnsError, UsageError } from '../../errors.js';
import { isEmptyPlan } from '../../plan/summary.js';
import type { Plan } from '../../plan/types.js';
import { renderApplySummary, renderStepLine } from '../../render/apply.js';
import { renderPlanText } from '../../render/text.js';
import { BASELINE_PATH, baselinePath, recordApplied } from '../../apply/baseline.js';
import { connect, dnsOptions, type Connection } from '../context.js';
import { parseDuration } from '../duration.js';
import { useColour, type CliIO } from '../io.js';
import { loadAndPlan } from '../planning.js';
import type { Registry } from '../registry.js';
import { planSettings, settingsForSavedPlan } from '../settings.js';
import { readPlanFile } from '../../plan/planfile.js';

interface ApplyFlags {
  config: string;
  autoApprove?: boolean;
  allowMassChange?: boolean;
  journal?: string;
  glueWait?: string;
}

export function registerApply(reg: Registry): void {
  reg.program
    .command('apply')
    .description('carry out a saved plan exactly; without one, plan, show it and ask for `yes`')
    .argument('[planfile]', 'a plan saved with `acns plan -o`')
    .option('-c, --config <file>', 'desired-state file (used when no plan file is given)', 'acns.yaml')
    .option('--auto-approve', 'do not ask for confirmation (needed where no terminal can answer)')
    .option('--allow-mass-change', 'apply a plan that changes more zones than policy.max_zone_changes')
    .option('--journal <file>', `append an audit line per request and step outcome (default ${'.acns/journal.jsonl'})`)
    .option('--glue-wait <duration>', 'keep re-checking missing glue with backoff for up to this long (e.g. 30m)')
    .action((planfile: string | undefined, flags: ApplyFlags) => {
      reg.setRunner((io) => runApply(planfile, flags, io));
    });
}

async function runApply(planfile: string | undefined, flags: ApplyFlags, io: CliIO): Promise<number> {
  const glueWaitMs = flags.glueWait ? parseDuration(flags.glueWait) : 0;
  const journal = openJournal(resolve(io.cwd, flags.journal ?? defaultJournalPath(io.cwd)));
  journal.event('apply_start', planfile ? { plan: planfile } : { config: flags.config });
  let exitCode: number = 1;
  let error: string | undefined;
  try {
    exitCode = await applyRun(planfile, flags, io, journal, glueWaitMs);
    return exitCode;
  } catch (e) {
    exitCode = e instanceof AcnsError ? e.exitCode : 1;
    error = e instanceof AcnsError ? e.code : 'unexpected';
    throw e;
  } finally {
    journal.event('apply_end', { exit_code: exitCode, ...(error ? { error } : {}) });
    if (journal.failure) io.stderr.write(`acns: warning: the journal could not be fully written: ${journal.failure}\n`);
    journal.close();
  }
}

async function applyRun(
  planfile: string | undefined,
  flags: ApplyFlags,
  io: CliIO,
  journal: Journal,
  glueWaitMs: number,
): Promise<number> {
  const onRequest = (e: { method: string; path: string; status: number; rayId?: string; durationMs: number }) =>
    journal.request(e);
  const onRequestStart = (e: { method: string; path: string; attempt: number }) => journal.sending(e);
  let conn: Connection | undefined;
  try {
    let plan: Plan;
    let settings: Pick<DesiredState, 'cloudflare' | 'dns'>;
    let alreadyDone: string[] = [];
    if (planfile) {
      const saved = await readPlanFile(planfile, io.cwd);
      plan = saved.plan;
      refuseOtherAccount(plan, planfile, io.env.CLOUDFLARE_ACCOUNT_ID);
      settings = settingsForSavedPlan(plan, io.env);
      conn = connect(io, { accountId: plan.accountId, cloudflare: settings.cloudflare, onRequest, onRequestStart });
      refuseUnsafe(plan, flags);
      const staleness = await checkStaleness(plan, conn.api);
      if (staleness.stale.length) throw new StalePlanError(staleness.stale);
      alreadyDone = staleness.alreadyDone;
      journal.event('plan', {
        account_id: plan.accountId,
        config_digest: plan.configDigest,
        steps: plan.steps.length,
        already_done: alreadyDone.length,
      });
    } else {
      const planned = await loadAndPlan(flags.config, io, { onRequest, onRequestStart });
      conn = planned.conn;
      plan = planned.plan;
      settings = planSettings(planned.desired);
      io.stdout.write(renderPlanText(plan, { colour: useColour(io.stdout, io.env) }));
      journal.event('plan', {
        account_id: plan.accountId,
        config_digest: plan.configDigest,
        steps: plan.steps.length,
        already_done: 0,
      });
      if (isEmptyPlan(plan)) return 0;
      refuseUnsafe(plan, flags);
      if (!flags.autoApprove) {
        const ok = await confirm(io);
        if (!ok) {
          io.stderr.write('Apply cancelled: nothing was changed.\n');
          journal.event('cancelled', {});
          return 1;
        }
      }
    }

    if (plan.steps.every((s) => alreadyDone.includes(s.id))) {
      io.stdout.write('No changes to apply: every step of this plan is already done.\n');
      return 0;
    }

    const reports = new Map<number, GlueReport>();
    const dns = dnsOptions(settings, io.signal);
    const checkGlue: GlueChecker = async (exp) => {
      const report = glueWaitMs
        ? await waitForGlue(exp, {
            ...dns,
            waitMs: glueWaitMs,
            onAttempt: (r, n) => {
              if (r.blocking) conn?.progress.note(`glue for set ${exp.set} not ready (attempt ${n}); checking again…`);
            },
          })
        : await checkSetGlue(exp, dns);
      reports.set(exp.set, report);
      return report;
    };

    const colour = useColour(io.stderr, io.env);
    let finished = 0;
    const result: ApplyResult = await executePlan(plan, conn.api, {
      alreadyDone,
      signal: io.signal,
      checkGlue,
      concurrency: settings.cloudflare.concurrency,
      onStepDone: (r) => {
        journal.step(r);
        conn?.progress.line(renderStepLine(r, { colour }));
        conn?.progress.update('steps', ++finished, plan.steps.length);
      },
    });
    conn.progress.stop();

    const glueShown = [...reports.values()].filter((r) => r.verdict !== 'ok');
    if (glueShown.length) io.stdout.write(`\n${renderGlueText(glueShown, { colour: useColour(io.stdout, io.env) })}`);
    io.stdout.write(
      `\n${renderApplySummary(result, { colour: useColour(io.stdout, io.env), ...(planfile ? { planFile: planfile } : {}) })}`,
    );
    journal.event('result', { counts: result.counts, ...(result.stoppedBy ? { stopped_by: result.stoppedBy } : {}) });
    const baselineError = await recordApplied(baselinePath(io.cwd), plan, result);
    if (baselineError) io.stderr.write(`acns: warning: could not update ${BASELINE_PATH}: ${baselineError}\n`);
    return result.exitCode;
  } finally {
    await conn?.close();
  }
}

function refuseUnsafe(plan: Plan, flags: ApplyFlags): void {
  const blocking = plan.guards.filter((g) => !(g.override === '--allow-mass-change' && flags.allowMassChange));
  if (!blocking.length) return;
  const lines = blocking.map((g) => `  - ${g.message}${g.override ? ` (override: ${g.override})` : ''}`).join('\n');
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
    'unset CLOUDFLARE_ACCOUNT_ID to apply the plan to the account it was made for, or make a new plan for the other account',
  );
}

async function confirm(io: CliIO): Promise<boolean> {
  if (!io.stdin?.isTTY) {
    throw new AcnsError(
      'needs_approval',
      'apply needs approval, and no terminal can answer here; nothing was changed',
      {
        hint: 'review the plan, then run `acns apply --auto-approve` (or save it with `acns plan -o plan.json` and run `acns apply plan.json`)',
      },
    );
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr as unknown as NodeJS.WritableStream });
  try {
    const answer = await rl.question(
      "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
    );
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

export type { Journal };
