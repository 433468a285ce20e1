import type { Registry } from '../registry.js';

export function registerValidate(reg: Registry): void {
  reg.program
    .command('validate')
    .description('check the desired-state file (schema and semantic rules); no network')
    .option('-c, --config <file>', 'desired-state file', 'acns.yaml')
    .action((opts: { config: string }) => {
      reg.setRunner(async (io) => {
        // one after the other: loading them together trips a module-cache race in Jest's ESM support
        const { loadDesiredState } = await import('../../config/load.js');
        const { formatDiagnostic, problemSummary } = await import('../../config/types.js');
        const { count } = await import('../../config/words.js');
        const res = await loadDesiredState(opts.config, { cwd: io.cwd, env: io.env });
        if (!res.ok) {
          for (const d of res.errors) io.stderr.write(`${formatDiagnostic(d)}\n`);
          for (const line of problemSummary(res, opts.config)) io.stderr.write(`${line}\n`);
          return 1;
        }
        for (const d of res.warnings) io.stderr.write(`${formatDiagnostic(d, 'warning')}\n`);
        const s = res.state;
        const names = s.sets.reduce((n, x) => n + x.names.length, 0);
        io.stdout.write(
          `${opts.config}: valid (${count(s.sets.length, 'set')}, ${count(names, 'name')}, ` +
            `${count(s.zones.length, 'zone')}).\n`,
        );
        return 0;
      });
    });
}
