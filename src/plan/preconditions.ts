/**
 * Preconditions: the facts a plan's safety rests on besides its steps' own `before` values — the
 * names of every set (a set the plan switches zones to must still hold exactly those names; one it
 * shrinks must not have lost others), the zones using each set it takes names from (in or out of
 * the file) and the account default. Recorded from what planning read; apply re-reads them.
 */
import type { PlanFacts } from './diff.js';
import { valueSet } from './describe.js';
import type { Preconditions, SetMembers, SetUsers, Step } from './types.js';
import { compareText } from '../order.js';

export function recordPreconditions(facts: PlanFacts, steps: Step[]): Preconditions {
  const { desired, live } = facts;
  const relying = stepsBySet(
    steps,
    desired.sets.map((s) => s.set),
  );
  const sets = new Set<number>([...facts.liveSets.keys(), ...relying.keys()]);
  const nameservers: SetMembers[] = [...sets]
    .sort((a, b) => a - b)
    .map((set) => ({
      set,
      names: (facts.liveSets.get(set) ?? []).map((n) => n.name).sort(compareText),
      steps: relying.get(set) ?? [],
    }));

  const inFile = new Set(desired.zones.map((z) => z.name));
  const fullyRead = new Set(live.usersReadFor ?? []);
  const known = [...live.zones, ...(live.otherZones ?? [])];
  const deletes = new Map<number, string[]>();
  for (const s of steps) {
    const set = valueSet(s.before);
    if (s.kind === 'delete_nameserver' && set !== undefined)
      (deletes.get(set) ?? deletes.set(set, []).get(set)!).push(s.id);
  }
  const setUsers: SetUsers[] = [...deletes.keys()]
    .sort((a, b) => a - b)
    .map((set) => ({
      set,
      zones: known
        .filter((z) => z.nameservers.type === 'custom.account' && (z.nameservers.set ?? 1) === set)
        .map((z) => ({ name: z.name, id: z.id, inFile: inFile.has(z.name) }))
        .sort((a, b) => compareText(a.name, b.name)),
      scope: fullyRead.has(set) ? 'account' : 'known',
      steps: deletes.get(set)!,
    }));

  return {
    nameservers,
    setUsers,
    ...(live.accountDefault !== undefined ? { accountDefault: live.accountDefault } : {}),
    declaredSets: desired.sets.map((s) => s.set).sort((a, b) => a - b),
    maxZoneChanges: desired.policy.maxZoneChanges,
  };
}

/** Which steps rely on each set's names: its creates and deletes, zones switched to or off it, its glue check. */
export function stepsBySet(steps: Step[], declaredSets: number[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  // a Set beside each list: a plan switching 100,000 zones would make `includes` quadratic
  const seen = new Map<number, Set<string>>();
  const add = (set: number | undefined, id: string): void => {
    if (set === undefined) return;
    const ids = seen.get(set) ?? seen.set(set, new Set()).get(set)!;
    if (ids.has(id)) return;
    ids.add(id);
    (out.get(set) ?? out.set(set, []).get(set)!).push(id);
  };
  for (const s of steps) {
    if (s.kind === 'set_account_default') {
      // a custom.account default uses every declared set, and (until it changes) every live one
      const after = s.after !== null && 'value' in s.after ? s.after.value : undefined;
      if (after === 'custom.account') for (const set of declaredSets) add(set, s.id);
      continue;
    }
    add(valueSet(s.before), s.id);
    add(valueSet(s.after), s.id);
  }
  return out;
}
