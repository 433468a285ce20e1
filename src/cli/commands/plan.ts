import { UsageError } from '../../errors.js';
import { collect, type Format, formatOption } from '../formats.js';
import type { Registry } from '../registry.js';
import { TOOL_VERSION } from '../version.js';

interface PlanFlags {
  config: string;
  out?: string;
  force?: boolean;
  format: Format;
  detailedExitcode?: boolean;
  zone?: string[];
}

export function registerPlan(reg: Registry): void {
  reg.program
    .command('plan')
    .description('read the live account and print the ordered, explained changes; optionally save them for apply')
    .option('-c, --config <file>', 'desired-state file', 'acns.yaml')
    .option('-o, --out <planfile>', 'save the plan (JSON) for `acns apply <planfile>`; - prints it on stdout')
    .option('--force', 'let -o replace an existing file that is not an acns plan')
    .addOption(formatOption())
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .option('--zone <name>', 'plan only this zone and what it depends on (repeatable)', collect)
    .action((flags: PlanFlags, cmd: { getOptionValueSource(k: string): string | undefined }) => {
      reg.setRunner(async (io) => {
        const toStdout = flags.out === '-';
        if (flags.force && (!flags.out || toStdout)) {
          throw new UsageError(
            '--force only matters with -o FILE (it lets -o replace a file that is not an acns plan)',
          );
        }
        if (toStdout && cmd.getOptionValueSource('format') === 'cli' && flags.format !== 'json') {
          throw new UsageError(
            `-o - prints the plan document on stdout, so --format ${flags.format} cannot print there too`,
            'drop --format, or save the plan to a file with -o plan.json',
          );
        }
        const printsDocument = toStdout || flags.format === 'json';
        // one after the other: loading them together trips a module-cache race in Jest's ESM support
        const { runPlan } = await import('../../operations/plan.js');
        const { isEmptyPlan } = await import('../../plan/summary.js');
        const { sessionFor } = await import('../session.js');
        const { renderPlan, savedPlanHint } = await import('../views.js');
        const { plan, createdAt, document } = await runPlan(sessionFor(io), {
          config: flags.config,
          ...(flags.zone ? { zoneFilter: flags.zone } : {}),
          ...(flags.out && !toStdout ? { out: flags.out } : {}),
          ...(flags.force ? { force: true } : {}),
          // --format json prints the same document -o saves: built once
          ...(printsDocument ? { document: true } : {}),
          toolVersion: TOOL_VERSION,
        });
        io.stdout.write(printsDocument && document ? document : renderPlan(plan, flags.format, io, createdAt));
        if (flags.out && !toStdout && flags.format === 'text') io.stdout.write(savedPlanHint(plan, flags.out));
        return flags.detailedExitcode && !isEmptyPlan(plan) ? 2 : 0;
      });
    });
}
