/**
 * Shared wiring for the commands that talk to Cloudflare: load the file, build the account API
 * from the environment, show progress, journal requests. Commands stay thin: parse flags, call
 * these and the modules, map results to exit codes.
 */
import { accountApiFromEnv, type AccountApiHandle } from '../cloudflare/account.js';
import type { RequestEvent } from '../cloudflare/client.js';
import { loadDesiredState } from '../config/load.js';
import type { DesiredState } from '../config/types.js';
import { AcnsError } from '../errors.js';
import type { GlueCheckOptions } from '../dns/glue.js';
import type { CliIO } from './io.js';
import { createProgress, type ProgressSink } from './progress.js';

export class InvalidConfigError extends AcnsError {
  constructor(file: string, count: number) {
    super(
      'invalid_config',
      `${file} is not valid (${count} problem${count === 1 ? '' : 's'} above); nothing was sent to Cloudflare`,
      {
        hint: `fix the file, then run \`acns validate -c ${file}\``,
      },
    );
  }
}

/** Loads the desired state, printing every diagnostic; throws InvalidConfigError when invalid. */
export async function loadConfig(
  file: string,
  io: CliIO,
  opts: { requireAccountId?: boolean } = {},
): Promise<DesiredState> {
  const res = await loadDesiredState(file, { cwd: io.cwd, env: io.env, requireAccountId: opts.requireAccountId });
  if (!res.ok) {
    for (const d of res.errors) io.stderr.write(`${d.file}:${d.line}:${d.col}: ${d.message}\n`);
    throw new InvalidConfigError(file, res.errors.length);
  }
  for (const d of res.warnings) io.stderr.write(`${d.file}:${d.line}:${d.col}: warning: ${d.message}\n`);
  return res.state;
}

export interface Connection {
  api: AccountApiHandle;
  progress: ProgressSink;
  close(): Promise<void>;
}

export interface ConnectOptions {
  accountId: string;
  cloudflare: DesiredState['cloudflare'];
  onRequest?: (e: RequestEvent) => void;
  onRequestStart?: (e: { method: string; path: string; attempt: number }) => void;
  quiet?: boolean;
}

/** The account API for this run, with progress on stderr. Credentials come from the environment only. */
export function connect(io: CliIO, o: ConnectOptions): Connection {
  const progress = createProgress(io, { quiet: o.quiet });
  const api = accountApiFromEnv(io.env, {
    accountId: o.accountId,
    endpoints: o.cloudflare.endpoints,
    requestsPerWindow: o.cloudflare.requestsPerWindow,
    windowSeconds: o.cloudflare.windowSeconds,
    concurrency: o.cloudflare.concurrency,
    ...(io.retryBackoff ? { backoffBaseMs: io.retryBackoff.baseMs, backoffCapMs: io.retryBackoff.capMs } : {}),
    onRequest: o.onRequest,
    ...(o.onRequestStart ? { onRequestStart: o.onRequestStart } : {}),
    onProgress: (e) => {
      if (e.kind === 'waiting') {
        const why =
          e.reason === 'window'
            ? `request budget for this window spent (${o.cloudflare.requestsPerWindow} per ${o.cloudflare.windowSeconds} s)`
            : 'Cloudflare answered 429 (rate limited); pausing every request';
        progress.note(`${why}: waiting ${Math.ceil(e.waitMs / 1000)} s`);
      }
    },
  });
  return {
    api,
    progress,
    async close() {
      progress.stop();
      await api.close();
    },
  };
}

/** DNS options for glue and delegation checks (the loader already applied ACNS_DNS_* overrides). */
export function dnsOptions(desired: Pick<DesiredState, 'dns'>, signal?: AbortSignal): GlueCheckOptions {
  return {
    rootServers: desired.dns.rootServers,
    parentServers: desired.dns.parentServers,
    port: desired.dns.port,
    ...(signal ? { signal } : {}),
  };
}

/** The account id the run works on: the file's, overridden by CLOUDFLARE_ACCOUNT_ID. */
export function accountIdOf(desired: DesiredState): string {
  if (!desired.accountId) {
    throw new AcnsError(
      'missing_account_id',
      'no account id: set account_id in the file or CLOUDFLARE_ACCOUNT_ID in the environment',
      {
        hint: 'find it in the Cloudflare dashboard URL (dash.cloudflare.com/<account id>) or under Account Home → Account details',
      },
    );
  }
  return desired.accountId;
}
