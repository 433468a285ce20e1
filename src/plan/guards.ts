/**
 * Guards: what makes a plan unsafe, as data. Each names the object, the rule, and what to do; the
 * plan is still complete and printed in full, and apply refuses it without the named override.
 */
import { didYouMean } from '../config/words.js';
import { findHierarchyConflicts } from '../config/hierarchy.js';
import { type DesiredState, formatPos } from '../config/types.js';
import { valueSet } from './describe.js';
import type { PlanFacts } from './diff.js';
import { type Guard, OVERRIDE_FLAG, type Step } from './types.js';

export interface GuardInput {
  facts: PlanFacts;
  steps: Step[]; // the plan's steps (after any --zone filter), in execution order
  cycle: string[]; // step ids that could not be ordered
  zoneFilter?: Set<string>;
}

export function findGuards(input: GuardInput): Guard[] {
  return [
    ...zoneNotFound(input),
    ...setsTooSmall(input),
    ...setsTooLarge(input),
    ...setsInUse(input),
    ...leavingSet(input),
    ...massChange(input),
    ...hierarchy(input),
  ];
}

/** The names each set holds once the plan's own steps have run. */
export function namesAfterPlan(facts: PlanFacts, steps: Step[]): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  const get = (s: number): Set<string> => out.get(s) ?? out.set(s, new Set()).get(s)!;
  for (const [set, names] of facts.liveSets) for (const n of names) get(set).add(n.name);
  for (const s of steps) {
    const set = valueSet(s.before);
    if (s.kind === 'delete_nameserver' && set !== undefined) get(set).delete(s.target);
  }
  for (const s of steps) {
    const set = valueSet(s.after);
    if (s.kind === 'create_nameserver' && set !== undefined) get(set).add(s.target);
  }
  return out;
}

function zoneNotFound({ facts, zoneFilter }: GuardInput): Guard[] {
  const missing = new Set(facts.live.missingZones);
  const candidates = facts.live.accountZoneNames ?? [];
  const out: Guard[] = [];
  for (const z of facts.desired.zones) {
    if (!missing.has(z.name) || (zoneFilter && !zoneFilter.has(z.name))) continue;
    const guess = didYouMean(z.name, candidates);
    const account = facts.live.accountId ? `account ${facts.live.accountId}` : 'the account';
    out.push({
      id: `zone_not_found:${z.name}`,
      kind: 'zone_not_found',
      message:
        `zone ${z.name} (${formatPos(z.pos)}) is not in ${account}` +
        (guess ? `: did you mean ${guess}?` : '') +
        ` — fix the name in ${facts.desired.file}, or add the zone to the account first`,
      steps: [],
      source: formatPos(z.pos),
    });
  }
  return out;
}

function setsTooSmall({ facts, steps, cycle }: GuardInput): Guard[] {
  const after = namesAfterPlan(facts, steps);
  const out: Guard[] = [];
  const deleting = new Set(steps.filter((s) => s.kind === 'delete_nameserver').map((s) => valueSet(s.before)));
  const users = new Map<number, string[]>();
  for (const s of steps) {
    if (s.kind === 'assign_zone' && s.after !== null && 'type' in s.after && s.after.set !== undefined) {
      (users.get(s.after.set) ?? users.set(s.after.set, []).get(s.after.set)!).push(s.target);
    }
  }
  const inFile = new Set(facts.desired.zones.map((z) => z.name));
  for (const [set, zones] of facts.zonesStaying) {
    const mine = zones.filter((z) => inFile.has(z));
    if (mine.length > 0) (users.get(set) ?? users.set(set, []).get(set)!).push(...mine);
  }
  for (const set of [...users.keys()].sort((a, b) => a - b)) {
    const names = after.get(set) ?? new Set<string>();
    if (names.size >= 2 || deleting.has(set)) continue;
    const zones = users.get(set)!;
    const decl = facts.desired.sets.find((s) => s.set === set);
    out.push({
      id: `set_too_small:${set}`,
      kind: 'set_too_small',
      message:
        `set ${set} would have ${names.size} name${names.size === 1 ? '' : 's'} (${[...names].join(', ') || 'none'}) ` +
        `but ${listZones(zones)} use${zones.length === 1 ? 's' : ''} it; ` +
        `a set in use needs 2–5 names — add names to set ${set} in ${facts.desired.file}, or move ` +
        `${zones.length === 1 ? 'that zone' : 'those zones'} to another set`,
      steps: steps.filter((s) => s.kind === 'assign_zone' && zones.includes(s.target)).map((s) => s.id),
      ...(decl ? { source: formatPos(decl.pos) } : {}),
    });
  }
  if (cycle.length > 0) {
    out.push({
      id: 'ordering',
      kind: 'ordering',
      message:
        'these steps cannot be ordered without breaking a rule at some moment (a set in use below 2 or ' +
        'above 5 names, or a zone sharing a set with its parent or child zone): ' +
        `${cycle.join(', ')} — split the change over two runs (for example, first move one zone or name to a ` +
        'third set or add the new names, apply, then make the rest of the change)',
      steps: cycle,
    });
  }
  return out;
}

/** Cloudflare holds at most 5 names per set; with prune off, live names the file does not list stay. */
function setsTooLarge({ facts }: GuardInput): Guard[] {
  const out: Guard[] = [];
  const kept = new Map<number, string[]>();
  for (const n of facts.unmanagedNames) (kept.get(n.set) ?? kept.set(n.set, []).get(n.set)!).push(n.name);
  for (const [set, names] of [...facts.finalSets].sort((a, b) => a[0] - b[0])) {
    if (names.length <= 5) continue;
    const extra = (kept.get(set) ?? []).sort();
    const decl = facts.desired.sets.find((s) => s.set === set);
    out.push({
      id: `set_too_large:${set}`,
      kind: 'set_too_large',
      message:
        `set ${set} would hold ${names.length} names, more than the 5 Cloudflare allows: ` +
        `${facts.desired.file} lists ${names.length - extra.length}, ` +
        `and policy.prune is off, so the live names it does not list stay (${extra.join(', ')}) — ` +
        `list at most 5 names in total, or turn prune on so the unlisted ones are deleted`,
      steps: (facts.creates.get(set) ?? []).map((c) => c.id),
      ...(decl ? { source: formatPos(decl.pos) } : {}),
    });
  }
  return out;
}

function setsInUse({ facts, steps }: GuardInput): Guard[] {
  const after = namesAfterPlan(facts, steps);
  const deletesBySet = new Map<number, Step[]>();
  for (const s of steps) {
    const set = valueSet(s.before);
    if (s.kind === 'delete_nameserver' && set !== undefined)
      (deletesBySet.get(set) ?? deletesBySet.set(set, []).get(set)!).push(s);
  }
  const out: Guard[] = [];
  const joining = new Map<number, string[]>();
  for (const s of steps) {
    if (s.kind === 'assign_zone' && s.after !== null && 'type' in s.after && s.after.set !== undefined) {
      (joining.get(s.after.set) ?? joining.set(s.after.set, []).get(s.after.set)!).push(s.target);
    }
  }
  for (const set of [...deletesBySet.keys()].sort((a, b) => a - b)) {
    const left = after.get(set)?.size ?? 0;
    if (left >= 2) continue;
    const zones = [...(facts.zonesStaying.get(set) ?? []), ...(joining.get(set) ?? [])].sort();
    if (zones.length === 0) continue;
    const dels = deletesBySet.get(set)!;
    out.push({
      id: `set_in_use:${set}`,
      kind: 'set_in_use',
      message:
        `deleting ${dels.map((d) => d.target).join(', ')} leaves set ${set} with ${left} ` +
        `name${left === 1 ? '' : 's'} while ${listZones(zones)} still use${zones.length === 1 ? 's' : ''} it — ` +
        `move ${zones.length === 1 ? 'that zone' : 'those zones'} to another set or to standard first (list ` +
        `${zones.length === 1 ? 'it' : 'them'} in ${facts.desired.file}), or keep the names`,
      steps: dels.map((d) => d.id),
    });
  }
  const def = steps.find((s) => s.kind === 'set_account_default');
  const finalDefault = def && def.after !== null && 'value' in def.after ? def.after.value : facts.live.accountDefault;
  const usable = [...after.values()].some((names) => names.size >= 2);
  if (finalDefault === 'custom.account' && !usable && deletesBySet.size > 0) {
    out.push({
      id: 'set_in_use:default',
      kind: 'set_in_use',
      message:
        `the account default stays custom.account but no set would keep 2 names — ` +
        `set account_default: cloudflare.standard in ${facts.desired.file} so new zones get working ` +
        'nameservers, or keep a set',
      steps: [...deletesBySet.values()].flat().map((d) => d.id),
    });
  }
  return out;
}

/**
 * A name never goes in the run that moves zones off its set: the zones' parents and the caches
 * of their apex NS still send resolvers to it. The planner holds such deletions; a plan that
 * carries one anyway was not written by it.
 */
function leavingSet({ steps }: GuardInput): Guard[] {
  const leaving = new Map<number, string[]>();
  for (const s of steps) {
    if (s.kind !== 'assign_zone' || s.before === null || !('type' in s.before)) continue;
    if (s.before.type !== 'custom.account') continue;
    const set = s.before.set ?? 1;
    (leaving.get(set) ?? leaving.set(set, []).get(set)!).push(s.target);
  }
  const out: Guard[] = [];
  const dels = steps.filter((s) => s.kind === 'delete_nameserver' && leaving.has(valueSet(s.before) ?? -1));
  for (const set of [...new Set(dels.map((d) => valueSet(d.before)!))].sort((a, b) => a - b)) {
    const mine = dels.filter((d) => valueSet(d.before) === set);
    out.push({
      id: `leaving_set:${set}`,
      kind: 'leaving_set',
      message:
        `${mine.map((d) => d.target).join(', ')} would be deleted in the run that moves ` +
        `${listZones(leaving.get(set)!.sort())} off set ${set}; their parents and resolvers' caches still send ` +
        'queries to those names — move the zones first, and delete the names in a later run',
      steps: mine.map((d) => d.id),
    });
  }
  return out;
}

function massChange({ facts, steps }: GuardInput): Guard[] {
  const zones = steps.filter((s) => s.kind === 'assign_zone');
  const max = facts.desired.policy.maxZoneChanges;
  if (zones.length <= max) return [];
  return [
    {
      id: 'mass_change',
      kind: 'mass_change',
      message:
        `this plan changes ${zones.length} zone${zones.length === 1 ? '' : 's'}, more than policy.max_zone_changes ` +
        `(${max}) — review it, then apply with ${OVERRIDE_FLAG.mass_change}, or raise max_zone_changes in ` +
        `${facts.desired.file}, or split it with --zone`,
      override: 'mass_change',
      steps: zones.map((s) => s.id),
    },
  ];
}

function hierarchy({ facts, zoneFilter }: GuardInput): Guard[] {
  const others = facts.live.otherZones ?? [];
  // `advanced` in the file means "left as it is": such a zone keeps whatever set it has live, which
  // the loader cannot see — so it is checked here like a zone outside the file.
  const liveOf = new Map(facts.live.zones.map((z) => [z.name, z.nameservers]));
  // A zone --zone leaves out keeps its live set in this run, like an `advanced` one.
  const keepsLive = (z: DesiredState['zones'][number]): boolean =>
    z.target.type === 'advanced' || (zoneFilter !== undefined && !zoneFilter.has(z.name));
  const advancedOnSet = facts.desired.zones.some((z) => keepsLive(z) && liveOf.get(z.name)?.type === 'custom.account');
  if (others.length === 0 && !advancedOnSet) return [];
  const leftBy = (z: string): string => (zoneFilter && !zoneFilter.has(z) ? '--zone' : '`advanced`');
  const managed = new Map<string, string>(); // file zone → its file:line
  const asLive = new Set<string>(); // file zones whose set comes from the account (advanced: left as is)
  const zones: { name: string; set: number | null }[] = [];
  for (const z of facts.desired.zones) {
    managed.set(z.name, formatPos(z.pos));
    if (keepsLive(z)) {
      const l = liveOf.get(z.name);
      asLive.add(z.name);
      zones.push({ name: z.name, set: l?.type === 'custom.account' ? (l.set ?? null) : null });
    } else {
      zones.push({ name: z.name, set: z.target.type === 'custom' ? z.target.set : null });
    }
  }
  for (const z of others) {
    if (!managed.has(z.name))
      zones.push({ name: z.name, set: z.nameservers.type === 'custom.account' ? (z.nameservers.set ?? null) : null });
  }
  return (
    findHierarchyConflicts(zones)
      // pairs inside the file are the loader's, unless one side keeps its live set (advanced)
      .filter(
        ({ child, ancestor }) =>
          !managed.has(child) || !managed.has(ancestor) || asLive.has(child) || asLive.has(ancestor),
      )
      .map(({ child, ancestor, set }) => {
        const where = (z: string): string =>
          asLive.has(z)
            ? `set ${set} live, left as it is by ${leftBy(z)} in ${managed.get(z)}`
            : managed.has(z)
              ? `set ${set} in ${managed.get(z)}`
              : `set ${set} live, not in ${facts.desired.file}`;
        const fix =
          managed.has(child) && !asLive.has(child)
            ? child
            : managed.has(ancestor) && !asLive.has(ancestor)
              ? ancestor
              : child;
        return {
          id: `hierarchy:${child}:${ancestor}`,
          kind: 'hierarchy' as const,
          message:
            `zone ${child} (${where(child)}) and its ancestor ${ancestor} (${where(ancestor)}) would use the ` +
            'same set; a subdomain zone must use a different set from every zone in its hierarchy — ' +
            `choose another set for ${fix}`,
          steps: [`assign_zone:${fix}`].filter((id) => facts.steps.has(id)),
          source: managed.get(fix)!,
        };
      })
  );
}

function listZones(zones: string[]): string {
  if (zones.length === 1) return `zone ${zones[0]}`;
  const shown = zones.slice(0, 5).join(', ');
  return zones.length > 5 ? `zones ${shown} and ${zones.length - 5} more` : `zones ${shown}`;
}
