/** The views of each command's result, chosen by --format. Views only read what operations return. */
import type { DriftReport } from '../plan/drift.js';
import { encodePlanFile } from '../plan/planfile.js';
import { OVERRIDE_FLAG, type Plan } from '../plan/types.js';
import type { ApplyResult } from '../apply/types.js';
import type { GlueReport } from '../dns/glue.js';
import { renderApplySummary } from '../render/apply.js';
import { renderGlueJson, renderGlueText, renderGlueWarnings, renderTakeoverText } from '../dns/render.js';
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

/** The glue reports an apply shows: the checks that did not pass. */
export function shownGlue(glue: GlueReport[]): GlueReport[] {
  return glue.filter((r) => r.verdict !== 'ok');
}

/** What an apply did: the glue checks that did not pass, then the summary. */
export function renderApplied(result: ApplyResult, glue: GlueReport[], io: CliIO, planFile?: string): string {
  const colour = useColour(io.stdout, io.env);
  const shown = shownGlue(glue);
  const glueText = shown.length ? `\n${renderGlueText(shown, { colour, warnings: false })}` : '';
  return `${glueText}\n${renderApplySummary(result, { colour, ...(planFile ? { planFile } : {}) })}`;
}
