/**
 * A whole-account read for `acns import`: every custom nameserver, every zone with its nameserver
 * setting, and the account default. Costs 1 + ⌈zones / 50⌉ + zones + 1 requests.
 */
import type { AccountApi } from '../cloudflare/api.js';
import type { LiveZone } from './types.js';
import type { LiveNameserver } from '../cloudflare/types.js';
import { compareText } from '../order.js';

export interface AccountSnapshot {
  accountId: string;
  nameservers: LiveNameserver[];
  zones: LiveZone[];
  accountDefault: string;
}

export async function readAccountSnapshot(
  api: AccountApi,
  opts: { onProgress?: (done: number, total: number) => void } = {},
): Promise<AccountSnapshot> {
  const [nameservers, refs, accountDefault] = await Promise.all([
    api.listNameservers(),
    api.listAllZones(),
    api.getAccountDefault(),
  ]);
  let done = 0;
  const zones = await Promise.all(
    refs.map(async (z) => {
      const nameservers = await api.getZoneNameservers(z.id);
      opts.onProgress?.(++done, refs.length);
      return { name: z.name, id: z.id, nameservers };
    }),
  );
  return {
    accountId: api.accountId,
    nameservers: [...nameservers].sort((a, b) => a.set - b.set || compareText(a.name, b.name)),
    zones: zones.sort((a, b) => compareText(a.name, b.name)),
    accountDefault,
  };
}
