import { buildDriftReport, delegationFindings, delegationTargets } from '../../plan/drift.js';
import { renderDriftJson, renderDriftMarkdown, renderDriftText } from '../../render/drift.js';
import { readZoneDelegations } from '../../dns/delegation-reads.js';
import { readLiveState } from '../../state/read.js';
import { accountIdOf, connect, dnsOptions, loadConfig } from '../context.js';
import { formatOption, type Format } from '../formats.js';
import { useColour } from '../io.js';
import type { Registry } from '../registry.js';
import { TOOL_VERSION } from '../version.js';

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
        const desired = await loadConfig(flags.config, io, { requireAccountId: true });
        const conn = connect(io, { accountId: accountIdOf(desired), cloudflare: desired.cloudflare });
        let live: Awaited<ReturnType<typeof readLiveState>>;
        try {
          live = await readLiveState(desired, conn.api, {
            onProgress: (p) => conn.progress.update(`reading ${p.phase}`, p.done, p.total),
          });
        } finally {
          await conn.close();
        }
        const report = buildDriftReport(desired, live);
        // zones on their set in the file and the account: does the parent delegate them to it yet? (information, not drift)
        if (desired.policy.glueCheck !== 'off') {
          report.delegation = delegationFindings(
            await readZoneDelegations(delegationTargets(desired, live), dnsOptions(desired, io.signal)),
          );
        }
        const meta = { toolVersion: TOOL_VERSION, createdAt: new Date().toISOString() };
        io.stdout.write(
          flags.format === 'json'
            ? renderDriftJson(report, meta)
            : flags.format === 'markdown'
              ? renderDriftMarkdown(report)
              : renderDriftText(report, { colour: useColour(io.stdout, io.env) }),
        );
        return report.hasDrift ? 2 : 0;
      });
    });
}
