/**
 * A saved plan against the desired-state file it is applied with: the glue policy, the API and DNS
 * settings and the policy the plan's safety was derived with must be the file's, so a plan made
 * elsewhere (with glue checks off, another endpoint flavour or other DNS servers) is not applied
 * under a configuration that says otherwise.
 */
import equal from 'fast-deep-equal';
import type { DesiredState } from '../config/types.js';
import type { Plan } from './types.js';

/** Each difference in words ("policy.glue_check: off in the plan, enforce in acns.yaml"); empty when they agree. */
export function configDifferences(plan: Plan, desired: DesiredState): string[] {
  const out: string[] = [];
  const file = desired.file;
  const differ = (what: string, inPlan: unknown, inFile: unknown): void => {
    if (!equal(inPlan, inFile)) out.push(`${what}: ${show(inPlan)} in the plan, ${show(inFile)} in ${file}`);
  };
  differ('policy.glue_check', plan.gluePolicy, desired.policy.glueCheck);
  differ('cloudflare.endpoints', plan.endpoints, desired.cloudflare.endpoints);
  if (plan.settings) {
    const c = plan.settings.cloudflare;
    differ('cloudflare.requests_per_window', c.requestsPerWindow, desired.cloudflare.requestsPerWindow);
    differ('cloudflare.window_seconds', c.windowSeconds, desired.cloudflare.windowSeconds);
    differ('cloudflare.concurrency', c.concurrency, desired.cloudflare.concurrency);
    differ('cloudflare.requests_per_second', c.requestsPerSecond, desired.cloudflare.requestsPerSecond);
    // the file's own dns: values (ACNS_DNS_* of this run are not part of what was reviewed)
    const dns = desired.fileDns ?? desired.dns;
    differ('dns.root_servers', plan.settings.dns.rootServers, dns.rootServers);
    differ('dns.parent_servers', plan.settings.dns.parentServers, dns.parentServers);
    differ('dns.port', plan.settings.dns.port, dns.port);
    differ('dns.deadline_seconds', plan.settings.dns.deadlineSeconds, dns.deadlineSeconds);
    differ('dns.switch_check_seconds', plan.settings.dns.switchCheckSeconds, dns.switchCheckSeconds);
  }
  if (plan.preconditions) {
    differ('policy.max_zone_changes', plan.preconditions.maxZoneChanges, desired.policy.maxZoneChanges);
    differ(
      'the sets under nameserver_sets',
      plan.preconditions.declaredSets,
      desired.sets.map((s) => s.set).sort((a, b) => a - b),
    );
  }
  return out;
}

function show(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `[${v.join(', ')}]`;
  return String(v);
}
