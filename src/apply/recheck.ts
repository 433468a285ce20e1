/**
 * Checks made during apply, right before the write they protect — the account can change between
 * the first re-read and any later step:
 * - before deleting a name: the set's names now, and when the deletion leaves fewer than 2, that
 *   the plan meant the set to shrink that far and that no zone of the account and no
 *   custom.account default uses it now;
 * - before a glue check: the set's live members (a name added meanwhile is checked too; a name
 *   the plan relies on that is gone makes the plan stale).
 */
import type { AccountApi } from '../cloudflare/api.js';
import type { LiveNameserver } from '../cloudflare/types.js';
import { valueSet } from '../plan/describe.js';
import { setsShrunkBelowTwo } from '../plan/shrinking.js';
import type { GlueExpectation, Plan, Step } from '../plan/types.js';
import { listNames, readZoneOrAbsent } from './stale.js';
import type { StaleFact } from './types.js';

/** What one run has proved so far: sets found unused right before this run took them below 2 names. */
export interface RecheckMemo {
  unusedBelowTwo: Set<number>;
}

/**
 * Before a deletion: undefined when it may go ahead, otherwise what changed. Deletions of one set
 * must not run concurrently (the caller serialises them), so the count read here is the one the
 * deletion acts on.
 */
export async function recheckBeforeDelete(
  plan: Plan,
  api: AccountApi,
  step: Step,
  memo: RecheckMemo,
): Promise<StaleFact[] | undefined> {
  const pre = plan.preconditions;
  const set = valueSet(step.before);
  if (!pre || set === undefined) return undefined;
  const names = await api.listNameservers();
  const holder = names.find((n) => n.name === step.target);
  if (holder && holder.set !== set) {
    // deleting by name would remove it from the set it is in now
    return [
      {
        object: `nameserver ${step.target}`,
        planned: `in set ${set}`,
        current: `in set ${holder.set}`,
        steps: [step.id],
      },
    ];
  }
  if (!holder) return undefined; // already gone: the delete itself recognises that
  const members = names.filter((n) => n.set === set).map((n) => n.name);
  const left = members.filter((n) => n !== step.target);
  if (left.length >= 2) return undefined;

  const planned = pre.nameservers.find((m) => m.set === set)?.names ?? [];
  const plannedLow = setsShrunkBelowTwo(plan, liveOf(pre.nameservers)).includes(set);
  const users = pre.setUsers.find((u) => u.set === set);
  if (!plannedLow || users?.scope !== 'account') {
    return [
      {
        object: `names of set ${set}`,
        planned: `${listNames(planned)} (the plan keeps at least 2)`,
        current: `${listNames(members)} — deleting ${step.target} would leave ${listNames(left)}`,
        steps: [step.id],
      },
    ];
  }
  const out: StaleFact[] = [];
  // Cloudflare refuses to put a zone on a set with fewer than 2 names, so a set this run found
  // unused when it took it below 2 cannot have gained users since.
  if (!(members.length < 2 && memo.unusedBelowTwo.has(set))) {
    const zones = await zonesOnSet(api, set);
    if (zones.length > 0) {
      out.push({
        object: `zones on set ${set}`,
        planned: 'none once this plan has moved its zones off it',
        current:
          `${listNames(zones)} — deleting ${step.target} would leave the set ` +
          `${left.length} name${left.length === 1 ? '' : 's'}`,
        steps: [step.id],
      });
    }
  }
  const accountDefault = await api.getAccountDefault();
  const usable = [...countBySet(names, step.target)].some(([, n]) => n >= 2);
  if (accountDefault === 'custom.account' && !usable) {
    out.push({
      object: 'account default',
      planned: `${pre.accountDefault ?? 'not read'} (or another set with 2 names to fall back to)`,
      current: `custom.account, and deleting ${step.target} would leave no set with 2 names`,
      steps: [step.id],
    });
  }
  if (out.length === 0) memo.unusedBelowTwo.add(set);
  return out.length > 0 ? out : undefined;
}

/**
 * The glue check's expectation from the set's live members: every name the set has now (with
 * the addresses Cloudflare assigned), so a name added since planning is checked too. A name the
 * plan expects in the set that is gone makes the plan stale.
 */
export async function liveGlueExpectation(
  planned: GlueExpectation,
  expected: string[],
  api: AccountApi,
): Promise<{ expectation: GlueExpectation; stale?: StaleFact }> {
  const live = (await api.listNameservers()).filter((n) => n.set === planned.set);
  const names = live.map((n) => ({
    name: n.name,
    ...(n.ipv4 ? { ipv4: n.ipv4 } : {}),
    ...(n.ipv6 ? { ipv6: n.ipv6 } : {}),
  }));
  const expectation = { ...planned, names };
  const missing = expected.filter((n) => !live.some((l) => l.name === n));
  if (missing.length === 0) return { expectation };
  return {
    expectation,
    stale: {
      object: `names of set ${planned.set}`,
      planned: listNames(expected),
      current: listNames(live.map((n) => n.name)),
      steps: [`glue_check:${planned.set}`],
    },
  };
}

async function zonesOnSet(api: AccountApi, set: number): Promise<string[]> {
  const refs = await api.listAllZones();
  const out: string[] = [];
  // the client bounds what is really in flight; a zone deleted meanwhile is simply not a user
  await Promise.all(
    refs.map(async (z) => {
      const ns = await readZoneOrAbsent(api, z.id);
      if (ns?.type === 'custom.account' && (ns.set ?? 1) === set) out.push(z.name);
    }),
  );
  return out.sort();
}

function countBySet(names: LiveNameserver[], without: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const n of names) if (n.name !== without) out.set(n.set, (out.get(n.set) ?? 0) + 1);
  return out;
}

function liveOf(sets: { set: number; names: string[] }[]): LiveNameserver[] {
  return sets.flatMap((s) => s.names.map((name) => ({ name, set: s.set })));
}
