import { encodePlanFile } from '../../plan/planfile.js';
import { isEmptyPlan } from '../../plan/summary.js';
import type { Plan } from '../../plan/types.js';
import { collect, formatOption, type Format } from '../formats.js';
import { renderPlan } from '../views.js';
import { type CliIO } from '../io.js';
import { loadAndPlan } from '../planning.js';
import type { Registry } from '../registry.js';
import { TOOL_VERSION } from '../version.js';
import { writeFileAtomic } from '../write-file.js';

interface PlanFlags {
  config: string;
  out?: string;
  format: Format;
  detailedExitcode?: boolean;
  zone?: string[];
}

export function registerPlan(reg: Registry): void {
  reg.program
    .command('plan')
    .description('read the live account and print the ordered, explained changes; optionally save them for apply')
    .option('-c, --config <file>', 'desired-state file', 'acns.yaml')
    .option('-o, --out <planfile>', 'save the plan (JSON) for `acns apply <planfile>`')
    .addOption(formatOption())
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .option('--zone <name>', 'plan only this zone and what it depends on (repeatable)', collect)
    .action((flags: PlanFlags) => {
      reg.setRunner(async (io) => {
        const { plan, conn } = await loadAndPlan(flags.config, io, { zoneFilter: flags.zone });
        await conn.close();
        const createdAt = new Date().toISOString();
        if (flags.out) await savePlan(plan, flags.out, io, createdAt);
        io.stdout.write(renderPlan(plan, flags.format, io, createdAt));
        if (flags.out && flags.format === 'text') {
          const overrides = [...new Set(plan.guards.map((g) => g.override))];
          io.stdout.write(
            plan.safe
              ? `\nSaved the plan to ${flags.out}. To carry out exactly this plan, run:\n  acns apply ${flags.out}\n`
              : overrides.every((o) => o !== undefined)
                ? `\nSaved the plan to ${flags.out}. It is unsafe: acns apply refuses it unless you review it and run:\n  acns apply ${flags.out} ${overrides.join(' ')}\n`
                : `\nSaved the plan to ${flags.out}, but it is unsafe and acns apply will refuse it: fix what the guards above say, then plan again.\n`,
          );
        }
        return flags.detailedExitcode && !isEmptyPlan(plan) ? 2 : 0;
      });
    });
}

/** Writes the plan document whole or not at all, so a crash never leaves half a plan. */
export async function savePlan(plan: Plan, file: string, io: CliIO, createdAt: string): Promise<void> {
  await writeFileAtomic(file, io.cwd, encodePlanFile(plan, { toolVersion: TOOL_VERSION, createdAt }), 'the plan');
}
