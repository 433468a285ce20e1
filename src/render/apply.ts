/**
 * Apply output: one progress line per finished step, the final summary, and the stale-plan
 * report. Read-only over ApplyResult / StaleObject; colour only when the caller says so.
 */
import pc from 'picocolors';
import { count as words } from '../config/words.js';
import type { ApplyResult, StaleObject, StepResult } from '../apply/types.js';
import type { StepKind } from '../plan/types.js';
import { describeTarget } from '../plan/describe.js';
import { describeStale } from '../apply/stale.js';

export interface ApplyRenderOptions {
  colour?: boolean;
  /** The plan file applied, for the resume hint; absent when apply planned itself. */
  planFile?: string;
}

/** `✓ + nameserver ns1.example.com: created (412ms)` — one line, newline-terminated. */
export function renderStepLine(r: StepResult, opts: ApplyRenderOptions = {}): string {
  const c = pc.createColors(Boolean(opts.colour));
  const label = `${SYMBOL[r.kind]} ${describeTarget(r.kind, r.target)}`;
  const dur = r.durationMs !== undefined ? ` (${formatDuration(r.durationMs)})` : '';
  switch (r.outcome) {
    case 'done':
      return `${c.green('✓')} ${label}: ${doneVerb(r)}${dur}\n`;
    case 'already_done':
      return `${c.dim('=')} ${label}: already done${r.note ? ` (${r.note})` : ''}\n`;
    case 'failed':
      return `${c.red('✗')} ${label}: ${c.red('failed')} — ${formatError(r)}${dur}\n`;
    case 'skipped':
      return `${c.yellow('↷')} ${label}: skipped (depends on ${formatIds(r.blockedBy)}, which failed)\n`;
    case 'not_attempted':
      return `${c.dim('·')} ${label}: not attempted\n`;
  }
}

/** The final block: `Apply complete: …` when all went well, otherwise what happened to each step. */
export function renderApplySummary(result: ApplyResult, opts: ApplyRenderOptions = {}): string {
  const c = pc.createColors(Boolean(opts.colour));
  const by = (o: StepResult['outcome']): StepResult[] => result.results.filter((r) => r.outcome === o);
  const done = by('done');
  const count = (kinds: StepKind[]): number => done.filter((r) => kinds.includes(r.kind)).length;
  const tally =
    `${count(['create_nameserver'])} created, ${count(['assign_zone', 'set_account_default'])} changed, ` +
    `${count(['delete_nameserver'])} deleted, ${words(count(['glue_check']), 'check')}.`;
  const lines: string[] = [];
  const alreadyDone = by('already_done');
  const glueWarnings = done.filter(
    (r) => r.kind === 'glue_check' && (r.glue as { blocking?: boolean } | undefined)?.blocking,
  );

  if (result.exitCode === 0 && done.length + alreadyDone.length === result.results.length) {
    lines.push(c.green(`Apply complete: ${tally}`));
    if (alreadyDone.length > 0)
      lines.push(`${plural(alreadyDone.length, 'step was', 'steps were')} already done and left as they are.`);
    for (const r of alreadyDone.filter((x) => x.note))
      lines.push(`  ${SYMBOL[r.kind]} ${describeTarget(r.kind, r.target)}: ${r.note}`);
    for (const r of glueWarnings) lines.push(glueWarning(r, c));
    return `${lines.join('\n')}\n`;
  }

  lines.push(c.bold(`Apply incomplete: ${headline(result)}.`));
  lines.push(`This run: ${tally}`);
  const section = (title: string, rs: StepResult[], line: (r: StepResult) => string): void => {
    if (rs.length === 0) return;
    lines.push('', `${title} (${rs.length}):`);
    for (const r of rs) lines.push(`  ${SYMBOL[r.kind]} ${describeTarget(r.kind, r.target)}${line(r)}`);
  };
  section('Done', done, (r) => `: ${doneVerb(r)}`);
  section('Already done', alreadyDone, (r) => (r.note ? ` (${r.note})` : ''));
  section('Failed', by('failed'), (r) => `: ${formatError(r)}${r.error?.hint ? `\n      hint: ${r.error.hint}` : ''}`);
  section('Skipped because a dependency failed', by('skipped'), (r) => ` (depends on ${formatIds(r.blockedBy)})`);
  section('Not attempted', by('not_attempted'), () => '');

  lines.push('');
  for (const r of glueWarnings) lines.push(glueWarning(r, c));
  const glueFailed = by('failed').filter((r) => r.kind === 'glue_check');
  for (const r of glueFailed) {
    const verdict = (r.glue as { verdict?: string } | undefined)?.verdict;
    lines.push(
      verdict === 'could_not_verify'
        ? `The glue check for ${r.target} could not verify anything: no parent server answered ` +
            '(see the glue report above). ' +
            `Make sure this machine can reach the parent zone's servers on port 53, or set dns.parent_servers ` +
            `(ACNS_DNS_PARENT_SERVERS) to servers it can reach, or — if you have checked the glue yourself — set ` +
            `policy.glue_check: warn; then re-run apply. The nameservers already created stay.`
        : `The glue check for ${r.target} did not pass: register the records shown in the glue report above ` +
            "(at the registrar of the names' domain, or through Cloudflare Support when it uses " +
            'Cloudflare Registrar), ' +
            `wait until the parent zone serves them, then re-run apply. The nameservers already created stay.`,
    );
  }
  if (result.stoppedBy === 'account_wide')
    lines.push('Fix the account-wide failure above (credentials, entitlement, network or rate limit) first.');
  if (result.stale && result.stale.length > 0) {
    lines.push(describeStale(result.stale, { midRun: true }));
    lines.push(
      opts.planFile
        ? `The account changed under this plan: run \`acns plan -o ${opts.planFile}\` again, review it, ` +
            'and apply the new plan.'
        : 'The account changed under this plan: run `acns apply` again to plan from the account as it is now.',
    );
    return `${lines.join('\n')}\n`;
  }
  const cmd = opts.planFile ? `acns apply ${opts.planFile}` : 'acns apply';
  lines.push(`Re-run \`${cmd}\` to resume: done steps are recognised, the rest run.`);
  return `${lines.join('\n')}\n`;
}

/** After a run: the plan's "next step at your registrar" lines for the zones now on their set. */
export function renderRegistrarSteps(notes: readonly string[]): string {
  if (notes.length === 0) return '';
  return `\nStill to do at the registrars (from the plan):\n${notes.map((n) => `  - ${n}\n`).join('')}`;
}

/** `acns: the plan is stale — …` with each changed object, its plan-time and its current value. */
export function renderStaleReport(stale: StaleObject[]): string {
  return (
    `acns: ${describeStale(stale)}\n` +
    'Nothing was changed. Re-run `acns plan`, review the new plan, and apply that one.\n'
  );
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

const SYMBOL: Record<StepKind, string> = {
  create_nameserver: '+',
  delete_nameserver: '-',
  assign_zone: '~',
  set_account_default: '~',
  glue_check: '?',
};

function doneVerb(r: StepResult): string {
  switch (r.kind) {
    case 'create_nameserver':
      return 'created';
    case 'delete_nameserver':
      return 'deleted';
    case 'glue_check': {
      const g = r.glue as { blocking?: boolean; verdict?: string } | undefined;
      if (!g) return 'not checked (glue_check: off or no checker)';
      if (g.blocking && r.note) return r.note;
      return g.blocking ? `${g.verdict ?? 'failed'} (policy warn: not blocking)` : (g.verdict ?? 'ok');
    }
    default:
      return 'changed';
  }
}

/** The error's message, plus Cloudflare's codes and the HTTP status when the message lacks them. */
function formatError(r: StepResult): string {
  const e = r.error;
  if (!e) return 'unknown error';
  const extra: string[] = [];
  const missing = (e.cfCodes ?? []).filter((c) => !e.message.includes(`${c}:`));
  if (missing.length > 0) extra.push(`Cloudflare code ${missing.join(', ')}`);
  if (e.status !== undefined && missing.length > 0) extra.push(`HTTP ${e.status}`);
  return extra.length > 0 ? `${e.message} [${extra.join(', ')}]` : e.message;
}

function formatIds(ids: string[] | undefined): string {
  return ids && ids.length > 0 ? ids.join(', ') : 'a failed step';
}

function headline(result: ApplyResult): string {
  if (result.stoppedBy === 'interrupted')
    return 'interrupted — no new steps were started, running steps were allowed to finish';
  if (result.stoppedBy === 'account_wide') return 'stopped after an account-wide failure — no new steps were started';
  if (result.stoppedBy === 'stale') return 'stopped: the plan went stale during apply — no new steps were started';
  if (result.stoppedBy === 'zone_check')
    return 'stopped: a switched zone did not answer as it should — no new steps were started';
  const failed = result.results.filter((r) => r.outcome === 'failed');
  const glue = failed.filter((r) => r.kind === 'glue_check').length;
  if (glue === failed.length) return `${plural(glue, 'glue check', 'glue checks')} did not pass`;
  return `${plural(failed.length, 'step', 'steps')} failed`;
}

function glueWarning(r: StepResult, c: ReturnType<typeof pc.createColors>): string {
  const verdict = (r.glue as { verdict?: string }).verdict ?? 'failed';
  if (r.note) {
    return c.yellow(
      `Takeover of ${r.target}: the glue check did not pass (${verdict}) because the glue still points at the old ` +
        `servers — expected before the registrar step (${r.note}). Re-point the glue only now, as said below.`,
    );
  }
  return c.yellow(
    `Warning: the glue check for ${r.target} did not pass (${verdict}); policy glue_check is warn, ` +
      'so its zones were switched anyway. Register the records shown in the glue report above.',
  );
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
