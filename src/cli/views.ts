/** The views of each command's result, chosen by --format. Views only read what operations return. */
import type { DriftReport } from '../plan/drift.js';
import { encodePlanFile } from '../plan/planfile.js';
import { OVERRIDE_FLAG, type Plan } from '../plan/types.js';
import type { GlueReport } from '../dns/glue.js';
import { renderApplySummary, renderRegistrarSteps } from '../render/apply.js';
import { renderGlueJson, renderGlueText, renderGlueWarnings, renderTakeoverText } from '../dns/render.js';
import type { ApplyOutcome } from '../operations/apply.js';
import type { GlueOutcome } from '../operations/glue.js';
import { renderDriftJson, renderDriftMarkdown, renderDriftText } from '../render/drift.js';
import { renderPlanMarkdown } from '../render/markdown.js';
import { renderPlanText } from '../render/text.js';
import type { Format } from './formats.js';
import { type CliIO, useColour } from './io.js';
import { TOOL_VERSION } from './version.js';

export function renderPlan(plan: Plan, format: Format, io: CliIO, createdAt = new Date().toISOString()): string {
  if (format === 'json') return encodePlanFile(plan, { toolVersion: TOOL_VERSION, createdAt });
  if (format === 'markdown') return renderPlanMarkdown(plan);
  return renderPlanText(plan, { colour: useColour(io.stdout, io.env) });
}

/** After `plan -o FILE` in text: how to carry the plan out, or why apply will refuse it. */
export function savedPlanHint(plan: Plan, file: string): string {
  const overrides = [...new Set(plan.guards.map((g) => g.override && OVERRIDE_FLAG[g.override]))];
  if (plan.safe) return `\nSaved the plan to ${file}. To carry out exactly this plan, run:\n  acns apply ${file}\n`;
  if (overrides.every((o) => o !== undefined)) {
    return (
      `\nSaved the plan to ${file}. It is unsafe: acns apply refuses it unless you review it and run:\n` +
      `  acns apply ${file} ${overrides.join(' ')}\n`
    );
  }
  return (
    `\nSaved the plan to ${file}, but it is unsafe and acns apply will refuse it: ` +
    'fix what the guards above say, then plan again.\n'
  );
}

export function renderDrift(report: DriftReport, format: Format, io: CliIO): string {
  if (format === 'json')
    return renderDriftJson(report, { toolVersion: TOOL_VERSION, createdAt: new Date().toISOString() });
  if (format === 'markdown') return renderDriftMarkdown(report);
  return renderDriftText(report, { colour: useColour(io.stdout, io.env) });
}

export function renderGlue(outcome: GlueOutcome, format: Format, io: CliIO): string {
  if (format === 'json') return renderGlueJson(outcome.reports, outcome.takeover);
  if (!outcome.reports.length) return 'No set has names in the account yet: nothing to check.\n';
  return (
    renderGlueText(outcome.reports, { colour: useColour(io.stdout, io.env), warnings: false }) +
    renderTakeoverText(outcome.takeover)
  );
}

/** The glue checks' warnings, for stderr (the reports themselves go to stdout). */
export function glueWarnings(reports: GlueReport[], io: CliIO): string {
  return renderGlueWarnings(reports, { colour: useColour(io.stderr, io.env) });
}

/**
 * What an apply prints and its exit code: for a run that wrote, the glue checks that did not pass,
 * the summary and the registrar's steps (their warnings and the run's on stderr).
 */
export function applyOutcomeView(
  outcome: ApplyOutcome,
  io: CliIO,
  planFile?: string,
): { stdout: string; stderr: string; exitCode: number } {
  if (outcome.kind === 'cancelled')
    return { stdout: '', stderr: 'Apply cancelled: nothing was changed.\n', exitCode: 1 };
  const registrar = renderRegistrarSteps(outcome.registrar);
  if (outcome.kind === 'nothing_to_do') {
    const done = outcome.reason === 'all_done' ? 'No changes to apply: every step of this plan is already done.\n' : '';
    return { stdout: done + registrar, stderr: '', exitCode: 0 };
  }
  const colour = useColour(io.stdout, io.env);
  const shown = outcome.glue.filter((r) => r.verdict !== 'ok');
  const glueText = shown.length ? `\n${renderGlueText(shown, { colour, warnings: false })}` : '';
  const summary = renderApplySummary(outcome.result, { colour, ...(planFile ? { planFile } : {}) });
  return {
    stdout: `${glueText}\n${summary}${registrar}`,
    stderr: glueWarnings(shown, io) + outcome.warnings.map((w) => `${w}\n`).join(''),
    exitCode: outcome.result.exitCode,
  };
}
