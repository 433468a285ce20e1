/**
 * Plan notes are plain lines. A note that starts with `caution: ` belongs to the plan's safety
 * summary: apply carries the plan out, but the reviewer must know what it means for resolution, so
 * renderers show cautions first, before the steps. The saved plan keeps them in `notes` unchanged.
 */
const CAUTION = 'caution: ';

export function caution(text: string): string {
  return `${CAUTION}${text}`;
}

/** The plan's notes split into cautions (prefix removed) and the other notes, in their order. */
export function splitNotes(notes: readonly string[]): { cautions: string[]; notes: string[] } {
  return {
    cautions: notes.filter((n) => n.startsWith(CAUTION)).map((n) => n.slice(CAUTION.length)),
    notes: notes.filter((n) => !n.startsWith(CAUTION)),
  };
}
