import { buildDriftReport } from '../../plan/drift.js';
import { renderDriftJson, renderDriftMarkdown, renderDriftText } from '../../render/drift.js';
import { readZoneDelegations } from '../../state/delegation.js';
import { readLiveState } from '../../state/read.js';
import { accountIdOf, connect, dnsOptions, loadConfig } from '../context.js';
import { formatOption, type Format } from '../formats.js';
import { useColour } from '../io.js';
import type { Registry } from '../program.js';
import { TOOL_VERSION } from '../version.js';

export function registerDrift(reg: Registry): void {
  reg.program
    .command('drift')
    .description('report every difference between the live account and the file; changes nothing (exit 2 when anything drifted)')
    .option('-c, --config <file>', 'desired-state file', 'acns.yaml')
    .addOption(formatOption())
    .action((flags: { config: string; format: Format }) => {
      reg.setRunner(async (io) => {
        const desired = await loadConfig(flags.config, io, { requireAccountId: true });
        const conn = connect(io, { accountId: accountIdOf(desired), cloudflare: desired.cloudflare });
        let live;
        try {
          live = await readLiveState(desired, conn.api, { onProgress: (p) => conn.progress.update(`reading ${p.phase}`, p.done, p.total) });
        } finally {
          await conn.close();
        }
        const report = buildDriftReport(desired, live);
        const meta = { toolVersion: TOOL_VERSION, createdAt: new Date().toISOString() };
        let out =
          flags.format === 'json'
            ? renderDriftJson(report, meta)
            : flags.format === 'markdown'
              ? renderDriftMarkdown(report)
              : renderDriftText(report, { colour: useColour(io.stdout, io.env) });

        // Zones on their set in both file and account: is the parent delegating them to it yet?
        if (desired.policy.glueCheck !== 'off' && flags.format !== 'json') {
          const liveByName = new Map(live.zones.map((z) => [z.name, z]));
          const setNames = new Map(desired.sets.map((s) => [s.set, s.names.map((n) => n.name)]));
          const zones = desired.zones.flatMap((z) => {
            const l = liveByName.get(z.name);
            if (z.target.type !== 'custom' || l?.nameservers.type !== 'custom.account' || l.nameservers.set !== z.target.set) return [];
            return [{ zone: z.name, customNames: setNames.get(z.target.set) ?? [] }];
          });
          const found = await readZoneDelegations(zones, dnsOptions(desired, io.signal));
          const elsewhere = found.filter((f) => f.status === 'elsewhere');
          const unknown = found.filter((f) => f.status === 'unknown');
          if (elsewhere.length || unknown.length) {
            const lines = [
              '',
              ...elsewhere.map(
                (f) =>
                  `Zone ${f.zone} uses its custom set, but ${f.nameservers.length ? `its parent still delegates it to ${f.nameservers.join(', ')}` : 'its parent zone does not delegate it'}: ` +
                  `next step at your registrar: set NS to ${f.customNames.join(', ')}.`,
              ),
              ...(unknown.length ? [`Could not read the delegation of ${unknown.length} zone(s) from DNS: ${unknown.map((u) => u.zone).join(', ')}.`] : []),
            ];
            out += `${lines.join('\n')}\n`;
          }
        }
        io.stdout.write(out);
        return report.hasDrift ? 2 : 0;
      });
    });
}
