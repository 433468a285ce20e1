/**
 * The plan: a graph of steps with depends_on edges, plus guards. Plain data only; built by the pure
 * planner in plan/, rendered by render/, carried out by apply/. The saved-plan JSON document
 * (render/json.ts, schemas/plan.schema.json) is a versioned contract derived from this model.
 */
import type { AccountDefault, DesiredState, EndpointFlavour, GluePolicy, Registrar } from '../config/types.js';
import type { LiveNameserver, ZoneNameservers } from '../cloudflare/types.js';

export type StepKind = 'create_nameserver' | 'glue_check' | 'assign_zone' | 'set_account_default' | 'delete_nameserver';

/**
 * Observed (`before`) and wanted (`after`) values, by kind:
 * - create_nameserver: before null, after { set }
 * - delete_nameserver: before { set }, after null
 * - assign_zone: before/after ZoneNameservers ({ type: 'custom.account', set } | { type: 'cloudflare.standard' } …)
 * - set_account_default: before/after { value } (before.value may be 'unknown')
 * - glue_check: before null, after { set, names }
 */
export type StepValue = null | { set: number } | ZoneNameservers | { value: string } | { set: number; names: string[] };

/**
 * Why a step exists, as a stable code beside the prose (`reason`): tools reading plans branch on this.
 * - name_missing: a name of the file does not exist live
 * - name_moves_set: a name is live in another set (deleted, then re-created)
 * - name_pruned: a live name the file does not list, with policy.prune on
 * - zone_setting_differs / default_differs: the live setting is not the file's
 * - glue_zones_switch: zones switch to the set in this run
 * - glue_default_custom: the account default becomes custom.account, which may fall back to the set
 * - glue_set_becomes_usable: the set reaches 2 names while a custom.account default may fall back to it
 * - glue_names_replaced: the set gains names while it is in use, before its old names go
 * - glue_set_grows: the set gains names while zones use it (Cloudflare lists a new name in every
 *   zone's apex NS at once, so its glue is checked right after it is created)
 * - glue_takeover: zones switching to the set are delegated to its names today and the names' glue
 *   points at the servers serving them now: the check proves those old servers still answer each
 *   zone with authority, and the glue is re-pointed only after the switches (see `takeover`)
 */
export type StepReason =
  | 'name_missing'
  | 'name_moves_set'
  | 'name_pruned'
  | 'zone_setting_differs'
  | 'default_differs'
  | 'glue_zones_switch'
  | 'glue_default_custom'
  | 'glue_set_becomes_usable'
  | 'glue_names_replaced'
  | 'glue_set_grows'
  | 'glue_takeover';

export interface Step {
  /** Stable: 'create_nameserver:ns1.example.com', 'glue_check:1', 'assign_zone:example.org', 'set_account_default'. */
  id: string;
  kind: StepKind;
  target: string; // nameserver name, 'set 1', zone name, or 'account default'
  zoneId?: string; // assign_zone only
  before: StepValue;
  after: StepValue;
  reasonCode: StepReason;
  reason: string; // human: "zone example.org uses set 1 in acns.yaml:14 but set 2 live"
  source?: string; // 'acns.yaml:14' — the line that asks for it (absent for prune deletions)
  class: 'config' | 'drift';
  dependsOn: string[]; // step ids
}

export type GuardKind =
  | 'mass_change' // more zone changes than policy.max_zone_changes
  | 'set_in_use' // deleting a name whose set is still used by a zone the run knows
  | 'zone_not_found' // a zone in the file that the account does not have
  | 'set_too_small' // a set used by a zone would have fewer than 2 names
  | 'set_too_large' // a set would hold more than 5 names (live names kept by prune off, plus the file's)
  | 'hierarchy' // subdomain / reverse-zone rule broken against live zones
  // a zone goes back to standard while its parent still delegates to the custom names, or the referral of a
  // zone joining a set carries stale glue for its names or a DS matching no key (a deleted name a parent
  // lists is not a guard: the leaving rule holds that deletion)
  | 'delegation'
  | 'delegation_unknown' // a zone or name leaves a set and its parents' delegation could not be read
  | 'leaving_set' // a name of a set is deleted in the run that moves zones off that set
  | 'takeover' // names in production elsewhere are taken over, but their old servers do not serve a zone
  | 'ordering'; // no order of the steps keeps every rule at every moment (e.g. two zones swapping sets)

export interface Guard {
  id: string; // stable, e.g. 'mass_change', 'zone_not_found:exmaple.org'
  kind: GuardKind;
  message: string; // what is unsafe and what to do
  /** The guard kind a reviewer may allow on purpose (apply's matching flag: OVERRIDE_FLAG). */
  override?: OverridableGuard;
  steps: string[]; // step ids concerned
  source?: string; // 'acns.yaml:14'
}

/** Guards a reviewer may allow on purpose; every other guard needs the file or the account fixed. */
export type OverridableGuard = 'mass_change' | 'delegation_unknown';

/** How apply is told to allow an overridable guard. */
export const OVERRIDE_FLAG: Record<OverridableGuard, string> = {
  mass_change: '--allow-mass-change',
  delegation_unknown: '--allow-unknown-delegation',
};

/**
 * A deletion the plan leaves out for now, and why: a parent still lists the name, zones leave its
 * set in this run, or resolvers may still hold it in their caches until `until`.
 */
export interface HeldDeletion {
  name: string;
  set: number;
  /** 'same_run': zones leave the set in this run; 'listed': a parent still delegates to the name;
   *  'caches': the delegation moved, resolvers may keep the old one until `until`. */
  cause: 'same_run' | 'listed' | 'caches';
  /** ISO time after which the deletion may go ahead ('caches' only). */
  until?: string;
  message: string;
}

/** Per-set glue expectation, carried in the plan so apply and renderers can show records to register. */
export interface GlueExpectation {
  set: number;
  registrar: Registrar;
  hostZone?: string;
  names: { name: string; ipv4?: string; ipv6?: string }[]; // addresses known only for names that exist live
}

export interface Plan {
  accountId: string;
  configFile: string;
  configDigest: string;
  endpoints: EndpointFlavour;
  gluePolicy: GluePolicy;
  steps: Step[]; // execution (topological) order; renderers never re-sort
  guards: Guard[];
  safe: boolean; // guards.length === 0
  summary: { create: number; change: number; delete: number; checks: number };
  glue: GlueExpectation[]; // one per glue_check step
  /** Informational: what the file does not manage. */
  unmanaged: { nameservers: LiveNameserver[]; zones: { name: string; nameservers: ZoneNameservers }[] };
  notes: string[];
  /** The file's API and DNS settings, so `apply plan.json` runs with what was reviewed (set by the CLI). */
  settings?: PlanSettings;
  /** Restricted with --zone: the zone names asked for. */
  zoneFilter?: string[];
  /** The facts the plan's safety rests on, as read when planning; apply re-reads and compares them. */
  preconditions?: Preconditions;
  /** Deletions the file asks for that this run leaves out, with why and until when. */
  held?: HeldDeletion[];
  /** Sets whose names are in production on other servers today, taken over in the safe order. */
  takeover?: Takeover[];
}

/**
 * Names already in production: zones switching to the set are delegated to its names today, and
 * the names' glue points at other servers (the old provider's) that serve those zones. The safe
 * order: create the names, prove the old servers still answer each zone with authority
 * (`checkStep`), switch the zones (Cloudflare then answers for them under the same names), and
 * only then re-point the glue and the names' A/AAAA to Cloudflare's addresses — keeping the old
 * servers answering until the glue TTL has passed after that.
 */
export interface Takeover {
  set: number;
  /** The domain holding the names, and where its glue is changed ("at the registrar of example.com"). */
  hostZone: string;
  where: string;
  /** Per name: the addresses resolvers use today, and Cloudflare's (empty until the name exists). */
  names: { name: string; old: string[]; new: string[] }[];
  /** The zones delegated to the names today that this run switches to the set. */
  zones: string[];
  /** The check that proves the old servers still serve the zones, run before the switches. */
  checkStep: string;
  /** The registrar step (re-point the glue) comes after these steps: the switches. */
  after: string[];
  /** How long resolvers may keep the old glue (the parent's NS TTL, seconds). */
  glueTtl: number;
}

/**
 * What a plan assumed about the account besides its steps' own `before` values. Apply re-reads it
 * before the first write (any difference makes the plan stale) and re-derives guards, glue checks
 * and edges from it and the steps, so a plan is never trusted for its own safety.
 */
export interface Preconditions {
  /** The names of every live set (and of every set a step touches, even empty), with the steps that rely on it. */
  nameservers: SetMembers[];
  /** Every set the plan takes names from: the zones using it, in or out of the file. */
  setUsers: SetUsers[];
  /** The account default when planning read it (a custom.account default uses every set). */
  accountDefault?: string;
  /** The sets the file declares (a custom.account default waits for each to be ready). */
  declaredSets: number[];
  /** policy.max_zone_changes when planning. */
  maxZoneChanges: number;
}

export interface SetMembers {
  set: number;
  names: string[]; // sorted
  steps: string[]; // step ids whose safety rests on these names
}

export interface SetUsers {
  set: number;
  zones: { name: string; id: string; inFile: boolean }[]; // sorted by name
  /** 'account': every zone of the account was read (the set drops below 2 names); 'known': the zones planning read. */
  scope: 'account' | 'known';
  steps: string[]; // the deletions that rely on it
}

export interface PlanSettings {
  cloudflare: DesiredState['cloudflare'];
  dns: DesiredState['dns'];
}

export interface PlanOptions {
  /** --zone NAME…: restrict to those zones and what they depend on. */
  zoneFilter?: string[];
  /** Values apply recorded last time (object key → JSON value) to tell drift from config changes. */
  baseline?: Record<string, unknown>;
  /** Deletions to leave out because of what DNS says (a parent lists the name, caches may hold it). */
  hold?: HeldDeletion[];
}

export type { AccountDefault };
