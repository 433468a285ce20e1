/**
 * Environment overrides of the desired-state file (flags > environment > file):
 * ACNS_DNS_ROOT_SERVERS, ACNS_DNS_PARENT_SERVERS, ACNS_DNS_PORT; and CLOUDFLARE_ACCOUNT_ID, which
 * supplies the account when the file has none and must agree with the file when it has one.
 */
import { parseServerAddress } from './formats.js';
import type { DesiredState, Diagnostic } from './types.js';

export const ENV_ACCOUNT_ID = 'CLOUDFLARE_ACCOUNT_ID';
export const ENV_ROOT_SERVERS = 'ACNS_DNS_ROOT_SERVERS';
export const ENV_PARENT_SERVERS = 'ACNS_DNS_PARENT_SERVERS';
export const ENV_DNS_PORT = 'ACNS_DNS_PORT';

/**
 * Applies the environment to `state` in place. Problems with a variable are environment
 * diagnostics naming the variable (never the file's line 1); the account id is never echoed when
 * it is malformed (it may be a pasted secret).
 *
 * The account is not overridden: when the file's account_id and CLOUDFLARE_ACCOUNT_ID name
 * different accounts, commands that talk to the API (`forApi`) refuse, and validate warns — a
 * leftover export must never send a staging file to production.
 */
export function applyEnv(
  state: DesiredState,
  env: Record<string, string | undefined>,
  opts: { requireAccountId?: boolean },
): { errors: Diagnostic[]; warnings: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const envDiag = (message: string): Diagnostic => ({
    file: state.file,
    line: 1,
    col: 1,
    message,
    source: 'environment',
  });
  const err = (message: string) => errors.push(envDiag(message));

  const acct = env[ENV_ACCOUNT_ID]?.trim();
  if (acct) {
    const fromEnv = /^[0-9a-f]{32}$/i.test(acct) ? acct.toLowerCase() : undefined;
    if (fromEnv === undefined) {
      err(
        `${ENV_ACCOUNT_ID} is not a Cloudflare account id (32 hexadecimal characters) — ` +
          `fix the variable or unset it${state.accountId ? ` (the file's account_id is ${state.accountId})` : ''}`,
      );
    } else if (state.accountId && state.accountId !== fromEnv) {
      const message =
        `${state.file} has account_id ${state.accountId} but ${ENV_ACCOUNT_ID} is ${fromEnv} — ` +
        `they name different accounts and acns does not guess: unset ${ENV_ACCOUNT_ID} (or set it to ` +
        `${state.accountId}) to use the file's account, or change account_id in ${state.file}`;
      if (opts.requireAccountId) err(message);
      else warnings.push(envDiag(`${message}; plan, apply, drift and glue will refuse to run`));
    } else {
      state.accountId = fromEnv;
    }
  } else if (opts.requireAccountId && !state.accountId) {
    errors.push({
      file: state.file,
      line: 1,
      col: 1,
      message:
        `no account id: the file has no account_id and ${ENV_ACCOUNT_ID} is not set — ` +
        `add "account_id: <32 hex characters>" or export ${ENV_ACCOUNT_ID}`,
    });
  }

  const fileDns = {
    ...state.dns,
    rootServers: [...state.dns.rootServers],
    parentServers: [...state.dns.parentServers],
  };
  const overrides: string[] = [];
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
        `${name} has entries that are not IP[:port]: ${bad.slice(0, 5).join(', ')} — ` +
          'use a comma list such as 192.0.2.1,[2001:db8::1]:5353',
      );
    else {
      state.dns[field] = list;
      overrides.push(name);
    }
  }

  const port = env[ENV_DNS_PORT]?.trim();
  if (port) {
    const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
    if (n >= 1 && n <= 65535) {
      state.dns.port = n;
      overrides.push(ENV_DNS_PORT);
    } else err(`${ENV_DNS_PORT} must be a port number from 1 to 65535 — fix the variable or unset it`);
  }
  if (overrides.length) {
    state.dnsOverrides = overrides;
    state.fileDns = fileDns;
  }
  return { errors, warnings };
}
