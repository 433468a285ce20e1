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
        const [{ runDrift }, { sessionFor }, { renderDrift }] = await Promise.all([
          import('../../operations/drift.js'),
          import('../session.js'),
          import('../views.js'),
        ]);
        const report = await runDrift(sessionFor(io), { config: flags.config });
        io.stdout.write(renderDrift(report, flags.format, io));
        return report.hasDrift ? 2 : 0;
      });
    });
}
