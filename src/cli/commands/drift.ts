import { type Format, formatOption } from '../formats.js';
import type { Registry } from '../registry.js';

export function registerDrift(reg: Registry): void {
  reg.program
    .command('drift')
    .description(
      'report every difference between the live account and the file; changes nothing (exit 2 when anything drifted)',
    )
    .option('-c, --config <file>', 'desired-state file', 'acns.yaml')
    .addOption(formatOption())
    .action((flags: { config: string; format: Format }) => {
      reg.setRunner(async (io) => {
        // one after the other: loading them together trips a module-cache race in Jest's ESM support
        const { runDrift } = await import('../../operations/drift.js');
        const { sessionFor } = await import('../session.js');
        const { renderDrift } = await import('../views.js');
        const report = await runDrift(sessionFor(io), { config: flags.config });
        io.stdout.write(renderDrift(report, flags.format, io));
        return report.hasDrift ? 2 : 0;
      });
    });
}
