import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option } from 'commander';
import { AcnsError, UsageError } from '../../errors.js';
import { readAccountSnapshot } from '../../state/snapshot.js';
import { renderImportYaml, schemaReference } from '../../render/import.js';
import { count } from '../../config/words.js';
import { TOOL_VERSION } from '../version.js';
import { connect } from '../context.js';
import { DEFAULT_SETTINGS } from '../settings.js';
import { writeFileAtomic } from '../write-file.js';
import type { Registry } from '../registry.js';
import { packageFile } from '../../package-root.js';

interface ImportFlags {
  out: string;
  allZones?: boolean;
  force?: boolean;
  accountId?: string;
  endpoints?: 'dns_settings' | 'legacy';
}

const SCHEMA = packageFile('schemas/acns.schema.json');

export function registerImport(reg: Registry): void {
  reg.program
    .command('import')
    .description('write a YAML file describing the live account, such that `acns plan` with it reports no changes')
    .option('-o, --out <file>', 'file to write (- for stdout)', 'acns.yaml')
    .option('--all-zones', 'list every zone of the account, not only those on custom sets')
    .option('--force', 'overwrite the file if it exists')
    .option('--account-id <id>', 'account to import (default: CLOUDFLARE_ACCOUNT_ID)')
    .addOption(
      new Option('--endpoints <flavour>', 'API endpoints to read zone settings and the default with')
        .choices(['dns_settings', 'legacy'])
        .default('dns_settings'),
    )
    .action((flags: ImportFlags) => {
      reg.setRunner(async (io) => {
        const accountId = (flags.accountId ?? io.env.CLOUDFLARE_ACCOUNT_ID ?? '').trim().toLowerCase();
        if (!/^[0-9a-f]{32}$/.test(accountId)) {
          throw new UsageError(
            accountId
              ? 'the account id must be 32 hexadecimal characters'
              : 'no account id: pass --account-id or set CLOUDFLARE_ACCOUNT_ID',
            'find it in the Cloudflare dashboard URL (dash.cloudflare.com/<account id>)',
          );
        }
        const toStdout = flags.out === '-';
        const path = resolve(io.cwd, toStdout ? 'acns.yaml' : flags.out);
        if (!toStdout && !flags.force && (await exists(path))) {
          throw new AcnsError('import_exists', `${flags.out} already exists; nothing was written`, {
            hint: 'pass --force to overwrite it, or -o to write another file (-o - writes to stdout)',
          });
        }
        const conn = connect(io, {
          accountId,
          cloudflare: { ...DEFAULT_SETTINGS.cloudflare, endpoints: flags.endpoints ?? 'dns_settings' },
        });
        let snapshot: Awaited<ReturnType<typeof readAccountSnapshot>>;
        try {
          snapshot = await readAccountSnapshot(conn.api, {
            onProgress: (done, total) => conn.progress.update('reading zone settings', done, total),
          });
        } finally {
          await conn.close();
        }
        const text = renderImportYaml(snapshot, {
          endpoints: flags.endpoints ?? 'dns_settings',
          allZones: Boolean(flags.allZones),
          schemaRef: schemaReference(path, SCHEMA, TOOL_VERSION),
          generatedAt: new Date().toISOString(),
        });
        if (toStdout) {
          io.stdout.write(text);
        } else {
          await writeFileAtomic(flags.out, io.cwd, text, 'the imported configuration');
        }
        const custom = snapshot.zones.filter((z) => z.nameservers.type === 'custom.account').length;
        const sets = new Set(snapshot.nameservers.map((n) => n.set)).size;
        const zones = flags.allZones ? snapshot.zones.length : custom;
        io.stderr.write(
          `Wrote ${toStdout ? 'the configuration to stdout' : flags.out}: ` +
            `${count(snapshot.nameservers.length, 'name')} in ${count(sets, 'set')}, ${count(zones, 'zone')}. ` +
            `Check it with \`acns plan -c ${toStdout ? '<file>' : flags.out}\` (it should report no changes).\n`,
        );
        return 0;
      });
    });
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
