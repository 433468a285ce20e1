import { formatOption, type Format } from '../formats.js';
import type { Registry } from '../registry.js';

export function registerShow(reg: Registry): void {
  reg.program
    .command('show')
    .description('render a saved plan again (text, json or markdown)')
    .argument('<planfile>', 'a plan saved with `acns plan -o`')
    .addOption(formatOption())
    .action((planfile: string, flags: { format: Format }) => {
      reg.setRunner(async (io) => {
        // one after the other: loading them together trips a module-cache race in Jest's ESM support
        const { readPlanFile } = await import('../../plan/planfile.js');
        const { renderPlan } = await import('../views.js');
        const saved = await readPlanFile(planfile, io.cwd);
        io.stdout.write(renderPlan(saved.plan, flags.format, io, saved.createdAt));
        return 0;
      });
    });
}
