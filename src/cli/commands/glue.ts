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
        // a takeover whose glue still points at the old servers (or partly) is where it should be,
        // unless a server that must keep answering its zones until the hold is over does not
        const { explainedSets } = await import('../../plan/takeover.js');
        const { holdFailed } = await import('../../plan/takeover-hold.js');
        const expected = explainedSets(outcome.takeover);
        return outcome.reports.some((r) => r.blocking && !expected.has(r.set)) || holdFailed(outcome.takeover) ? 3 : 0;
      });
    });
}
