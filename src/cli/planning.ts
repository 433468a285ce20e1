/**
 * The read → plan pipeline shared by `plan`, `drift` and `apply` without a plan file: load the
 * file, read the live account (and, for switched zones, their delegation in DNS), build the plan.
 */
import { normaliseName } from '../config/names.js';
import { didYouMean } from '../config/words.js';
import type { DesiredState } from '../config/types.js';
import { UsageError } from '../errors.js';
import { buildPlan } from '../plan/build.js';
import { addDelegationFindings } from '../plan/delegation.js';
import type { Plan } from '../plan/types.js';
import { readDelegations } from '../dns/delegation-reads.js';
import { baselinePath, readBaseline } from '../apply/baseline.js';
import { readLiveState } from '../state/read.js';
import { readSetUsers } from '../state/set-users.js';
import { setsShrunkBelowTwo } from '../plan/shrinking.js';
import type { LiveState } from '../state/types.js';
import { planSettings } from './settings.js';
import { accountIdOf, connect, dnsOptions, loadConfig, type Connection } from './context.js';
import type { CliIO } from './io.js';

export interface Planned {
  desired: DesiredState;
  live: LiveState;
  plan: Plan;
  conn: Connection;
}

export interface PlanningOptions {
  zoneFilter?: string[];
  readDefault?: boolean;
  onRequest?: Parameters<typeof connect>[1]['onRequest'];
  onRequestStart?: Parameters<typeof connect>[1]['onRequestStart'];
}

/** Loads, reads and plans. The caller owns `conn` and must close it. */
export async function loadAndPlan(file: string, io: CliIO, opts: PlanningOptions = {}): Promise<Planned> {
  const desired = await loadConfig(file, io, { requireAccountId: true });
  const accountId = accountIdOf(desired);
  checkZoneFilter(opts.zoneFilter ?? [], desired);
  const conn = connect(io, {
    accountId,
    cloudflare: desired.cloudflare,
    onRequest: opts.onRequest,
    ...(opts.onRequestStart ? { onRequestStart: opts.onRequestStart } : {}),
  });
  try {
    let live = await readLiveState(desired, conn.api, {
      readDefault: opts.readDefault,
      onProgress: (p) => conn.progress.update(phaseLabel(p.phase), p.done, p.total),
    });
    const baseline = await readBaseline(baselinePath(io.cwd), accountId);
    const planOptions = {
      ...(opts.zoneFilter?.length ? { zoneFilter: opts.zoneFilter } : {}),
      ...(baseline ? { baseline } : {}),
    };
    let plan: Plan = buildPlan(desired, live, planOptions);
    const shrinking = setsShrunkBelowTwo(plan, live.nameservers);
    if (shrinking.length) {
      // Deleting names empties a set: every zone that may use it must be known first, file or not.
      live = await readSetUsers(conn.api, live, shrinking, (done, total) =>
        conn.progress.update('checking which zones use the sets losing names', done, total),
      );
      plan = buildPlan(desired, live, planOptions);
      plan.notes = [
        ...plan.notes,
        `set${shrinking.length === 1 ? '' : 's'} ${shrinking.join(', ')} would keep fewer than 2 names: ` +
          'acns read every zone of the account and the account default to check that nothing still uses ' +
          (shrinking.length === 1 ? 'it' : 'them'),
      ];
    }
    plan = { ...plan, settings: planSettings(desired) };
    if (desired.policy.glueCheck === 'off' && plan.steps.some((st) => st.kind === 'assign_zone')) {
      plan.notes = [
        ...plan.notes,
        `DNS checks are off (policy.glue_check: off in ${desired.file}): neither the glue of the sets ` +
          'nor the delegation of the zones this plan switches was checked',
      ];
    }
    if (desired.policy.glueCheck !== 'off') {
      const setNames = new Map(desired.sets.map((s) => [s.set, s.names.map((n) => n.name)]));
      const findings = await readDelegations(plan, live, setNames, dnsOptions(desired, io.signal));
      plan = addDelegationFindings(plan, findings);
    }
    return { desired, live, plan, conn };
  } catch (e) {
    await conn.close();
    throw e;
  }
}

/** `--zone NAME` must name a zone of the file: a typo would otherwise plan nothing, silently. */
export function checkZoneFilter(names: string[], desired: Pick<DesiredState, 'zones' | 'file'>): void {
  const known = desired.zones.map((z) => z.name);
  const set = new Set(known);
  const unknown = names.filter((n) => !set.has(normaliseName(n.trim().replace(/\.$/, ''))));
  if (!unknown.length) return;
  const lines = unknown.map((n) => {
    const guess = didYouMean(normaliseName(n), known);
    return `${n}${guess ? ` (did you mean ${guess}?)` : ''}`;
  });
  throw new UsageError(
    `--zone names ${unknown.length === 1 ? 'a zone' : 'zones'} that ${desired.file} does not manage: ` +
      `${lines.join(', ')}; nothing was read or planned`,
    `--zone takes zone names listed under zones: in ${desired.file}`,
  );
}

function phaseLabel(phase: string): string {
  switch (phase) {
    case 'settings':
      return 'reading zone settings';
    case 'related':
      return 'reading related zones';
    default:
      return `reading ${phase}`;
  }
}
