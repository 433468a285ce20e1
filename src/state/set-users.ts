/**
 * Before a plan deletes names so that a set drops below 2 names, find every zone of the account
 * that uses that set — not only the zones the file manages — and the account default, so the
 * planner's guards can stop a deletion that would break zones nobody listed. Costs one listing of
 * the account (none when this run has just listed it to resolve the file's zones) plus one
 * settings read per zone not read yet; paid only by such plans.
 */
import pLimit from 'p-limit';
import type { AccountApi } from '../cloudflare/api.js';
import type { LiveState, LiveZone } from './types.js';
import { compareText } from '../order.js';

export async function readSetUsers(
  api: AccountApi,
  live: LiveState,
  sets: number[],
  onProgress?: (done: number, total: number) => void,
): Promise<LiveState> {
  const wanted = new Set(sets);
  const known = new Set([...live.zones, ...(live.otherZones ?? [])].map((z) => z.name));
  // The run's own listing, taken moments ago, names the same zones a new one would: apply lists
  // and reads the account again before any deletion, so nothing here relies on it staying true.
  const all = live.accountZones ?? (await api.listAllZones());
  const toRead = all.filter((z) => !known.has(z.name));
  const limit = pLimit(64); // the client bounds what is really in flight
  let done = 0;
  const read = await Promise.all(
    toRead.map((z) =>
      limit(async (): Promise<LiveZone> => {
        const nameservers = await api.getZoneNameservers(z.id);
        onProgress?.(++done, toRead.length);
        return { name: z.name, id: z.id, nameservers };
      }),
    ),
  );
  const users = read.filter(
    (z) => z.nameservers.type === 'custom.account' && z.nameservers.set !== undefined && wanted.has(z.nameservers.set),
  );
  const accountDefault = live.accountDefault ?? (await api.getAccountDefault());
  return {
    ...live,
    accountZoneNames: all.map((z) => z.name).sort(compareText),
    accountZones: all.map((z) => ({ name: z.name, id: z.id })),
    otherZones: [...(live.otherZones ?? []), ...users].sort((a, b) => compareText(a.name, b.name)),
    accountDefault,
    usersReadFor: [...wanted].sort((a, b) => a - b),
  };
}
