/**
 * Folds what DNS says about each switched zone's delegation into a plan:
 * zones switched to a set whose parent still delegates elsewhere get a "next step at the
 * registrar" note (worded for where the change is made), and a caution when they move from another
 * set while the parent still names it — Cloudflare does not document whether the old set keeps
 * answering for the zone, so apply checks it right after the switch and stops if it does not; a
 * zone going back to standard while its parent still delegates to the custom names (the guard names
 * the zone's own Cloudflare pair) gets a guard — it would break resolution. A zone whose parent
 * delegates to names the plan deletes is the leaving rule's (plan/leaving.ts): that deletion is held.
 * A zone that leaves a set whose delegation could not be read is a guard with a named override:
 * unknown never passes. Pure: the findings are read by dns/delegation-reads.ts.
 */
import { compareText } from '../order.js';
import { customSet, listShort } from './describe.js';
import { caution } from './notes.js';
import type { Guard, Plan } from './types.js';

export interface DelegationFinding {
  zone: string;
  stepId: string;
  /** 'to_custom': the step switches the zone to a set; 'to_standard': back to Cloudflare's nameservers. */
  direction: 'to_custom' | 'to_standard';
  /** The custom names involved: the set switched to, or the set the zone leaves. */
  customNames: string[];
  /** to_custom from another set: that set's names (the zone leaves them). */
  leavingNames?: string[];
  status: 'delegated' | 'elsewhere' | 'unknown';
  /** The NS the parent delegates the zone to, as read. */
  nameservers: string[];
  detail: string;
  /** Where the zone's delegation is changed, in words ("at the registrar of example.org"). */
  where?: string;
  /** to_standard: the zone's own pair of Cloudflare nameservers (what to set at the registrar). */
  cloudflarePair?: string[];
  /** Glue served in the zone's referral (in-domain, or sibling glue such as a registry's host record). */
  glue?: { name: string; type: 'A' | 'AAAA'; address: string }[];
  /** The parent's NS TTL (seconds): how long resolvers may keep the delegation and its glue. */
  nsTtl?: number;
}

/**
 * What resolvers get from a switched zone's parent, checked when planning (the referral check):
 * glue in the zone's own referral for the set's names (in-domain or sibling) and the DS.
 */
export interface ReferralFinding {
  zone: string;
  stepId: string;
  /** The parent already lists exactly the set's names (the registrar step is done). */
  nsMatches: boolean;
  /** Glue resolvers receive for the set's names at addresses Cloudflare did not assign. */
  staleGlue: { name: string; type: 'A' | 'AAAA'; address: string; expected: string }[];
  ds: { status: 'unsigned' | 'ok' | 'mismatch' | 'could_not_verify'; problem?: string };
  status: 'ok' | 'failed' | 'could_not_verify';
  problems: string[];
}

/**
 * The referral checks of the zones a plan switches to a set. Stale glue resolvers receive and a DS
 * that matches no DNSKEY are guards (either sends resolvers astray once the zone is on the set); a
 * parent not yet naming the set is the registrar step, already a note; a referral that could not
 * be fully checked once the parent names the set is a note (`acns drift` checks it again). The
 * zones of the plan's takeovers are expected to have glue naming the old servers (see below).
 */
export function addReferralFindings(plan: Plan, findings: ReferralFinding[]): Plan {
  const guards = [...plan.guards];
  const unverified: ReferralFinding[] = [];
  for (const f of sortByZone(withoutTakeoverGlue(plan, findings))) {
    if (f.staleGlue.length > 0) {
      const names = [...new Set(f.staleGlue.map((g) => g.name))];
      const glue = f.staleGlue.map(
        (g) => `${g.name} ${g.type} ${g.address} (Cloudflare assigned ${g.expected || 'none'})`,
      );
      guards.push({
        id: `delegation:${f.zone}:glue`,
        kind: 'delegation',
        message:
          `the parent of ${f.zone} serves stale glue in its referral: ${glue.join(', ')} — resolvers use it ` +
          `and would send the zone's queries to addresses that do not serve it on the set; update the host ` +
          `record${names.length === 1 ? '' : 's'} of ${names.join(', ')} at the registrar of the names' domain ` +
          'to the addresses Cloudflare assigned, then plan again',
        steps: [f.stepId],
      });
    }
    if (f.ds.status === 'mismatch') {
      guards.push({
        id: `delegation:${f.zone}:ds`,
        kind: 'delegation',
        message: `${f.ds.problem ?? `the DS at the parent for ${f.zone} matches no DNSKEY it serves`}; then plan again`,
        steps: [f.stepId],
      });
    }
    if (f.status === 'could_not_verify' && f.nsMatches) unverified.push(f);
  }
  const notes = [...plan.notes];
  if (unverified.length > 0) {
    const zones = unverified.map((f) => f.zone);
    notes.push(
      `could not fully check the referral (glue, DS) of ${countZones(zones)} whose parent already names the set: ` +
        `${listShort(zones, 10)} (${unverified[0]!.problems[0] ?? 'no answer'}) — acns drift checks it again`,
    );
  }
  return { ...plan, notes, guards, safe: guards.length === 0 };
}

/**
 * A taken-over zone's glue names the old servers until the re-point step that follows its switch:
 * expected, not stale — also once the set's names exist on Cloudflare (a re-run, or a saved plan
 * applied), when that glue differs from Cloudflare's addresses.
 */
export function withoutTakeoverGlue(plan: Pick<Plan, 'takeover'>, findings: ReferralFinding[]): ReferralFinding[] {
  const takenOver = new Set((plan.takeover ?? []).flatMap((t) => t.zones));
  return findings.map((f) => (takenOver.has(f.zone) && f.staleGlue.length > 0 ? { ...f, staleGlue: [] } : f));
}

function sortByZone<T extends { zone: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => compareText(a.zone, b.zone));
}

/** The set a zone step leaves, when it moves the zone from one custom set to another. */
function movesFrom(plan: Plan, stepId: string): number | undefined {
  const step = plan.steps.find((s) => s.id === stepId);
  return step ? customSet(step.before) : undefined;
}

function setOf(plan: Plan, stepId: string): number | undefined {
  return (plan.steps.find((s) => s.id === stepId)?.after as { set?: number } | null)?.set;
}

/** How a "next step" note starts; `registrarNoteZone` reads the zone back. */
const REGISTRAR_NOTE = 'next step for ';
/** What plans written before the where-wording said. */
const OLD_REGISTRAR_NOTE = 'next step at your registrar for ';

/** The zone a plan note asks to re-delegate at its registrar, or undefined for any other note. */
export function registrarNoteZone(note: string): string | undefined {
  if (note.startsWith(OLD_REGISTRAR_NOTE)) return note.slice(OLD_REGISTRAR_NOTE.length).split(':', 1)[0];
  if (!note.startsWith(REGISTRAR_NOTE)) return undefined;
  return note.slice(REGISTRAR_NOTE.length).split(/[ :]/, 1)[0];
}

export function addDelegationFindings(plan: Plan, findings: DelegationFinding[]): Plan {
  const notes = [...plan.notes];
  const guards = [...plan.guards];
  const unknownLeaving: DelegationFinding[] = [];
  const unknownJoining: DelegationFinding[] = [];
  for (const f of sortByZone(findings)) {
    const wanted = f.customNames.join(', ');
    const at = f.where ?? 'at your registrar';
    if (f.status === 'unknown') {
      (leaves(f) ? unknownLeaving : unknownJoining).push(f);
      continue;
    }
    const custom = new Set(f.customNames);
    const pointsAtCustom = f.nameservers.some((n) => custom.has(n));
    if (f.direction === 'to_custom' && f.status !== 'delegated') {
      notes.push(
        `${REGISTRAR_NOTE}${f.zone} ${at}: set its NS to ${wanted} once the switch is applied ` +
          (f.nameservers.length
            ? `(the parent delegates it to ${f.nameservers.join(', ')} today)`
            : '(its parent zone does not delegate it today)'),
      );
      const from = movesFrom(plan, f.stepId);
      if (from !== undefined && f.nameservers.length) {
        // Cloudflare's order is switch first, registrar second: the gap is expected, but it is a gap.
        const old = new Set(f.leavingNames ?? []);
        const checked = f.nameservers.some((n) => old.has(n))
          ? '; apply checks right after the switch that those names still answer for it, and stops if they do not'
          : '';
        notes.push(
          caution(
            `${f.zone} moves from set ${from} to set ${setOf(plan, f.stepId)}: from the switch until its NS are ` +
              `changed at the registrar, Cloudflare serves it under ${wanted} while its parent still delegates ` +
              `it to ${f.nameservers.join(', ')}, names the zone no longer uses${checked}`,
          ),
        );
      }
    }
    if (f.direction === 'to_standard' && pointsAtCustom) {
      const pair = f.cloudflarePair?.length
        ? f.cloudflarePair.join(', ')
        : 'the Cloudflare nameservers shown for the zone in the dashboard (DNS → Records → Cloudflare nameservers)';
      guards.push({
        id: `delegation:${f.zone}`,
        kind: 'delegation',
        message:
          `zone ${f.zone} is still delegated to the custom nameservers ${f.nameservers.join(', ')} at its parent; ` +
          `switching it back to Cloudflare's standard nameservers first would break resolution — ${at}, ` +
          `set its NS to ${pair} first, then plan again`,
        steps: [f.stepId],
      });
    }
  }
  if (unknownLeaving.length > 0) guards.push(unknownZonesGuard(unknownLeaving));
  if (unknownJoining.length > 0) {
    const zones = unknownJoining.map((f) => f.zone);
    notes.push(
      `could not read the delegation of ${countZones(zones)} from DNS (${unknownJoining[0]!.detail}): ` +
        `${listShort(zones, 10)} — check at their registrars that they point at the set once switched`,
    );
  }
  return { ...plan, notes, guards, safe: guards.length === 0 };
}

/** A zone leaves custom names: to standard, or to another set. */
function leaves(f: DelegationFinding): boolean {
  return f.direction === 'to_standard' || (f.leavingNames?.length ?? 0) > 0;
}

/** One guard for every zone whose delegation could not be read while it leaves a set. */
function unknownZonesGuard(found: DelegationFinding[]): Guard {
  const zones = found.map((f) => f.zone);
  return {
    id: 'delegation_unknown:zones',
    kind: 'delegation_unknown',
    message:
      `${countZones(zones)} leave${zones.length === 1 ? 's' : ''} a set of custom nameservers, but the ` +
      `delegation could not be read from DNS (${found[0]!.detail}): ${listShort(zones, 10)} — a zone whose parent ` +
      'still names the set it leaves stops resolving; run where DNS is reachable (or set dns.parent_servers), ' +
      'or check each delegation at its registrar and apply with --allow-unknown-delegation',
    override: 'delegation_unknown',
    steps: found.map((f) => f.stepId),
  };
}

function countZones(zones: string[]): string {
  return zones.length === 1 ? '1 zone' : `${zones.length} zones`;
}
