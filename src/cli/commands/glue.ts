import { checkSetGlue, waitForGlue, type GlueReport } from '../../dns/glue.js';
import { renderGlueJson, renderGlueText } from '../../dns/render.js';
import { glueExpectations } from '../../plan/glue-expectations.js';
import { accountIdOf, connect, dnsOptions, loadConfig } from '../context.js';
import { parseDuration } from '../duration.js';
import { formatOption, type Format } from '../formats.js';
import { useColour } from '../io.js';
import type { Registry } from '../registry.js';

interface GlueFlags {
  config: string;
  format: Format;
  glueWait?: string;
  set?: string;
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
        const waitMs = flags.glueWait ? parseDuration(flags.glueWait) : 0;
        const desired = await loadConfig(flags.config, io, { requireAccountId: true });
        const conn = connect(io, { accountId: accountIdOf(desired), cloudflare: desired.cloudflare, quiet: true });
        let live: Awaited<ReturnType<typeof conn.api.listNameservers>>;
        try {
          live = await conn.api.listNameservers();
        } finally {
          await conn.close();
        }
        const { expectations, notCreated } = glueExpectations(desired, live);
        for (const n of notCreated) {
          io.stderr.write(
            `acns: ${n.name} (set ${n.set}) does not exist in the account yet, so it has no addresses to check — run acns apply first\n`,
          );
        }
        const dns = dnsOptions(desired, io.signal);
        const reports: GlueReport[] = await Promise.all(
          expectations.map((exp) =>
            waitMs
              ? waitForGlue(exp, {
                  ...dns,
                  waitMs,
                  onAttempt: (r, n) =>
                    r.blocking && io.stderr.write(`acns: set ${exp.set}: glue not ready (attempt ${n})\n`),
                })
              : checkSetGlue(exp, dns),
          ),
        );
        if (!reports.length) {
          io.stdout.write(
            flags.format === 'json' ? renderGlueJson([]) : 'No set has names in the account yet: nothing to check.\n',
          );
          return notCreated.length ? 1 : 0;
        }
        io.stdout.write(
          flags.format === 'json'
            ? renderGlueJson(reports)
            : renderGlueText(reports, { colour: useColour(io.stdout, io.env) }),
        );
        return reports.some((r) => r.blocking) ? 3 : 0;
      });
    });
}
