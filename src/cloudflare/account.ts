/**
 * The AccountApi (see api.ts) on top of the HTTP client: normalised names, idempotent create and
 * delete, zone resolution with the fewest calls, and the endpoint flavour chosen by configuration.
 */
import type { Dispatcher } from 'undici';
import type { EndpointFlavour } from '../config/types.js';
import { AcnsError } from '../errors.js';
import type { LiveNameserver } from './types.js';
import type { AccountApi, ResolveOptions, ResolvedZones, ZoneRef } from './api.js';
import { createAssignmentAdapter } from './assignment.js';
import type { ProgressEvent } from './budget.js';
import { CloudflareClient, type ClientOptions, type ClientStats, type RequestEvent } from './client.js';
import { baseUrlFromEnv, credentialsFromEnv } from './credentials.js';
import * as ep from './endpoints.js';
import { normaliseName } from '../config/names.js';
import { CloudflareError, OutcomeUnknownError, ResponseShapeError } from './errors.js';
import { compareText } from '../order.js';

export interface AccountApiOptions {
  client: CloudflareClient;
  accountId: string;
  endpoints: EndpointFlavour;
}

/** An AccountApi that also owns its client: call close() when the run ends. */
export interface AccountApiHandle extends AccountApi {
  readonly client: CloudflareClient;
  stats(): ClientStats;
  close(): Promise<void>;
}

export interface FromEnvOptions {
  accountId: string;
  endpoints: EndpointFlavour;
  /** What the run does with the account: names the token permissions in a missing-token hint. */
  access?: 'read' | 'write';
  requestsPerWindow?: number;
  windowSeconds?: number;
  requestsPerSecond?: number;
  concurrency?: number;
  timeoutMs?: number;
  /** Cancels the client's waits (pacing, rate-limit pauses, backoff). */
  signal?: AbortSignal;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  onRequest?: (e: RequestEvent) => void;
  onRequestStart?: ClientOptions['onRequestStart'];
  onProgress?: (e: ProgressEvent) => void;
  dispatcher?: Dispatcher;
}

/** A name that exists live in another set than the one asked for. */
export class NameInOtherSetError extends AcnsError {
  constructor(name: string, wanted: number, live: number) {
    super('cloudflare_name_conflict', `nameserver ${name} already exists in set ${live}, not in set ${wanted}`, {
      hint: 'run plan again: moving a name between sets is a delete followed by a create',
    });
    this.name = 'NameInOtherSetError';
  }
}

/** Builds credentials, the client and the AccountApi from the environment (what the CLI calls). */
export function accountApiFromEnv(env: Record<string, string | undefined>, o: FromEnvOptions): AccountApiHandle {
  const client = new CloudflareClient({
    baseUrl: baseUrlFromEnv(env),
    credentials: credentialsFromEnv(env, o.access ?? 'write'),
    dispatcher: o.dispatcher,
    requestsPerWindow: o.requestsPerWindow,
    windowSeconds: o.windowSeconds,
    requestsPerSecond: o.requestsPerSecond,
    concurrency: o.concurrency,
    timeoutMs: o.timeoutMs,
    ...(o.signal ? { signal: o.signal } : {}),
    backoffBaseMs: o.backoffBaseMs,
    backoffCapMs: o.backoffCapMs,
    onRequest: o.onRequest,
    ...(o.onRequestStart ? { onRequestStart: o.onRequestStart } : {}),
    onProgress: o.onProgress,
  });
  return createAccountApi({ client, accountId: o.accountId, endpoints: o.endpoints });
}

export function createAccountApi(o: AccountApiOptions): AccountApiHandle {
  const c = o.client;
  const id = o.accountId;
  const adapter = createAssignmentAdapter(o.endpoints, c, id);

  async function listNameservers(): Promise<LiveNameserver[]> {
    const recs = await ep.listCustomNs(c, id);
    return recs.map(toLive).sort((a, b) => a.set - b.set || compareText(a.name, b.name));
  }

  async function createNameserver(name: string, set: number): Promise<LiveNameserver & { alreadyExisted?: true }> {
    const n = normaliseName(name);
    let last: unknown;
    // At most two sends, and the second only after a read-back proved the first did not land.
    for (let round = 0; round < 2; round++) {
      try {
        return toLive(await ep.createCustomNs(c, id, n, set));
      } catch (e) {
        const duplicate = e instanceof CloudflareError && e.isDuplicate;
        if (!(e instanceof OutcomeUnknownError) && !duplicate) throw e;
        last = e;
        const live = (await listNameservers()).find((x) => x.name === n);
        // after a lost response the name found is this run's; after "already exists" it is another's
        if (live && live.set === set) return duplicate ? { ...live, alreadyExisted: true } : live;
        if (live) throw new NameInOtherSetError(n, set, live.set);
        if (duplicate) throw e;
      }
    }
    throw last;
  }

  async function deleteNameserver(name: string): Promise<void> {
    try {
      await ep.deleteCustomNs(c, id, normaliseName(name));
    } catch (e) {
      // A retried DELETE whose first attempt landed answers 404: the name is gone, as wanted.
      if (e instanceof CloudflareError && e.status === 404) {
        const still = (await listNameservers()).some((x) => x.name === normaliseName(name));
        if (!still) return;
      }
      throw e;
    }
  }

  /** One page of GET /zones (50 zones, the most Cloudflare gives), optionally filtered by name. */
  function page(n: number, name?: string): Promise<ep.ZonePage> {
    return ep.listZonesPage(c, { accountId: id, page: n, perPage: ep.ZONES_MAX_PER_PAGE, ...(name ? { name } : {}) });
  }

  /**
   * Every zone of a listing, each page handed to `onPage` as soon as it arrives. The first page's
   * total_count tells how many more to fetch at once; the listing ends at a short page, or at a
   * full page once the zones seen reach total_count (so no request goes past the last zone). A
   * total_count that turns out low never loses zones: the pages go on until a short one.
   */
  async function finishListing(
    first: ep.ZonePage,
    name: string | undefined,
    onPage?: (zones: ep.ZoneRecord[]) => void,
  ): Promise<ep.ZoneRecord[]> {
    const byId = new Map(first.zones.map((z) => [z.id, z] as const));
    const short = (p: ep.ZonePage) => p.zones.length < p.perPage;
    if (short(first)) return [...byId.values()];
    const total = first.totalCount;
    let next = 2;
    if (total !== undefined && total > first.zones.length) {
      const last = Math.ceil(total / first.perPage);
      const pages = await Promise.all(
        Array.from({ length: last - 1 }, (_, i) =>
          page(i + 2, name).then((p) => {
            onPage?.(p.zones);
            return p;
          }),
        ),
      );
      for (const p of pages) for (const z of p.zones) byId.set(z.id, z);
      if (pages.some(short)) return [...byId.values()];
      next = last + 1;
    }
    // Every page so far was full: stop only where total_count says the list ends exactly.
    while (total === undefined || byId.size !== total) {
      const n = next++;
      const p = await page(n, name);
      onPage?.(p.zones);
      const before = byId.size;
      for (const z of p.zones) byId.set(z.id, z);
      if (short(p)) break;
      if (byId.size === before) {
        throw new ResponseShapeError('GET /zones', `page ${n} repeats zones already listed (is paging ignored?)`);
      }
    }
    return [...byId.values()];
  }

  async function listing(name?: string, onPage?: (zones: ep.ZoneRecord[]) => void): Promise<ep.ZoneRecord[]> {
    const first = await page(1, name);
    onPage?.(first.zones);
    return finishListing(first, name, onPage);
  }

  async function listAllZones(opts: { onPage?: (zones: ZoneRef[]) => void } = {}): Promise<ZoneRef[]> {
    const onPage = opts.onPage;
    return sortRefs(dedupe(await listing(undefined, onPage ? (zs) => onPage(zs.map(ref)) : undefined)));
  }

  async function listZonesBelow(zone: string): Promise<ZoneRef[]> {
    const suffix = `.${normaliseName(zone)}`;
    const all = await listing(`ends_with:${suffix}`);
    return sortRefs(dedupe(all.filter((z) => normaliseName(z.name).endsWith(suffix))));
  }

  async function byName(name: string): Promise<ep.ZoneRecord | undefined> {
    const pg = await page(1, name);
    return pg.zones.find((z) => normaliseName(z.name) === name);
  }

  /**
   * Zone names → ids with the fewest requests, stopping as soon as every wanted zone is found:
   * one filtered call for a single zone; otherwise the first page of the account, then whichever
   * is cheaper — one filtered call per zone not seen yet, or the remaining pages. `onFound` sees
   * each zone as soon as the page naming it arrives, so its settings can be read meanwhile.
   */
  async function resolveZones(names: string[], opts: ResolveOptions = {}): Promise<ResolvedZones> {
    const wanted = new Set(names.map(normaliseName));
    const found = new Map<string, ZoneRef>();
    const see = (zs: ep.ZoneRecord[]) => {
      for (const z of zs) {
        const n = normaliseName(z.name);
        if (!wanted.has(n) || found.has(n)) continue;
        const r = ref(z);
        found.set(n, r);
        opts.onFound?.(r);
      }
    };
    const result = (all?: ep.ZoneRecord[]): ResolvedZones => {
      const sorted = [...wanted].sort(compareText);
      const out: ResolvedZones = {
        found: sorted.filter((n) => found.has(n)).map((n) => found.get(n) as ZoneRef),
        missing: sorted.filter((n) => !found.has(n)),
      };
      if (all) {
        const refs = sortRefs(dedupe(all));
        out.all = refs;
        out.allNames = refs.map((z) => z.name);
      }
      return out;
    };
    if (wanted.size === 0) return result();
    if (wanted.size === 1) {
      // One filtered call can never be beaten.
      const z = await byName([...wanted][0] as string);
      see(z ? [z] : []);
      return result();
    }
    const first = await page(1);
    see(first.zones);
    const complete = first.zones.length < first.perPage;
    if (complete) return result(first.zones);
    if (found.size === wanted.size) return result();
    const unseen = [...wanted].filter((n) => !found.has(n));
    const pagesLeft =
      first.totalCount === undefined ? Number.POSITIVE_INFINITY : Math.ceil(first.totalCount / first.perPage) - 1;
    if (unseen.length < pagesLeft) {
      see((await Promise.all(unseen.map(byName))).filter((z): z is ep.ZoneRecord => z !== undefined));
      if (found.size === wanted.size) return result();
      // A zone the account does not have: the rest of the listing names every zone (did-you-mean).
    }
    return result(await finishListing(first, undefined, see));
  }

  return {
    accountId: id,
    endpoints: o.endpoints,
    client: c,
    listNameservers,
    createNameserver,
    deleteNameserver,
    resolveZones,
    listAllZones,
    listZonesBelow,
    getZoneNameservers: (zoneId) => adapter.getZone(zoneId),
    setZoneNameservers: (zoneId, ns) => adapter.setZone(zoneId, ns),
    getAccountDefault: () => adapter.getAccountDefault(),
    setAccountDefault: (value) => adapter.setAccountDefault(value),
    stats: () => c.stats(),
    close: () => c.close(),
  };
}

function toLive(r: ep.CustomNsRecord): LiveNameserver {
  const out: LiveNameserver = { name: normaliseName(r.ns_name), set: r.ns_set };
  const a = r.dns_records.find((x) => x.type.toUpperCase() === 'A');
  const aaaa = r.dns_records.find((x) => x.type.toUpperCase() === 'AAAA');
  if (a) out.ipv4 = a.value;
  if (aaaa) out.ipv6 = aaaa.value.toLowerCase();
  return out;
}

function ref(z: ep.ZoneRecord): ZoneRef {
  const pair = z.name_servers?.map(normaliseName);
  return { id: z.id, name: normaliseName(z.name), ...(pair?.length ? { nameServers: pair } : {}) };
}

function dedupe(zs: ep.ZoneRecord[]): ZoneRef[] {
  const m = new Map<string, ZoneRef>();
  for (const z of zs) m.set(z.id, ref(z));
  return [...m.values()];
}

function sortRefs(zs: ZoneRef[]): ZoneRef[] {
  return zs.sort((a, b) => compareText(a.name, b.name));
}
