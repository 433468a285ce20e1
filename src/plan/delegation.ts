/**
 * Folds what DNS says about each switched zone's delegation into a plan:
 * zones switched to a set whose parent still delegates elsewhere get a "next step at your
 * registrar" note; a zone going back to standard while its parent still delegates to the custom
 * names gets a guard — disabling ACNS first would break resolution. Pure: the findings are read
 * by state/delegation.ts.
 */
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
    }
    if (f.direction === 'to_standard' && pointsAtCustom) {
      guards.push({
        id: `delegation:${f.zone}`,
        kind: 'delegation',
        message:
          `zone ${f.zone} is still delegated to the custom nameservers ${f.nameservers.join(', ')} at its parent; ` +
          `switching it back to Cloudflare's standard nameservers first would break resolution — at the zone's registrar, ` +
          `set its NS to the Cloudflare nameservers shown for the zone in the dashboard (DNS → Records → Cloudflare nameservers) first, then plan again`,
        steps: [f.stepId],
      });
    }
  }
  return { ...plan, notes, guards, safe: guards.length === 0 };
}
