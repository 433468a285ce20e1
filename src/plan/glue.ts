/**
 * Glue checks: one per set that this run switches zones (or the `custom.account` default) to. A
 * set whose zones are already on it needs none. The matching GlueExpectation carries the records
 * to publish, with the addresses Cloudflare assigned to names that already exist.
 */
import { formatPos } from '../config/types.js';
import { listShort } from './describe.js';
import type { PlanFacts } from './diff.js';
import { caution } from './notes.js';
import type { GlueExpectation, Step, StepReason } from './types.js';

/** Adds glue_check steps to facts.steps (unless policy.glue_check is off) and returns their expectations and notes. */
export function addGlueChecks(facts: PlanFacts): { glue: GlueExpectation[]; notes: string[] } {
  const { desired } = facts;
  const why = new Map<number, string>();
  const code = new Map<number, StepReason>();
  const toDefault = facts.defaultStep !== undefined && afterValue(facts.defaultStep.after) === 'custom.account';
  for (const [set, steps] of facts.zonesJoining) {
    const names = steps.map((s) => s.target);
    why.set(
      set,
      `zones switch to set ${set} in this run (${listShort(names)}): its names need glue at the parent zone first`,
    );
    code.set(set, 'glue_zones_switch');
  }
  if (toDefault) {
    for (const s of desired.sets) {
      const prev = why.get(s.set);
      const d = `the account default becomes custom.account, which can fall back to every set`;
      why.set(s.set, prev ? `${prev}; ${d}` : d);
      if (!code.has(s.set)) code.set(s.set, 'glue_default_custom');
    }
  }
  // A set whose names are replaced while something uses it (zones on it, or a custom.account
  // default): the old names go only after the new ones are shown to resolve — glue first.
  const defaultUses = !toDefault && defaultIsCustom(facts);
  for (const [set, creates] of facts.creates) {
    if (why.has(set) || creates.length === 0) continue;
    const staying = facts.zonesStaying.get(set) ?? [];
    const finalNames = facts.finalSets.get(set) ?? [];
    const liveCount = facts.liveSets.get(set)?.length ?? 0;
    const losing = (facts.deletes.get(set)?.length ?? 0) > 0; // old names go: their removal relies on the new ones
    if (defaultUses && liveCount < 2 && finalNames.length >= 2) {
      why.set(
        set,
        `set ${set} becomes usable in this run and the account default custom.account can fall back to it: ` +
          'its names need glue at the parent zone first',
      );
      code.set(set, 'glue_set_becomes_usable');
      continue;
    }
    const d =
      staying.length > 0
        ? `zones stay on set ${set} (${listShort([...staying].sort())})`
        : defaultUses && finalNames.length >= 2
          ? 'the account default custom.account can use it'
          : undefined;
    if (!d) continue;
    const gains = listShort(creates.map((c) => c.target).sort());
    if (losing) {
      why.set(
        set,
        `set ${set} gains ${gains} while ${d}: the new names need glue at the parent zone before the old ones go`,
      );
    } else if (staying.length > 0) {
      // Cloudflare lists a new name in the apex NS of every zone on the set as soon as it exists
      why.set(
        set,
        `set ${set} gains ${gains} while ${d}: Cloudflare lists a new name in every zone's apex NS at once, ` +
          'so its glue is checked right after it is created',
      );
      code.set(set, 'glue_set_grows');
    }
  }
  const sets = [...why.keys()].sort((a, b) => a - b);
  if (sets.length === 0) return { glue: [], notes: [] };
  if (desired.policy.glueCheck === 'off') {
    return {
      glue: [],
      notes: [
        `glue checks are off (policy.glue_check: off): set ${sets.join(', ')} will be used ` +
          "without checking that the names' glue is published",
      ],
    };
  }
  const liveByName = new Map(facts.live.nameservers.map((n) => [n.name, n]));
  const glue: GlueExpectation[] = [];
  for (const set of sets) {
    const decl = desired.sets.find((s) => s.set === set);
    const names = facts.finalSets.get(set) ?? [];
    const step: Step = {
      id: `glue_check:${set}`,
      kind: 'glue_check',
      target: `set ${set}`,
      before: null,
      after: { set, names: [...names] },
      reasonCode: code.get(set) ?? 'glue_names_replaced',
      reason: why.get(set)!,
      ...(decl ? { source: formatPos(decl.pos) } : {}),
      class: 'config',
      dependsOn: (facts.creates.get(set) ?? []).map((s) => s.id),
    };
    facts.steps.set(step.id, step);
    glue.push({
      set,
      registrar: decl?.registrar ?? 'external',
      ...(decl?.hostZone ? { hostZone: decl.hostZone } : {}),
      names: names.map((name) => {
        const l = liveByName.get(name);
        return l && l.set === set
          ? { name, ...(l.ipv4 ? { ipv4: l.ipv4 } : {}), ...(l.ipv6 ? { ipv6: l.ipv6 } : {}) }
          : { name };
      }),
    });
  }
  return { glue, notes: [] };
}

/**
 * A set that becomes usable while the default is custom.account is a fallback for new zones from
 * the moment its second name exists — before its check can run, since Cloudflare hands out the
 * addresses the glue needs only when it creates the names. No order of steps avoids that window.
 */
export function fallbackCautions(steps: readonly Step[]): string[] {
  return steps
    .filter((s) => s.kind === 'glue_check' && s.reasonCode === 'glue_set_becomes_usable')
    .map((s) => {
      const set = (s.after as { set: number }).set;
      return caution(
        `set ${set} can serve new zones as soon as its second name is created: the account default ` +
          `custom.account may give it to a zone added meanwhile (Cloudflare tries set 1, then the others in order), ` +
          `before its glue check runs — Cloudflare assigns the addresses the glue needs only when it creates ` +
          `the names. If the check fails, set ${set} still serves that way: register its glue without delay.`,
      );
    });
}

/** Whether the account default is custom.account once the run is over (live value when unmanaged and known). */
export function defaultIsCustom(facts: PlanFacts): boolean {
  const after = facts.defaultStep ? afterValue(facts.defaultStep.after) : facts.live.accountDefault;
  return after === 'custom.account';
}

function afterValue(v: Step['after']): string | undefined {
  return v !== null && 'value' in v ? v.value : undefined;
}
