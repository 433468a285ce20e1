import { DEFAULT_JOURNAL_PATH } from '../../apply/types.js';
import { parseDuration } from '../duration.js';
import { useColour } from '../io.js';
import type { Registry } from '../registry.js';

interface ApplyFlags {
  config: string;
  autoApprove?: boolean;
  allowMassChange?: boolean;
  allowUnknownDelegation?: boolean;
  journal?: string;
  glueWait?: string;
  ignoreConfig?: boolean;
}

export function registerApply(reg: Registry): void {
  reg.program
    .command('apply')
    .description('carry out a saved plan exactly; without one, plan, show it and ask for `yes`')
    .argument('[planfile]', 'a plan saved with `acns plan -o`')
    .option('-c, --config <file>', 'desired-state file (used when no plan file is given)', 'acns.yaml')
    .option('--auto-approve', 'do not ask for confirmation (needed where no terminal can answer)')
    .option('--allow-mass-change', 'apply a plan that changes more zones than policy.max_zone_changes')
    .option(
      '--allow-unknown-delegation',
      'apply although the delegation of zones or names leaving a set could not be read from DNS ' +
        '(or no record says when delegations to deleted names moved)',
    )
    .option('--journal <file>', `append an audit line per request and step outcome (default ${DEFAULT_JOURNAL_PATH})`)
    .option('--glue-wait <duration>', 'keep re-checking missing glue with backoff for up to this long (e.g. 30m)')
    .option(
      '--ignore-config',
      "with a plan file: apply it with the glue policy and settings it records, without comparing them with -c's file",
    )
    .action(
      (
        planFile: string | undefined,
        flags: ApplyFlags,
        cmd: { getOptionValueSource(k: string): string | undefined },
      ) => {
        reg.setRunner(async (io) => {
          // one after the other: loading them together trips a module-cache race in Jest's ESM support
          const { runApply } = await import('../../operations/apply.js');
          const { renderStepLine } = await import('../../render/apply.js');
          const { renderPlanText } = await import('../../render/text.js');
          const { confirm } = await import('../prompt.js');
          const { sessionFor } = await import('../session.js');
          const { applyOutcomeView } = await import('../views.js');
          const session = sessionFor(io);
          const colour = useColour(io.stderr, io.env);
          const outcome = await runApply(session, {
            ...(planFile ? { planFile } : {}),
            config: flags.config,
            ...(cmd.getOptionValueSource('config') === 'cli' ? { configGiven: true } : {}),
            ...(flags.ignoreConfig ? { ignoreConfig: true } : {}),
            allow: [
              ...(flags.allowMassChange ? (['mass_change'] as const) : []),
              ...(flags.allowUnknownDelegation ? (['delegation_unknown'] as const) : []),
            ],
            ...(flags.journal ? { journal: flags.journal } : {}),
            glueWaitMs: flags.glueWait ? parseDuration(flags.glueWait) : 0,
            onPlan: (plan) => io.stdout.write(renderPlanText(plan, { colour: useColour(io.stdout, io.env) })),
            approve: async () => Boolean(flags.autoApprove) || confirm(io),
            onStepDone: (r, done, total) => {
              session.progress.line(renderStepLine(r, { colour }));
              session.progress.update('steps', done, total);
            },
          });
          const view = applyOutcomeView(outcome, io, planFile);
          io.stdout.write(view.stdout);
          io.stderr.write(view.stderr);
          return view.exitCode;
        });
      },
    );
}
