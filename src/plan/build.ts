/**
 * buildPlan: desired + live → Plan. Pure, no I/O, deterministic: diff → glue checks → edges →
 * optional --zone restriction → one topological sort → guards → summary. Renderers never re-sort.
 */
import type { DesiredState } from '../config/types.js';
import type { LiveState } from '../state/types.js';
import type { ZoneNameservers } from '../cloudflare/types.js';
import { diffStates, type PlanFacts } from './diff.js';
import { addGlueChecks, fallbackCautions } from './glue.js';
import { addEdges, orderSteps } from './graph.js';
import { findGuards } from './guards.js';
import { recordPreconditions } from './preconditions.js';
import { summarize } from './summary.js';
import type { Plan, PlanOptions, Step } from './types.js';
import { normaliseName } from '../config/names.js';

export function buildPlan(desired: DesiredState, live: LiveState, options: PlanOptions = {}): Plan {
  const facts = diffStates(desired, live, options);
  const { glue: allGlue, notes } = addGlueChecks(facts);
  addEdges(facts);

  const zoneFilter =
    options.zoneFilter && options.zoneFilter.length > 0 ? new Set(options.zoneFilter.map(normaliseName)) : undefined;
  const kept = zoneFilter ? restrictToZones(facts, zoneFilter, notes) : [...facts.steps.values()];
  const { steps, cycle } = orderSteps(kept);
  classifyChecks(steps);
  notes.push(...fallbackCautions(steps));
  const guards = findGuards({ facts, steps, cycle, ...(zoneFilter ? { zoneFilter } : {}) });

  const checked = new Set(steps.filter((s) => s.kind === 'glue_check').map((s) => s.target));
  const glue = allGlue.filter((g) => checked.has(`set ${g.set}`));
  const plan: Plan = {
    accountId: live.accountId || desired.accountId || '',
    configFile: desired.file,
    configDigest: desired.digest,
    endpoints: desired.cloudflare.endpoints,
    gluePolicy: desired.policy.glueCheck,
    steps,
    guards,
    safe: guards.length === 0,
    summary: summarize(steps),
    glue,
    unmanaged: { nameservers: facts.unmanagedNames, zones: unmanagedZones(facts) },
    notes: [...new Set([...notes, ...facts.held.map((h) => h.message)])],
    preconditions: recordPreconditions(facts, steps),
  };
  if (facts.held.length > 0) plan.held = facts.held.map((h) => ({ ...h }));
  if (zoneFilter) plan.zoneFilter = [...zoneFilter].sort();
  return plan;
}

/** --zone: the named zones' steps and what they depend on; never deletions or the default. */
function restrictToZones(facts: PlanFacts, zones: Set<string>, notes: string[]): Step[] {
  const keep = new Set<string>();
  const blocked: string[] = [];
  // Memoised: the deletions or default change each step needs (none: kept). A step met again while
  // its own dependencies are being visited (a cycle, such as two zones of one hierarchy swapping
  // sets) counts as kept here: orderSteps then reports the cycle as an ordering guard, as without --zone.
  const needs = new Map<string, string[] | 'visiting'>();
  const visit = (id: string): string[] => {
    const s = facts.steps.get(id);
    if (!s) return [];
    const prior = needs.get(id);
    if (prior !== undefined) return prior === 'visiting' ? [] : prior;
    if (s.kind === 'delete_nameserver' || s.kind === 'set_account_default') {
      needs.set(id, [id]);
      return [id];
    }
    needs.set(id, 'visiting');
    const out = [...new Set(s.dependsOn.flatMap(visit))];
    needs.set(id, out);
    if (out.length === 0) keep.add(id);
    return out;
  };
  for (const z of [...zones].sort()) {
    const id = `assign_zone:${z}`;
    if (facts.steps.has(id)) for (const b of visit(id)) blocked.push(`${z} needs ${b}`);
  }
  for (const b of [...new Set(blocked)].sort()) {
    notes.push(
      `--zone: left out because it needs a deletion or a default change that --zone never makes (${b}); ` +
        'plan without --zone to include it',
    );
  }
  const unknown = [...zones].filter((z) => !facts.desired.zones.some((d) => d.name === z)).sort();
  if (unknown.length > 0)
    notes.push(
      `--zone: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in ${facts.desired.file}; ` +
        `nothing planned for ${unknown.length === 1 ? 'it' : 'them'}`,
    );
  notes.push(
    `restricted with --zone to ${[...zones].sort().join(', ')}: no deletions and no account default change are planned`,
  );
  // A step kept inside a cycle may depend on one that was not: drop until every kept step's
  // dependencies are kept too, so no step ever runs without what it waits for.
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of keep) {
      if (facts.steps.get(id)!.dependsOn.some((d) => facts.steps.has(d) && !keep.has(d))) {
        keep.delete(id);
        changed = true;
      }
    }
  }
  return [...facts.steps.values()].filter((s) => keep.has(s.id));
}

/** A glue check is drift when every step that waits for it is drift. */
function classifyChecks(steps: Step[]): void {
  const waiting = new Map<string, Step[]>();
  for (const s of steps) for (const d of s.dependsOn) (waiting.get(d) ?? waiting.set(d, []).get(d)!).push(s);
  for (const s of steps) {
    if (s.kind !== 'glue_check') continue;
    const w = waiting.get(s.id) ?? [];
    if (w.length > 0 && w.every((x) => x.class === 'drift')) s.class = 'drift';
  }
}

/** Other zones of the account that use a set this run changes (information only). */
function unmanagedZones(facts: PlanFacts): { name: string; nameservers: ZoneNameservers }[] {
  const changed = new Set<number>([...facts.creates.keys(), ...facts.deletes.keys()]);
  return (facts.live.otherZones ?? [])
    .filter(
      (z) =>
        z.nameservers.type === 'custom.account' && z.nameservers.set !== undefined && changed.has(z.nameservers.set),
    )
    .map((z) => ({ name: z.name, nameservers: { ...z.nameservers } }));
}
