/**
 * The emulator's DNS fixture (`acns emulator --dns PORT`): a local root, one "registry" server for
 * every parent zone the account needs, and Cloudflare's servers, built on the fake DNS server and
 * rebuilt from the emulator's state after every change. It answers for the state's own names:
 *
 * - each custom nameserver name gets a loopback address (127.53.x.y, and ::1 for IPv6) while the
 *   fixture runs, so every check acns makes stays on this machine; the emulator hands out the same
 *   addresses, and the state file keeps the real ones;
 * - the domain that provides the names (its registrable domain) is delegated to them, with their
 *   glue published at the parent — except for the sets listed in `glue_missing`, whose glue is
 *   left out, as before it is registered at the registrar;
 * - every zone of the account is delegated as the state had it when the fixture started (its set's
 *   names, or Cloudflare's branded pair): a registrar does not follow an API change by itself.
 *
 * All servers share one port on different loopback addresses (servers learned from referrals are
 * asked on that port too: ACNS_DNS_PORT).
 */
import { getPublicSuffix } from 'tldts';
import { hostZoneOf } from '../dns/discover.js';
import { FakeDnsServer, fakeSoa, startFakeServers, type FakeRecord, type FakeZone } from '../dns/fakeserver.js';
import { isInZone, parentName } from '../dns/names.js';
import type { EmulatorState } from './model.js';
import { cloudflareNameServers, type EmulatorBehaviour } from './routes.js';
import { compareText } from '../order.js';

export interface EmulatorDnsOptions {
  port?: number; // default 0: any free port
}

export interface EmulatorDns {
  port: number;
  /** 'IP:port' of the fixture's root, for ACNS_DNS_ROOT_SERVERS. */
  rootServer: string;
  /** Rebuilds every zone from the state (the emulator calls it after each change). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

const ROOT_HOST = '127.53.255.1';
const REGISTRY_HOST = '127.53.255.2';
const CF_HOST = '127.53.255.5';
const V6_HOST = '::1';
const REGISTRY_NS = 'a.registry.acns.invalid';
const CF_ZONE = 'ns.cloudflare.com';

/** Starts the fixture for `state` and makes `behaviour` hand out its loopback addresses. */
export async function startEmulatorDns(
  state: EmulatorState,
  behaviour: EmulatorBehaviour,
  opts: EmulatorDnsOptions = {},
): Promise<EmulatorDns> {
  const loopback = new Map<string, string>(); // name → its loopback IPv4
  const assigned = new Set<string>();
  const addressOf = (name: string): string => {
    let a = loopback.get(name);
    if (!a) {
      const i = loopback.size;
      a = `127.53.${Math.floor(i / 250)}.${1 + (i % 250)}`;
      loopback.set(name, a);
      assigned.add(a);
    }
    return a;
  };
  behaviour.addressFor = (name) => ({ ipv4: addressOf(name), ipv6: V6_HOST });
  const delegations = new Map<string, string[]>(); // account zone → NS targets, frozen at first sight

  const build = (): ReturnType<typeof fixtureZones> => {
    for (const n of state.customNs) {
      if (n.real || n.fixture) continue;
      if (assigned.has(n.ipv4)) n.fixture = true;
      else {
        n.real = { ipv4: n.ipv4, ipv6: n.ipv6 };
        n.ipv4 = addressOf(n.ns_name);
        n.ipv6 = V6_HOST;
      }
    }
    return fixtureZones(state, delegations);
  };

  const first = build();
  const servers = new Map<string, FakeDnsServer>();
  const started = await startFakeServers(
    [
      { host: ROOT_HOST, zones: first.root },
      { host: REGISTRY_HOST, zones: first.registry },
      { host: CF_HOST, zones: first.content },
    ],
    opts.port ?? 0,
  );
  const port = (started[0] as FakeDnsServer).port;
  for (const s of started) servers.set(s.host, s);
  let v6 = true;
  const ensure = async (hosts: string[], content: FakeZone[]): Promise<void> => {
    for (const host of hosts) {
      if (servers.has(host) || (host === V6_HOST && !v6)) continue;
      try {
        servers.set(host, await FakeDnsServer.start({ host, port, zones: content }));
      } catch (e) {
        if (host !== V6_HOST) throw e;
        v6 = false; // no IPv6 loopback here: the IPv6 checks only warn
      }
    }
  };
  try {
    await ensure(first.hosts, first.nested);
  } catch (e) {
    await Promise.all([...servers.values()].map((s) => s.close()));
    throw e;
  }

  let chain: Promise<void> = Promise.resolve();
  return {
    port,
    rootServer: `${ROOT_HOST}:${port}`,
    refresh: () => {
      chain = chain.then(async () => {
        const z = build();
        servers.get(ROOT_HOST)?.setZones(z.root);
        servers.get(REGISTRY_HOST)?.setZones(z.registry);
        // the names' addresses also serve account zones below other account zones; the branded host not
        for (const [host, s] of servers) {
          if (host !== ROOT_HOST && host !== REGISTRY_HOST) s.setZones(host === CF_HOST ? z.content : z.nested);
        }
        await ensure(z.hosts, z.nested);
      });
      return chain;
    },
    close: async () => {
      await chain.catch(() => {});
      await Promise.all([...servers.values()].map((s) => s.close()));
    },
  };
}

/**
 * The zone data for a state: the root, the registry's parent zones with delegations and glue, and
 * the zones Cloudflare's servers answer for (each account zone whose parent is a registry zone,
 * each domain providing names, and ns.cloudflare.com), plus the addresses those servers listen on.
 */
export function fixtureZones(
  state: EmulatorState,
  delegations: Map<string, string[]>,
): { root: FakeZone[]; registry: FakeZone[]; content: FakeZone[]; nested: FakeZone[]; hosts: string[] } {
  const names = [...state.customNs].sort((a, b) => a.ns_set - b.ns_set || compareText(a.ns_name, b.ns_name));
  const byName = new Map(names.map((n) => [n.ns_name, n]));
  const branded = new Set<string>([`ada.${CF_ZONE}`, `bob.${CF_ZONE}`]);
  const targets = new Map<string, string[]>();
  // What Cloudflare's servers list as a zone's apex NS: the names of the set it uses now (the
  // registry's delegation, frozen above, changes only when the user changes it at the registrar).
  const apex = new Map<string, string[]>();
  for (const z of state.zones) {
    const set = z.nameservers.type === 'custom.account' ? (z.nameservers.ns_set ?? 1) : undefined;
    const own = set === undefined ? [] : names.filter((n) => n.ns_set === set).map((n) => n.ns_name);
    apex.set(z.name, own.length > 0 ? own : cloudflareNameServers(z.id));
  }
  for (const z of state.zones) {
    let t = delegations.get(z.name);
    if (!t) {
      const set = z.nameservers.type === 'custom.account' ? (z.nameservers.ns_set ?? 1) : undefined;
      const own = set === undefined ? [] : names.filter((n) => n.ns_set === set).map((n) => n.ns_name);
      t = own.length > 0 ? own : cloudflareNameServers(z.id);
      delegations.set(z.name, t);
    }
    for (const n of t) if (n.endsWith(`.${CF_ZONE}`)) branded.add(n);
    targets.set(z.name, t);
  }
  for (const n of names) {
    const host = hostZoneOf(n.ns_name);
    if (!delegations.has(host)) targets.set(host, [...(targets.get(host) ?? []), n.ns_name]);
  }
  targets.set(CF_ZONE, [`ada.${CF_ZONE}`, `bob.${CF_ZONE}`]);

  const zones = [...targets.keys()];
  const parentOf = (z: string): { zone: string; registry: boolean } => {
    for (let p = parentName(z); p !== ''; p = parentName(p)) if (targets.has(p)) return { zone: p, registry: false };
    if (z === CF_ZONE) return { zone: 'com', registry: true };
    const suffix = getPublicSuffix(z, { allowPrivateDomains: false });
    return { zone: suffix && suffix !== z ? suffix : parentName(z), registry: true };
  };
  const addressRecords = (n: string, glue: boolean): FakeRecord[] => {
    const ns = byName.get(n);
    if (ns) {
      if (glue && state.glueMissing.includes(ns.ns_set)) return [];
      return [
        { name: n, type: 'A', data: ns.ipv4 },
        { name: n, type: 'AAAA', data: ns.ipv6 },
      ];
    }
    return n.endsWith(`.${CF_ZONE}`) ? [{ name: n, type: 'A', data: CF_HOST }] : [];
  };
  const delegation = (z: string, within: string, glue: boolean): FakeRecord[] => {
    const t = targets.get(z) ?? [];
    return [
      ...t.map((n) => ({ name: z, type: 'NS' as const, data: n })),
      ...t.filter((n) => isInZone(n, within)).flatMap((n) => addressRecords(n, glue)),
    ];
  };

  const registryZones = new Map<string, FakeRecord[]>();
  const content: FakeZone[] = [];
  const nestedContent: FakeZone[] = [];
  for (const z of zones) {
    const parent = parentOf(z);
    // an account zone below another account zone is served, with authority, on its set's addresses
    // (the zone above it delegates to them); the branded servers answer for the zone above
    const nested = !parent.registry;
    if (nested && !apex.has(z)) continue;
    if (parent.registry) {
      const list = registryZones.get(parent.zone) ?? [fakeSoa(parent.zone), ns(parent.zone, REGISTRY_NS)];
      list.push(...delegation(z, parent.zone, true));
      registryZones.set(parent.zone, list);
    }
    const children = zones.filter((c) => c !== z && parentOf(c).zone === z);
    const own = names.filter((n) => isInZone(n.ns_name, z)).flatMap((n) => addressRecords(n.ns_name, false));
    const cf = z === CF_ZONE ? [...branded].flatMap((n) => addressRecords(n, false)) : [];
    (nested ? nestedContent : content).push({
      origin: z,
      records: dedupe([
        fakeSoa(z),
        ...(apex.has(z) ? apex.get(z)!.map((n) => ns(z, n)) : delegation(z, z, false)),
        ...own,
        ...cf,
        ...children.flatMap((c) => delegation(c, z, false)),
      ]),
    });
  }
  const root: FakeZone = {
    origin: '',
    records: [
      fakeSoa(''),
      ...[...registryZones.keys()].map((r) => ns(r, REGISTRY_NS)),
      { name: REGISTRY_NS, type: 'A', data: REGISTRY_HOST },
    ],
  };
  const registry = [...registryZones].map(([origin, records]) => ({ origin, records: dedupe(records) }));
  const hosts = [...new Set([...names.map((n) => n.ipv4), V6_HOST])];
  return { root: [root], registry, content, nested: [...content, ...nestedContent], hosts };
}

function ns(zone: string, target: string): FakeRecord {
  return { name: zone, type: 'NS', data: target };
}

function dedupe(records: FakeRecord[]): FakeRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const k = `${r.name} ${r.type} ${JSON.stringify(r.data)}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}
