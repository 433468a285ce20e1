/**
 * Reads exactly what the desired state needs from the live account: the custom nameservers, the
 * managed zones' ids and nameserver settings, the account default when the file manages it, and
 * the settings of unmanaged zones in a managed zone's hierarchy (for the subdomain rule) when the
 * run listed the account anyway. Everything goes through AccountApi, concurrently and pipelined:
 * a zone's settings read starts as soon as the page naming it arrives, while other pages are
 * still on their way. The client's budget paces it. The result is normalised and sorted plain data.
 */
import type { AccountApi, ZoneRef } from '../cloudflare/api.js';
import type { DesiredState } from '../config/types.js';
import type { LiveState, LiveZone } from './types.js';
import { compareText } from '../order.js';

export interface ReadProgress {
  phase: 'nameservers' | 'zones' | 'settings' | 'default' | 'related';
  done: number;
  total: number;
}

export interface ReadOptions {
  onProgress?: (p: ReadProgress) => void;
  /** Read the account default even when the file does not manage it (drift, import). */
  readDefault?: boolean;
}

export async function readLiveState(
  desired: DesiredState,
  api: AccountApi,
  opts: ReadOptions = {},
): Promise<LiveState> {
  const progress = opts.onProgress ?? (() => {});
  const names = desired.zones.map((z) => z.name);
  const wantDefault = desired.accountDefault !== undefined || opts.readDefault === true;

  const reads = settingsReader(api, names.length, (done, total) => progress({ phase: 'settings', done, total }));
  const [nameservers, resolved, accountDefault] = await Promise.all([
    api.listNameservers().then((r) => {
      progress({ phase: 'nameservers', done: 1, total: 1 });
      return r;
    }),
    names.length
      ? api.resolveZones(names, { onFound: reads.start })
      : Promise.resolve({ found: [], missing: [] as string[], allNames: undefined }),
    wantDefault ? api.getAccountDefault() : Promise.resolve(undefined),
  ]);
  progress({ phase: 'zones', done: resolved.found.length, total: names.length });

  const zones = await reads.finish(resolved.found);

  let accountZoneNames = resolved.allNames;
  let accountZones = 'all' in resolved ? resolved.all : undefined;
  let listed: Map<string, ZoneRef> | undefined =
    'all' in resolved && resolved.all ? new Map(resolved.all.map((z) => [z.name, z])) : undefined;
  if (resolved.missing.length > 0 && !accountZoneNames) {
    // Only to suggest the right name for a typo: one listing, paid only when a zone is missing.
    const all = await api.listAllZones();
    listed = new Map(all.map((z) => [z.name, z]));
    accountZoneNames = all.map((z) => z.name);
    accountZones = all;
  }

  let otherZones: LiveZone[] | undefined;
  if (accountZoneNames) {
    const related = relatedUnmanaged(new Set(names), accountZoneNames);
    if (related.length) {
      // Ids are known when this run listed the account itself; otherwise resolve them (cheapest way).
      const known = listed;
      const refs =
        known && related.every((n) => known.has(n))
          ? related.map((n) => known.get(n) as ZoneRef)
          : (await api.resolveZones(related)).found;
      otherZones = await readSettings(api, refs, (done, total) => progress({ phase: 'related', done, total }));
    } else {
      otherZones = [];
    }
  } else {
    // Not listed (a handful of zones resolved by name): find the zones above and below each zone the
    // file puts on a custom set with filtered lookups, so the subdomain rule is checked all the same.
    const found = new Set(resolved.found.map((z) => z.name));
    const custom = desired.zones.filter((z) => z.target.type === 'custom' && found.has(z.name)).map((z) => z.name);
    if (custom.length)
      otherZones = await relatedByName(api, new Set(names), custom, (done, total) =>
        progress({ phase: 'related', done, total }),
      );
  }

  return {
    accountId: api.accountId,
    nameservers: [...nameservers].sort((a, b) => a.set - b.set || compareText(a.name, b.name)),
    zones,
    missingZones: [...resolved.missing].sort(compareText),
    ...(accountZoneNames ? { accountZoneNames: [...accountZoneNames].sort(compareText) } : {}),
    ...(accountZones ? { accountZones: accountZones.map((z) => ({ name: z.name, id: z.id })) } : {}),
    ...(otherZones ? { otherZones } : {}),
    ...(accountDefault !== undefined ? { accountDefault } : {}),
  };
}

/** Zone names of the account that are ancestors or descendants of a managed zone, not managed themselves. */
export function relatedUnmanaged(managed: Set<string>, accountNames: string[]): string[] {
  // every proper ancestor of a managed zone, so "is this name above a managed zone?" is one lookup
  const ancestors = new Set<string>();
  for (const m of managed)
    for (let i = m.indexOf('.'); i !== -1; i = m.indexOf('.', i + 1)) ancestors.add(m.slice(i + 1));
  const out: string[] = [];
  for (const name of accountNames) {
    if (managed.has(name)) continue;
    let related = ancestors.has(name);
    for (let i = name.indexOf('.'); i !== -1 && !related; i = name.indexOf('.', i + 1))
      related = managed.has(name.slice(i + 1)); // below one
    if (related) out.push(name);
  }
  return out.sort(compareText);
}

/** Zones above (by name) and below (one filtered listing each) the given zones, not managed; with settings. */
async function relatedByName(
  api: AccountApi,
  managed: Set<string>,
  zones: string[],
  tick: (done: number, total: number) => void,
): Promise<LiveZone[]> {
  const ancestors = new Set<string>();
  for (const z of zones) {
    // stop before the last label: a top-level domain is never a zone of the account
    for (let i = z.indexOf('.'); i !== -1 && z.indexOf('.', i + 1) !== -1; i = z.indexOf('.', i + 1))
      ancestors.add(z.slice(i + 1));
  }
  const wanted = [...ancestors].filter((a) => !managed.has(a)).sort(compareText);
  const [above, below] = await Promise.all([
    wanted.length ? api.resolveZones(wanted).then((r) => r.found) : Promise.resolve([] as ZoneRef[]),
    Promise.all(zones.map((z) => api.listZonesBelow(z))).then((lists) => lists.flat()),
  ]);
  const refs = new Map<string, ZoneRef>();
  for (const r of [...above, ...below]) if (!managed.has(r.name)) refs.set(r.name, r);
  return readSettings(api, [...refs.values()], tick);
}

/**
 * Settings reads started one by one as zones are found (each at most once), finished together.
 * A read that fails early is held until finish() reports it, never left unhandled.
 */
function settingsReader(api: AccountApi, expected: number, tick: (done: number, total: number) => void) {
  const reads = new Map<string, Promise<LiveZone>>();
  let done = 0;
  const start = (z: ZoneRef): Promise<LiveZone> => {
    const known = reads.get(z.name);
    if (known) return known;
    const p = api.getZoneNameservers(z.id).then((nameservers) => {
      tick(++done, Math.max(expected, reads.size));
      return { name: z.name, id: z.id, nameservers, ...(z.nameServers ? { cloudflareNs: [...z.nameServers] } : {}) };
    });
    p.catch(() => {});
    reads.set(z.name, p);
    return p;
  };
  return {
    start: (z: ZoneRef): void => void start(z),
    async finish(found: ZoneRef[]): Promise<LiveZone[]> {
      const zones = await Promise.all(found.map(start));
      return zones.sort((a, b) => compareText(a.name, b.name));
    },
  };
}

/** The settings of the given zones, read at once. */
function readSettings(
  api: AccountApi,
  refs: ZoneRef[],
  tick: (done: number, total: number) => void,
): Promise<LiveZone[]> {
  return settingsReader(api, refs.length, tick).finish(refs);
}
