/** The plan's views, chosen by --format. */
import { encodePlanFile } from '../plan/planfile.js';
import type { Plan } from '../plan/types.js';
import { renderPlanMarkdown } from '../render/markdown.js';
import { renderPlanText } from '../render/text.js';
import type { Format } from './formats.js';
import { type CliIO, useColour } from './io.js';
import { TOOL_VERSION } from './version.js';

export function renderPlan(plan: Plan, format: Format, io: CliIO, createdAt = new Date().toISOString()): string {
  switch (format) {
    case 'json':
      return encodePlanFile(plan, { toolVersion: TOOL_VERSION, createdAt });
    case 'markdown':
      return renderPlanMarkdown(plan);
    default:
      return renderPlanText(plan, { colour: useColour(io.stdout, io.env) });
  }
}
