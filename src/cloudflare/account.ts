/**
 * The AccountApi (see api.ts) on top of the HTTP client: normalised names, idempotent create and
 * delete, zone resolution with the fewest calls, and the endpoint flavour chosen by configuration.
 */
import type { Dispatcher } from 'undici';
import type { EndpointFlavour } from '../config/types.js';
import { AcnsError } from '../errors.js';
import type { LiveNameserver } from './types.js';
import type { AccountApi, ResolvedZones, ZoneRef } from './api.js';
import { createAssignmentAdapter } from './assignment.js';
import type { ProgressEvent } from './budget.js';
import { CloudflareClient, type ClientOptions, type ClientStats, type RequestEvent } from './client.js';
import { baseUrlFromEnv, credentialsFromEnv } from './credentials.js';
import * as ep from './endpoints.js';
import { CloudflareError, OutcomeUnknownError } from './errors.js';

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
  requestsPerWindow?: number;
  windowSeconds?: number;
  concurrency?: number;
  timeoutMs?: number;
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
    credentials: credentialsFromEnv(env),
    dispatcher: o.dispatcher,
    requestsPerWindow: o.requestsPerWindow,
    windowSeconds: o.windowSeconds,
    concurrency: o.concurrency,
    timeoutMs: o.timeoutMs,
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
    return recs.map(toLive).sort((a, b) => a.set - b.set || cmp(a.name, b.name));
  }

  async function createNameserver(name: string, set: number): Promise<LiveNameserver & { alreadyExisted?: true }> {
    const n = normName(name);
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
      await ep.deleteCustomNs(c, id, normName(name));
    } catch (e) {
      // A retried DELETE whose first attempt landed answers 404: the name is gone, as wanted.
      if (e instanceof CloudflareError && e.status === 404) {
        const still = (await listNameservers()).some((x) => x.name === normName(name));
        if (!still) return;
      }
      throw e;
    }
  }

  async function listAllZones(): Promise<ZoneRef[]> {
    const first = await ep.listZonesPage(c, { accountId: id, page: 1, perPage: ep.ZONES_MAX_PER_PAGE });
    return sortRefs(dedupe([...first.zones, ...(await restPages(first))]));
  }

  async function restPages(first: ep.ZonePage): Promise<ep.ZoneRecord[]> {
    const pages: Promise<ep.ZonePage>[] = [];
    for (let p = 2; p <= first.totalPages; p++)
      pages.push(ep.listZonesPage(c, { accountId: id, page: p, perPage: first.perPage }));
    return (await Promise.all(pages)).flatMap((pg) => pg.zones);
  }

  async function listZonesBelow(zone: string): Promise<ZoneRef[]> {
    const suffix = `.${normName(zone)}`;
    const name = `ends_with:${suffix}`;
    const first = await ep.listZonesPage(c, { accountId: id, name, page: 1, perPage: ep.ZONES_MAX_PER_PAGE });
    const pages: Promise<ep.ZonePage>[] = [];
    for (let p = 2; p <= first.totalPages; p++)
      pages.push(ep.listZonesPage(c, { accountId: id, name, page: p, perPage: first.perPage }));
    const all = [...first.zones, ...(await Promise.all(pages)).flatMap((pg) => pg.zones)];
    return sortRefs(dedupe(all.filter((z) => normName(z.name).endsWith(suffix))));
  }

  async function byName(name: string): Promise<ep.ZoneRecord | undefined> {
    const pg = await ep.listZonesPage(c, { accountId: id, name, page: 1, perPage: ep.ZONES_MAX_PER_PAGE });
    return pg.zones.find((z) => normName(z.name) === name);
  }

  async function resolveZones(names: string[]): Promise<ResolvedZones> {
    const wanted = [...new Set(names.map(normName))].sort(cmp);
    if (wanted.length === 0) return { found: [], missing: [] };
    if (wanted.length === 1) {
      // One filtered call can never be beaten.
      const z = await byName(wanted[0] as string);
      return z ? { found: [ref(z)], missing: [] } : { found: [], missing: wanted };
    }
    // The first page of the full list tells the size of the account; then finish whichever way is cheaper:
    // the remaining pages of 50, or one filtered call per zone not yet seen.
    const first = await ep.listZonesPage(c, { accountId: id, page: 1, perPage: ep.ZONES_MAX_PER_PAGE });
    const seen = new Map(first.zones.map((z) => [normName(z.name), z] as const));
    const notSeen = wanted.filter((n) => !seen.has(n));
    const pagesLeft = first.totalPages - 1;
    if (notSeen.length === 0 || pagesLeft <= notSeen.length) {
      for (const z of await restPages(first)) seen.set(normName(z.name), z);
      const found = wanted.filter((n) => seen.has(n)).map((n) => ref(seen.get(n) as ep.ZoneRecord));
      const listedAll = pagesLeft <= notSeen.length;
      return {
        found,
        missing: wanted.filter((n) => !seen.has(n)),
        ...(listedAll
          ? {
              allNames: [...seen.keys()].sort(cmp),
              all: [...seen.values()].map(ref).sort((a, b) => cmp(a.name, b.name)),
            }
          : {}),
      };
    }
    const looked = await Promise.all(notSeen.map(byName));
    looked.forEach((z) => z && seen.set(normName(z.name), z));
    const found = wanted.filter((n) => seen.has(n)).map((n) => ref(seen.get(n) as ep.ZoneRecord));
    return { found, missing: wanted.filter((n) => !seen.has(n)) };
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

/** Lower case, no trailing dot. */
export function normName(n: string): string {
  return n.trim().toLowerCase().replace(/\.+$/, '');
}

function toLive(r: ep.CustomNsRecord): LiveNameserver {
  const out: LiveNameserver = { name: normName(r.ns_name), set: r.ns_set };
  const a = r.dns_records.find((x) => x.type.toUpperCase() === 'A');
  const aaaa = r.dns_records.find((x) => x.type.toUpperCase() === 'AAAA');
  if (a) out.ipv4 = a.value;
  if (aaaa) out.ipv6 = aaaa.value.toLowerCase();
  return out;
}

function ref(z: ep.ZoneRecord): ZoneRef {
  return { id: z.id, name: normName(z.name) };
}

function dedupe(zs: ep.ZoneRecord[]): ZoneRef[] {
  const m = new Map<string, ZoneRef>();
  for (const z of zs) m.set(z.id, ref(z));
  return [...m.values()];
}

function sortRefs(zs: ZoneRef[]): ZoneRef[] {
  return zs.sort((a, b) => cmp(a.name, b.name));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
