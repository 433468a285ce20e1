import type { Registry } from '../registry.js';

export function registerValidate(reg: Registry): void {
  reg.program
    .command('validate')
    .description('check the desired-state file (schema and semantic rules); no network')
    .option('-c, --config <file>', 'desired-state file', 'acns.yaml')
    .action((opts: { config: string }) => {
      reg.setRunner(async (io) => {
        const { loadDesiredState } = await import('../../config/load.js');
        const res = await loadDesiredState(opts.config, { cwd: io.cwd, env: io.env });
        if (!res.ok) {
          for (const d of res.errors) io.stderr.write(`${d.file}:${d.line}:${d.col}: ${d.message}\n`);
          io.stderr.write(
            `${res.errors.length} problem${res.errors.length === 1 ? '' : 's'} found in ${opts.config}.\n`,
          );
          return 1;
        }
        for (const d of res.warnings) io.stderr.write(`${d.file}:${d.line}:${d.col}: warning: ${d.message}\n`);
        const s = res.state;
        io.stdout.write(
          `${opts.config}: valid (${s.sets.length} set${s.sets.length === 1 ? '' : 's'}, ` +
            `${s.sets.reduce((n, x) => n + x.names.length, 0)} names, ` +
            `${s.zones.length} zone${s.zones.length === 1 ? '' : 's'}).\n`,
        );
        return 0;
      });
    });
}
