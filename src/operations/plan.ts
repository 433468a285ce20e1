/**
 * `acns plan` as an operation: load the file, read the live account (and, for the zones the plan
 * switches, their delegation and referral in DNS), build the plan and, when asked, save it. The same reading and
 * planning serve `apply` without a plan file.
 */
import { readBaseline, baselinePath } from '../apply/baseline.js';
import type { AccountApiHandle } from '../cloudflare/account.js';
import { normaliseName } from '../config/names.js';
import { didYouMean } from '../config/words.js';
import type { DesiredState } from '../config/types.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { buildPlan } from '../plan/build.js';
import { readReferrals } from '../dns/delegation-reads.js';
import { addDelegationFindings, addReferralFindings } from '../plan/delegation.js';
import { addTakeovers } from '../plan/takeover.js';
import { encodePlanFile, looksLikePlanFile } from '../plan/planfile.js';
import { setsShrunkBelowTwo } from '../plan/shrinking.js';
import type { MovesRecord } from '../plan/leaving.js';
import type { Plan, PlanOptions } from '../plan/types.js';
import { readLiveState } from '../state/read.js';
import { readSetUsers } from '../state/set-users.js';
import type { LiveState } from '../state/types.js';
import { type ConnectOptions, withConnection } from './connect.js';
import { dnsRun } from './dns-run.js';
import { leavingVerdict, saveMoves, zoneFindings } from './leaving.js';
import { accountIdOf, loadConfig, type Session } from './session.js';
import { readTakeovers } from './takeover.js';
import { planSettings } from './settings.js';

export interface PlanRequest {
  config: string;
  zoneFilter?: string[];
  /** Save the plan here (`-` is the caller's business: print it instead). */
  out?: string;
  /** Replace an existing file at `out` even when it is not an acns plan. */
  force?: boolean;
  /** The caller prints the plan document: build it even without `out`. */
  document?: boolean;
  toolVersion: string;
}

export interface PlanOutcome {
  desired: DesiredState;
  plan: Plan;
  createdAt: string;
  /** The saved plan's text when `out` was given or the caller wants to print it (`document`). */
  document?: string;
}

export async function runPlan(session: Session, req: PlanRequest): Promise<PlanOutcome> {
  const desired = await loadConfig(session, req.config, { requireAccountId: true });
  checkZoneFilter(req.zoneFilter ?? [], desired);
  const { plan } = await withConnection(session, connectOptions(desired), (api) =>
    readAndPlan(session, desired, api, { ...(req.zoneFilter ? { zoneFilter: req.zoneFilter } : {}) }),
  );
  const createdAt = new Date().toISOString();
  // Sealing the document (a digest of its canonical JSON) is most of the work after the last answer:
  // only when it is saved or printed.
  const document =
    req.out || req.document ? encodePlanFile(plan, { toolVersion: req.toolVersion, createdAt }) : undefined;
  if (req.out && document !== undefined) {
    await writeFileAtomic(req.out, document, {
      cwd: session.cwd,
      what: 'the plan',
      protect: [{ path: req.config, why: `it is the configuration this command reads (-c ${req.config})` }],
      ...(req.force ? {} : { mayReplace: (path) => replaceOnlyPlans(path, req.out as string) }),
    });
  }
  return { desired, plan, createdAt, document };
}

export function connectOptions(desired: DesiredState, extra: Omit<ConnectOptions, 'accountId' | 'cloudflare'> = {}) {
  return { accountId: accountIdOf(desired), cloudflare: desired.cloudflare, ...extra };
}

/**
 * Reads the account and plans; the caller owns the connection. `moves` is the record of delegation
 * moves as this run left it (read once here: apply adds its switches to it).
 */
export async function readAndPlan(
  session: Session,
  desired: DesiredState,
  api: AccountApiHandle,
  opts: { zoneFilter?: string[]; readDefault?: boolean; allowUnknownDelegation?: boolean } = {},
): Promise<{ plan: Plan; moves: MovesRecord | undefined }> {
  const accountId = accountIdOf(desired);
  let live: LiveState = await readLiveState(desired, api, {
    ...(opts.readDefault ? { readDefault: true } : {}),
    onProgress: (p) => session.progress.update(phaseLabel(p.phase), p.done, p.total),
  });
  const baseline = await readBaseline(baselinePath(session.cwd), accountId, (line) => session.warn(line));
  const planOptions: PlanOptions = {
    ...(opts.zoneFilter?.length ? { zoneFilter: opts.zoneFilter } : {}),
    ...(baseline ? { baseline } : {}),
  };
  let plan: Plan = buildPlan(desired, live, planOptions);
  const shrinking = setsShrunkBelowTwo(plan, live.nameservers);
  const extraNotes: string[] = [];
  if (shrinking.length) {
    // Deleting names empties a set: every zone that may use it must be known first, file or not.
    live = await readSetUsers(api, live, shrinking, (done, total) =>
      session.progress.update('checking which zones use the sets losing names', done, total),
    );
    plan = buildPlan(desired, live, planOptions);
    const them = shrinking.length === 1 ? 'it' : 'them';
    extraNotes.push(
      `set${shrinking.length === 1 ? '' : 's'} ${shrinking.join(', ')} would keep fewer than 2 names: acns read ` +
        `every zone of the account and the account default to check that nothing still uses ${them}`,
    );
  }
  const run = dnsRun(desired, desired.policy.glueCheck, session, live);
  // A name leaves its set only once no parent lists it and the caches that may hold it expired.
  const now = new Date();
  const leaving = await leavingVerdict(session, plan, live, run, now, opts.allowUnknownDelegation === true);
  if (leaving.hold.length > 0) plan = buildPlan(desired, live, { ...planOptions, hold: leaving.hold });
  await saveMoves(session, accountId, leaving.recorded, leaving.next, now);
  const guards = [...plan.guards, ...leaving.guards];
  plan = { ...plan, guards, safe: guards.length === 0, notes: [...plan.notes, ...extraNotes] };
  plan = { ...plan, settings: planSettings(desired) };
  if (desired.dnsOverrides?.length) {
    const dns = desired.dns;
    plan.notes = [
      ...plan.notes,
      `the DNS checks of this plan used ${desired.dnsOverrides.join(', ')} from the environment ` +
        `(root servers: ${dns.rootServers.join(', ') || 'the root hints'}; parent servers: ` +
        `${dns.parentServers.join(', ') || 'discovered'}; port ${dns.port}); a saved plan keeps ${desired.file}'s ` +
        'dns: settings instead, so apply uses those unless its own environment sets the variables again',
    ];
  }
  const switches = plan.steps.some((st) => st.kind === 'assign_zone');
  if (desired.policy.glueCheck === 'off' && switches) {
    plan.notes = [
      ...plan.notes,
      `DNS checks are off (policy.glue_check: off in ${desired.file}): neither the glue of the sets nor the ` +
        'delegation of the zones this plan switches was checked',
    ];
  }
  const setNames = new Map(desired.sets.map((s) => [s.set, s.names.map((n) => n.name)]));
  const findings = await zoneFindings(plan, live, setNames, run);
  plan = addDelegationFindings(plan, findings);
  // names already in production elsewhere: the zones switch first, the glue is re-pointed after
  plan = addTakeovers(plan, await readTakeovers(plan, findings, run));
  // what resolvers will get for the zones joining a set: stale glue or a DS matching no key is a guard
  if (run.on) {
    // (a takeover's zones, known by now, have glue naming the old servers: expected, not stale)
    plan = addReferralFindings(plan, await readReferrals(plan, findings, live, run.dns, run.reads));
  }
  return { plan, moves: leaving.next };
}

/** `--zone NAME` must name a zone of the file: a typo would otherwise plan nothing, silently. */
function checkZoneFilter(names: string[], desired: Pick<DesiredState, 'zones' | 'file'>): void {
  const known = desired.zones.map((z) => z.name);
  const set = new Set(known);
  const unknown = names.filter((n) => !set.has(normaliseName(n.trim().replace(/\.$/, ''))));
  if (!unknown.length) return;
  const lines = unknown.map((n) => {
    const guess = didYouMean(normaliseName(n), known);
    return `${n}${guess ? ` (did you mean ${guess}?)` : ''}`;
  });
  const one = unknown.length === 1;
  throw new UsageError(
    `--zone names ${one ? 'a zone' : 'zones'} that ${desired.file} does not manage: ${lines.join(', ')}; ` +
      'nothing was read or planned',
    `--zone takes zone names listed under zones: in ${desired.file}`,
  );
}

/** `-o` replaces an older plan, never another kind of file (a one-letter slip must not cost a file). */
async function replaceOnlyPlans(path: string, shown: string): Promise<true | { refuse: string; hint: string }> {
  if (await looksLikePlanFile(path)) return true;
  return {
    refuse: `${shown} exists and is not an acns plan; nothing was written`,
    hint: 'choose another file name, or pass --force to replace it',
  };
}

function phaseLabel(phase: string): string {
  if (phase === 'settings') return 'reading zone settings';
  if (phase === 'related') return 'reading related zones';
  return `reading ${phase}`;
}
