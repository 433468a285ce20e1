/**
 * The API and DNS settings a run uses. A plan carries the file's settings so `apply plan.json`
 * runs as reviewed; the environment (ACNS_DNS_*) still overrides them, as it overrides the file.
 */
import { applyEnv } from '../config/env.js';
import type { DesiredState } from '../config/types.js';
import { UsageError } from '../errors.js';
import type { GlueCheckOptions } from '../dns/glue.js';
import type { Plan, PlanSettings } from '../plan/types.js';

export const DEFAULT_SETTINGS: PlanSettings = {
  cloudflare: {
    endpoints: 'dns_settings',
    requestsPerWindow: 1000,
    windowSeconds: 300,
    requestsPerSecond: 200,
    concurrency: 64,
  },
  dns: { rootServers: [], parentServers: [], port: 53 },
};

/** What a saved plan keeps: the file's settings — never DNS servers a variable set for this one run. */
export function planSettings(desired: Pick<DesiredState, 'cloudflare' | 'dns' | 'fileDns'>): PlanSettings {
  return { cloudflare: { ...desired.cloudflare }, dns: { ...(desired.fileDns ?? desired.dns) } };
}

export function settingsForSavedPlan(plan: Plan, env: Record<string, string | undefined>): PlanSettings {
  const base = plan.settings ?? {
    ...DEFAULT_SETTINGS,
    cloudflare: { ...DEFAULT_SETTINGS.cloudflare, endpoints: plan.endpoints },
  };
  return withEnv(base, { ...env, CLOUDFLARE_ACCOUNT_ID: undefined }, plan.accountId).settings;
}

/**
 * The default settings with the environment applied, for a command run without a desired-state
 * file: the account comes from CLOUDFLARE_ACCOUNT_ID, which must then be set.
 */
export function settingsFromEnv(env: Record<string, string | undefined>): {
  accountId: string;
  settings: PlanSettings;
} {
  const { accountId, settings } = withEnv(DEFAULT_SETTINGS, env, undefined, true);
  return { accountId: accountId as string, settings };
}

function withEnv(
  base: PlanSettings,
  env: Record<string, string | undefined>,
  accountId: string | undefined,
  requireAccountId = false,
): { accountId?: string; settings: PlanSettings } {
  const shell = {
    file: '(environment)',
    accountId,
    cloudflare: { ...base.cloudflare },
    dns: { ...base.dns, rootServers: [...base.dns.rootServers], parentServers: [...base.dns.parentServers] },
  } as unknown as DesiredState;
  const problems = applyEnv(shell, env, { requireAccountId }).errors;
  if (problems.length) throw new UsageError(problems.map((p) => p.message).join('\n'));
  return { accountId: shell.accountId, settings: { cloudflare: shell.cloudflare, dns: shell.dns } };
}

/** DNS options for glue and delegation checks (the loader or settingsForSavedPlan applied ACNS_DNS_*). */
export function dnsOptions(settings: Pick<DesiredState, 'dns'>, signal?: AbortSignal): GlueCheckOptions {
  return {
    rootServers: settings.dns.rootServers,
    parentServers: settings.dns.parentServers,
    port: settings.dns.port,
    ...(settings.dns.deadlineSeconds !== undefined ? { deadlineMs: settings.dns.deadlineSeconds * 1000 } : {}),
    ...(signal ? { signal } : {}),
  };
}
