/**
 * Environment overrides of the desired-state file (flags > environment > file):
 * CLOUDFLARE_ACCOUNT_ID, ACNS_DNS_ROOT_SERVERS, ACNS_DNS_PARENT_SERVERS, ACNS_DNS_PORT.
 */
import { parseServerAddress } from './schema.js';
import type { DesiredState, Diagnostic } from './types.js';

export const ENV_ACCOUNT_ID = 'CLOUDFLARE_ACCOUNT_ID';
export const ENV_ROOT_SERVERS = 'ACNS_DNS_ROOT_SERVERS';
export const ENV_PARENT_SERVERS = 'ACNS_DNS_PARENT_SERVERS';
export const ENV_DNS_PORT = 'ACNS_DNS_PORT';

/**
 * Applies the environment to `state` in place. Problems are reported at the top of the file
 * (line 1, column 1) and name the variable; values are not echoed for the account id.
 */
export function applyEnv(
  state: DesiredState,
  env: Record<string, string | undefined>,
  opts: { requireAccountId?: boolean },
): Diagnostic[] {
  const errors: Diagnostic[] = [];
  const err = (message: string) => errors.push({ file: state.file, line: 1, col: 1, message });

  const acct = env[ENV_ACCOUNT_ID]?.trim();
  if (acct) {
    if (/^[0-9a-f]{32}$/i.test(acct)) state.accountId = acct.toLowerCase();
    else
      err(
        `environment variable ${ENV_ACCOUNT_ID} is not a Cloudflare account id (32 hexadecimal characters) — fix it or unset it`,
      );
  } else if (opts.requireAccountId && !state.accountId) {
    err(
      `no account id: the file has no account_id and ${ENV_ACCOUNT_ID} is not set — add "account_id: <32 hex characters>" or export ${ENV_ACCOUNT_ID}`,
    );
  }

  for (const [name, field] of [
    [ENV_ROOT_SERVERS, 'rootServers'],
    [ENV_PARENT_SERVERS, 'parentServers'],
  ] as const) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const list = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = list.filter((s) => parseServerAddress(s) === undefined);
    if (bad.length)
      err(
        `environment variable ${name} has entries that are not IP[:port]: ${bad.slice(0, 5).join(', ')} — use a comma list such as 192.0.2.1,[2001:db8::1]:5353`,
      );
    else state.dns[field] = list;
  }

  const port = env[ENV_DNS_PORT]?.trim();
  if (port) {
    const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
    if (n >= 1 && n <= 65535) state.dns.port = n;
    else err(`environment variable ${ENV_DNS_PORT} must be a port number from 1 to 65535 — fix it or unset it`);
  }
  return errors;
}
