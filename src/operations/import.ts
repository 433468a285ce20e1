/**
 * `acns import` as an operation: read the whole account and describe it as a desired-state file
 * that plans to no changes.
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { EndpointFlavour } from '../config/types.js';
import { AcnsError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { packageFile } from '../package-root.js';
import { renderStateDocument, stateDocumentFromSnapshot } from '../emulator/statefile.js';
import { renderImportYaml, schemaReference } from '../render/import.js';
import { type AccountSnapshot, readAccountSnapshot } from '../state/snapshot.js';
import { withConnection } from './connect.js';
import type { Session } from './session.js';
import { DEFAULT_SETTINGS } from './settings.js';

export interface ImportRequest {
  /** File to write; `-` returns the text for the caller to print. */
  out: string;
  allZones?: boolean;
  force?: boolean;
  accountId?: string;
  endpoints?: EndpointFlavour;
  /** Write the account as an `acns emulator --state` file here instead of a desired-state file. */
  emulatorState?: string;
  /** acns's version, for the file's `$schema` reference when it points at a release. */
  toolVersion: string;
}

export interface ImportOutcome {
  snapshot: AccountSnapshot;
  text: string;
  /** Zones written to the file. */
  zoneCount: number;
}

export async function runImport(session: Session, req: ImportRequest): Promise<ImportOutcome> {
  const accountId = (req.accountId ?? session.env.CLOUDFLARE_ACCOUNT_ID ?? '').trim().toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(accountId)) {
    throw new UsageError(
      accountId
        ? 'the account id must be 32 hexadecimal characters'
        : 'no account id: pass --account-id or set CLOUDFLARE_ACCOUNT_ID',
      'find it in the Cloudflare dashboard URL (dash.cloudflare.com/<account id>)',
    );
  }
  const toStdout = req.out === '-' && !req.emulatorState;
  const target = req.emulatorState ?? req.out;
  const path = resolve(session.cwd, toStdout ? 'acns.yaml' : target);
  if (!toStdout && !req.force && (await exists(path))) {
    throw new AcnsError('import_exists', `${target} already exists; nothing was written`, {
      hint: 'pass --force to overwrite it, or -o to write another file (-o - writes to stdout)',
    });
  }
  const endpoints = req.endpoints ?? 'dns_settings';
  const snapshot = await withConnection(
    session,
    { accountId, cloudflare: { ...DEFAULT_SETTINGS.cloudflare, endpoints } },
    (api) =>
      readAccountSnapshot(api, {
        onProgress: (done, total) => session.progress.update('reading zone settings', done, total),
      }),
  );
  if (req.emulatorState) {
    const text = renderStateDocument(stateDocumentFromSnapshot(snapshot), path);
    await writeFileAtomic(req.emulatorState, text, { cwd: session.cwd, what: 'the emulator state' });
    return { snapshot, text, zoneCount: snapshot.zones.length };
  }
  const text = renderImportYaml(snapshot, {
    endpoints,
    allZones: Boolean(req.allZones),
    schemaRef: schemaReference(path, packageFile('schemas/acns.schema.json'), req.toolVersion),
    generatedAt: new Date().toISOString(),
  });
  if (!toStdout) await writeFileAtomic(req.out, text, { cwd: session.cwd, what: 'the imported configuration' });
  const custom = snapshot.zones.filter((z) => z.nameservers.type === 'custom.account').length;
  return { snapshot, text, zoneCount: req.allZones ? snapshot.zones.length : custom };
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}
