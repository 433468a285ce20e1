/**
 * The subdomain / reverse-zone rule: a zone on a custom set must not share that set with
 * any zone above it (ancestors) or below it (descendants). Checking every zone against its
 * ancestors covers every related pair once, in O(zones × depth) via a name index.
 */
import { compareText } from '../order.js';

export interface HierarchyZone {
  name: string; // normalised: lower case, A-labels, no trailing dot
  set: number | null; // null: not on a custom set (standard, advanced, unknown)
}

export interface HierarchyConflict {
  child: string;
  ancestor: string;
  set: number;
}

/**
 * Every (child, ancestor) pair of zones on the same custom set, sorted by child then ancestor.
 * Pure: the planner calls it with live zones as well as the file's.
 */
export function findHierarchyConflicts(zones: readonly HierarchyZone[]): HierarchyConflict[] {
  const setsByName = new Map<string, Set<number>>();
  for (const z of zones) {
    if (z.set === null) continue;
    let s = setsByName.get(z.name);
    if (!s) setsByName.set(z.name, (s = new Set()));
    s.add(z.set);
  }
  const out: HierarchyConflict[] = [];
  const seen = new Set<string>();
  for (const z of zones) {
    if (z.set === null) continue;
    for (let i = z.name.indexOf('.'); i >= 0; i = z.name.indexOf('.', i + 1)) {
      const ancestor = z.name.slice(i + 1);
      if (!setsByName.get(ancestor)?.has(z.set)) continue;
      const id = `${z.name}\u0000${ancestor}\u0000${z.set}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ child: z.name, ancestor, set: z.set });
    }
  }
  return out.sort((a, b) => compareText(a.child, b.child) || compareText(a.ancestor, b.ancestor) || a.set - b.set);
}
