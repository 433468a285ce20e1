import { parseDuration } from '../duration.js';
import { type Format, formatOption } from '../formats.js';
import type { Registry } from '../registry.js';

interface GlueFlags {
  config: string;
  format: Format;
  glueWait?: string;
}

export function registerGlue(reg: Registry): void {
  reg.program
    .command('glue')
    .description(
      "check glue at the registry and the names' addresses in DNS for every set in the file; changes nothing",
    )
    .option('-c, --config <file>', 'desired-state file', 'acns.yaml')
    .addOption(formatOption(['text', 'json']))
    .option('--glue-wait <duration>', 'keep re-checking with backoff until glue appears, up to this long (e.g. 30m)')
    .action((flags: GlueFlags) => {
      reg.setRunner(async (io) => {
        // one after the other: loading them together trips a module-cache race in Jest's ESM support
        const { runGlue } = await import('../../operations/glue.js');
        const { sessionFor } = await import('../session.js');
        const { glueWarnings, renderGlue } = await import('../views.js');
        const glueWaitMs = flags.glueWait ? parseDuration(flags.glueWait) : 0;
        const outcome = await runGlue(sessionFor(io), { config: flags.config, glueWaitMs });
        for (const n of outcome.notCreated) {
          io.stderr.write(
            `acns: ${n.name} (set ${n.set}) does not exist in the account yet, so it has no addresses to check — ` +
              'run acns apply first\n',
          );
        }
        io.stdout.write(renderGlue(outcome, flags.format, io));
        io.stderr.write(glueWarnings(outcome.reports, io));
        if (!outcome.reports.length) return outcome.notCreated.length ? 1 : 0;
        // the same verdict as the JSON's `ok`: a takeover in progress explains its set's failing glue
        const { gluePasses } = await import('../../plan/takeover-hold.js');
        return gluePasses(outcome.reports, outcome.takeover) ? 0 : 3;
      });
    });
}
