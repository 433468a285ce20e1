import { Option } from 'commander';
import { UsageError } from '../../errors.js';
import type { Registry } from '../registry.js';
import { TOOL_VERSION } from '../version.js';

interface ImportFlags {
  out: string;
  allZones?: boolean;
  force?: boolean;
  accountId?: string;
  endpoints?: 'dns_settings' | 'legacy';
  emulatorState?: string;
}

export function registerImport(reg: Registry): void {
  reg.program
    .command('import')
    .description('write a YAML file describing the live account, such that `acns plan` with it reports no changes')
    .option('-o, --out <file>', 'file to write (- for stdout)', 'acns.yaml')
    .option('--all-zones', 'list every zone of the account, not only those on custom sets')
    .option('--force', 'overwrite the file if it exists')
    .option('--account-id <id>', 'account to import (default: CLOUDFLARE_ACCOUNT_ID)')
    .option(
      '--emulator-state <file>',
      'write the account as an `acns emulator --state` file (to rehearse a change offline) instead of acns.yaml',
    )
    .addOption(
      new Option('--endpoints <flavour>', 'API endpoints to read zone settings and the default with')
        .choices(['dns_settings', 'legacy'])
        .default('dns_settings'),
    )
    .action((flags: ImportFlags, cmd: { getOptionValueSource(k: string): string | undefined }) => {
      reg.setRunner(async (io) => {
        if (flags.emulatorState && (flags.allZones || cmd.getOptionValueSource('out') === 'cli')) {
          throw new UsageError(
            '--emulator-state writes every zone to its own file: -o and --all-zones do not apply to it',
            'run import twice to get both an acns.yaml and an emulator state',
          );
        }
        // one after the other: loading them together trips a module-cache race in Jest's ESM support
        const { runImport } = await import('../../operations/import.js');
        const { sessionFor } = await import('../session.js');
        const { count } = await import('../../config/words.js');
        const { snapshot, text, zoneCount } = await runImport(sessionFor(io), { ...flags, toolVersion: TOOL_VERSION });
        if (flags.emulatorState) {
          io.stderr.write(
            `Wrote ${flags.emulatorState}: ${count(snapshot.nameservers.length, 'name')}, ` +
              `${count(snapshot.zones.length, 'zone')}, ` +
              'the account default; no credentials. Rehearse against it with ' +
              `\`acns emulator --state ${flags.emulatorState} --dns 5354\` (see docs/emulator.md).\n`,
          );
          return 0;
        }
        const toStdout = flags.out === '-';
        if (toStdout) io.stdout.write(text);
        const sets = new Set(snapshot.nameservers.map((n) => n.set)).size;
        io.stderr.write(
          `Wrote ${toStdout ? 'the configuration to stdout' : flags.out}: ` +
            `${count(snapshot.nameservers.length, 'name')} in ${count(sets, 'set')}, ${count(zoneCount, 'zone')}. ` +
            `Check it with \`acns plan -c ${toStdout ? '<file>' : flags.out}\` (it should report no changes).\n`,
        );
        return 0;
      });
    });
}
