import { createSecretScrubber, secretsFromEnv } from '../../cloudflare/credentials.js';
import { type Format, formatOption } from '../formats.js';
import { useColour } from '../io.js';
import type { Registry } from '../registry.js';

interface DoctorFlags {
  config?: string;
  format: Format;
}

export function registerDoctor(reg: Registry): void {
  reg.program
    .command('doctor')
    .description(
      'check, read-only, what acns needs from the account and this machine: credentials, entitlement, ' +
        'response shapes, rate-limit headers, the clock, DNS reachability; run it first',
    )
    .option('-c, --config <file>', 'desired-state file (default: acns.yaml when it exists, else the environment)')
    .addOption(formatOption(['text', 'json']))
    .action((flags: DoctorFlags) => {
      reg.setRunner(async (io) => {
        // one after the other: loading them together trips a module-cache race in Jest's ESM support
        const { runDoctor } = await import('../../operations/doctor.js');
        const { renderDoctorJson, renderDoctorText } = await import('../../render/doctor.js');
        const { sessionFor } = await import('../session.js');
        const report = await runDoctor(sessionFor(io, { quiet: true }), {
          ...(flags.config !== undefined ? { config: flags.config } : {}),
        });
        const text =
          flags.format === 'json'
            ? renderDoctorJson(report)
            : renderDoctorText(report, { colour: useColour(io.stdout, io.env) });
        // Cloudflare's messages are quoted in the report: a secret echoed back never reaches the output.
        io.stdout.write(createSecretScrubber(secretsFromEnv(io.env))(text));
        return report.ok ? 0 : 1;
      });
    });
}
