/**
 * What `acns doctor` found, and how it reads: one line per check (ok, warn, FAIL, skip) with the
 * fix under each one that is not ok, then the summary; or a stable JSON document for machines.
 */
import pc from 'picocolors';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export type CheckId =
  | 'settings'
  | 'credentials'
  | 'account'
  | 'entitlement'
  | 'zones'
  | 'zone_settings'
  | 'account_settings'
  | 'rate_limits'
  | 'clock'
  | 'dns_udp'
  | 'dns_tcp'
  | 'dns_interception'
  | 'dns_ipv6';

export interface DoctorCheck {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** What was seen (for a failure: what went wrong, in Cloudflare's own words where it gave some). */
  detail: string;
  /** What to do; on every check that is not ok or skipped. */
  fix?: string;
  /** Figures for machines (rate limits, clock skew). */
  facts?: Record<string, string | number | boolean | string[]>;
}

export interface DoctorReport {
  accountId: string;
  baseUrl: string;
  /** The desired-state file used, or undefined when the environment alone was. */
  configFile?: string;
  checks: DoctorCheck[];
  /** Requests sent to Cloudflare (attempts, as the client counts them). */
  requests: number;
  elapsedMs: number;
  /** No check failed (warnings do not count). */
  ok: boolean;
}

/** `format_version` of the `acns doctor --format json` document. */
export const DOCTOR_JSON_VERSION = 1;

const LABEL: Record<CheckStatus, string> = { ok: 'ok', warn: 'warn', fail: 'FAIL', skip: 'skip' };

export function renderDoctorText(r: DoctorReport, opts: { colour: boolean }): string {
  const c = pc.createColors(opts.colour);
  const paint: Record<CheckStatus, (s: string) => string> = { ok: c.green, warn: c.yellow, fail: c.red, skip: c.dim };
  const width = Math.max(...r.checks.map((x) => x.title.length));
  const out = [
    c.bold(`acns doctor: account ${r.accountId} at ${r.baseUrl}${r.configFile ? ` (from ${r.configFile})` : ''}`),
    '',
  ];
  for (const x of r.checks) {
    out.push(`  ${paint[x.status](LABEL[x.status].padEnd(4))}  ${x.title.padEnd(width)}  ${x.detail}`);
    if (x.fix && (x.status === 'fail' || x.status === 'warn')) out.push(`  ${' '.repeat(6 + width)}  fix: ${x.fix}`);
  }
  const fails = r.checks.filter((x) => x.status === 'fail').length;
  const warns = r.checks.filter((x) => x.status === 'warn').length;
  const cost = `${r.requests} request${r.requests === 1 ? '' : 's'} to Cloudflare in ${seconds(r.elapsedMs)}`;
  out.push('');
  if (fails > 0) {
    out.push(
      c.red(c.bold(`${fails} problem${fails === 1 ? '' : 's'}`)) +
        `${warns ? `, ${warns} warning${warns === 1 ? '' : 's'}` : ''} (${cost}): ` +
        'fix the FAIL lines above, then run acns doctor again.',
    );
  } else {
    out.push(
      c.green(c.bold('Ready')) +
        `${warns ? ` with ${warns} warning${warns === 1 ? '' : 's'}` : ''} (${cost}). ` +
        (r.configFile
          ? `Next: acns plan${r.configFile === 'acns.yaml' ? '' : ` -c ${r.configFile}`}`
          : 'Next: acns import, to describe the account in acns.yaml, then acns plan.'),
    );
  }
  return `${out.join('\n')}\n`;
}

/** Stable JSON: fixed key order, `format_version`, snake_case keys (like plan, drift and glue). */
export function renderDoctorJson(r: DoctorReport): string {
  const doc = {
    format_version: DOCTOR_JSON_VERSION,
    ok: r.ok,
    account_id: r.accountId,
    base_url: r.baseUrl,
    config_file: r.configFile ?? null,
    requests: r.requests,
    elapsed_ms: Math.round(r.elapsedMs),
    summary: {
      ok: count(r, 'ok'),
      warn: count(r, 'warn'),
      fail: count(r, 'fail'),
      skip: count(r, 'skip'),
    },
    checks: r.checks.map((x) => ({
      id: x.id,
      title: x.title,
      status: x.status,
      detail: x.detail,
      fix: x.fix ?? null,
      facts: x.facts ?? {},
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function count(r: DoctorReport, s: CheckStatus): number {
  return r.checks.filter((x) => x.status === s).length;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
