/**
 * What the glue check expects for each declared set of the file: every live member of the set —
 * the file's names and any other name the set has in the account, since zones on the set are
 * served by all of them — with the addresses Cloudflare assigned. Names of the file not created
 * yet have no addresses to check.
 */
import type { DesiredState } from '../config/types.js';
import type { LiveNameserver } from '../cloudflare/types.js';
import type { GlueExpectation } from './types.js';

export function glueExpectations(
  desired: Pick<DesiredState, 'sets'>,
  live: LiveNameserver[],
): { expectations: GlueExpectation[]; notCreated: { name: string; set: number }[] } {
  const byName = new Map(live.map((n) => [n.name, n]));
  const expectations: GlueExpectation[] = [];
  const notCreated: { name: string; set: number }[] = [];
  for (const set of desired.sets) {
    const names: GlueExpectation['names'] = [];
    for (const n of set.names) {
      const l = byName.get(n.name);
      if (!l || l.set !== set.set) {
        notCreated.push({ name: n.name, set: set.set });
        continue;
      }
      names.push({ name: n.name, ...(l.ipv4 ? { ipv4: l.ipv4 } : {}), ...(l.ipv6 ? { ipv6: l.ipv6 } : {}) });
    }
    const listed = new Set(set.names.map((n) => n.name));
    for (const l of live) {
      if (l.set !== set.set || listed.has(l.name)) continue;
      names.push({ name: l.name, ...(l.ipv4 ? { ipv4: l.ipv4 } : {}), ...(l.ipv6 ? { ipv6: l.ipv6 } : {}) });
    }
    if (names.length) {
      expectations.push({
        set: set.set,
        registrar: set.registrar,
        ...(set.hostZone ? { hostZone: set.hostZone } : {}),
        names,
      });
    }
  }
  return { expectations, notCreated };
}
