/**
 * Folds what DNS says about each switched zone's delegation into a plan:
 * zones switched to a set whose parent still delegates elsewhere get a "next step at your
 * registrar" note, and a caution when they move from another set (served by names the parent does
 * not delegate to until the registrar change); a zone going back to standard while its parent still
 * delegates to the custom names, or a zone whose parent delegates to names the plan deletes, gets a
 * guard — either would break resolution. Pure: the findings are read by dns/delegation-reads.ts.
 */
import { caution } from './notes.js';
import type { Plan } from './types.js';

export interface DelegationFinding {
  zone: string;
  stepId: string;
  /** 'to_custom': the step switches the zone to a set; 'to_standard': back to Cloudflare's nameservers. */
  direction: 'to_custom' | 'to_standard';
  /** The custom names involved: the set switched to, or the set the zone leaves. */
  customNames: string[];
  status: 'delegated' | 'elsewhere' | 'unknown';
  /** The NS the parent delegates the zone to, as read. */
  nameservers: string[];
  detail: string;
}

/** The set a zone step leaves, when it moves the zone from one custom set to another. */
function movesFrom(plan: Plan, stepId: string): number | undefined {
  const before = plan.steps.find((s) => s.id === stepId)?.before as { type?: string; set?: number } | null;
  return before?.type === 'custom.account' ? (before.set ?? 1) : undefined;
}

function setOf(plan: Plan, stepId: string): number | undefined {
  return (plan.steps.find((s) => s.id === stepId)?.after as { set?: number } | null)?.set;
}

/** How a "next step at your registrar" note starts; `registrarNoteZone` reads the zone back. */
const REGISTRAR_NOTE = 'next step at your registrar for ';

/** The zone a plan note asks to re-delegate at its registrar, or undefined for any other note. */
export function registrarNoteZone(note: string): string | undefined {
  if (!note.startsWith(REGISTRAR_NOTE)) return undefined;
  return note.slice(REGISTRAR_NOTE.length).split(':', 1)[0];
}

export function addDelegationFindings(plan: Plan, findings: DelegationFinding[]): Plan {
  const notes = [...plan.notes];
  const guards = [...plan.guards];
  const deleted = new Map(plan.steps.filter((s) => s.kind === 'delete_nameserver').map((s) => [s.target, s.id]));
  for (const f of [...findings].sort((a, b) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0))) {
    const wanted = f.customNames.join(', ');
    if (f.status === 'unknown') {
      notes.push(
        `could not read the delegation of ${f.zone} from DNS (${f.detail}); check it at the registrar yourself`,
      );
      continue;
    }
    const custom = new Set(f.customNames);
    const pointsAtCustom = f.nameservers.some((n) => custom.has(n));
    if (f.direction === 'to_custom' && f.status !== 'delegated') {
      notes.push(
        `${REGISTRAR_NOTE}${f.zone}: set its NS to ${wanted} once the switch is applied ` +
          (f.nameservers.length
            ? `(the parent delegates it to ${f.nameservers.join(', ')} today)`
            : '(its parent zone does not delegate it today)'),
      );
      const from = movesFrom(plan, f.stepId);
      if (from !== undefined && f.nameservers.length) {
        // Cloudflare's order is switch first, registrar second: the gap is expected, but it is a gap.
        notes.push(
          caution(
            `${f.zone} moves from set ${from} to set ${setOf(plan, f.stepId)}: from the switch until its NS are ` +
              `changed at the registrar, Cloudflare serves it under ${wanted} while its parent still delegates ` +
              `it to ${f.nameservers.join(', ')}, names the zone no longer uses`,
          ),
        );
      }
      // Names the parent still sends resolvers to must outlive the registrar change.
      const doomed = f.nameservers.filter((n) => deleted.has(n) && !custom.has(n));
      if (doomed.length) {
        guards.push({
          id: `delegation:${f.zone}`,
          kind: 'delegation',
          message:
            `zone ${f.zone} is delegated at its parent to ${f.nameservers.join(', ')}, and this plan deletes ` +
            `${doomed.join(', ')}: the zone would stop resolving from that deletion until its NS are changed at ` +
            `the registrar — keep ${doomed.length === 1 ? 'that name' : 'those names'} for this run (list ` +
            `${doomed.length === 1 ? 'it' : 'them'} in the file, or leave policy.prune off), apply the switch, ` +
            `set the zone's NS to ${wanted} at its registrar, then remove the old names in a later run`,
          steps: [f.stepId, ...doomed.map((n) => deleted.get(n) as string)],
        });
      }
    }
    if (f.direction === 'to_standard' && pointsAtCustom) {
      guards.push({
        id: `delegation:${f.zone}`,
        kind: 'delegation',
        message:
          `zone ${f.zone} is still delegated to the custom nameservers ${f.nameservers.join(', ')} at its parent; ` +
          "switching it back to Cloudflare's standard nameservers first would break resolution — " +
          "at the zone's registrar, set its NS to the Cloudflare nameservers shown for the zone in the dashboard " +
          '(DNS → Records → Cloudflare nameservers) first, then plan again',
        steps: [f.stepId],
      });
    }
  }
  return { ...plan, notes, guards, safe: guards.length === 0 };
}
