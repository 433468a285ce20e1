/**
 * The demo's local DNS: a fake root, one TLD server for com/net/org, and the authoritative
 * servers of the two domains that provide the demo's nameserver names — each name's IPv4 is a
 * loopback address where a fake server answers, so every check runs for real, offline.
 * Glue for example.com is published from the start; glue for example.net only when the demo
 * "registers" it, as a user would at the registrar.
 */
import { type FakeDnsServer, fakeSoa, startFakeServers, type FakeRecord, type FakeZone } from '../dns/fakeserver.js';

export interface DemoName {
  name: string;
  ipv4: string;
  ipv6: string;
}

/** Addresses the demo's emulator assigns: loopback, so the names' own servers answer locally. */
export const DEMO_NAMES: DemoName[] = [
  { name: 'ns1.example.com', ipv4: '127.0.0.11', ipv6: '::1' },
  { name: 'ns2.example.com', ipv4: '127.0.0.12', ipv6: '::1' },
  { name: 'ns1.example.net', ipv4: '127.0.0.21', ipv6: '::1' },
  { name: 'ns2.example.net', ipv4: '127.0.0.22', ipv6: '::1' },
];

export interface DemoDns {
  port: number;
  rootServer: string; // IP:port for ACNS_DNS_ROOT_SERVERS
  registerGlue(domain: 'example.com' | 'example.net'): void;
  close(): Promise<void>;
}

const TLD_HOST = '127.0.0.2';
const CF_HOST = '127.0.0.5';
const CF_NS = ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'];
const TLD_NS = 'a.gtld-servers.net';

export async function startDemoDns(): Promise<DemoDns> {
  const tlds = ['com', 'net', 'org', 'example', 'arpa'];
  const rootZone: FakeZone = {
    origin: '',
    records: [
      fakeSoa(''),
      ...tlds.map((t) => ({ name: t, type: 'NS' as const, data: TLD_NS })),
      { name: TLD_NS, type: 'A', data: TLD_HOST },
    ],
  };
  const glueOf = (domain: string): FakeRecord[] =>
    DEMO_NAMES.filter((n) => n.name.endsWith(`.${domain}`)).flatMap((n) => [
      { name: n.name, type: 'A' as const, data: n.ipv4 },
      { name: n.name, type: 'AAAA' as const, data: n.ipv6 },
    ]);
  const delegation = (domain: string): FakeRecord[] =>
    DEMO_NAMES.filter((n) => n.name.endsWith(`.${domain}`)).map((n) => ({
      name: domain,
      type: 'NS' as const,
      data: n.name,
    }));
  const tldZone = (t: string, extra: FakeRecord[]): FakeZone => ({
    origin: t,
    records: [fakeSoa(t), { name: t, type: 'NS', data: TLD_NS }, ...extra],
  });
  const com = () =>
    tldZone('com', [
      ...delegation('example.com'),
      ...glueOf('example.com'),
      ...branded('ns.cloudflare.com'),
      ...cfGlue,
    ]);
  const netWithout = () => tldZone('net', [...delegation('example.net'), { name: TLD_NS, type: 'A', data: TLD_HOST }]);
  // The customer zones are still delegated to Cloudflare's branded nameservers, as they would be
  // before a switch: ada/bob.ns.cloudflare.com answer on CF_HOST for example.org and the reverse zone,
  // and delegate the subdomain / child reverse zone onwards the same way.
  const branded = (zone: string): FakeRecord[] => CF_NS.map((ns) => ({ name: zone, type: 'NS' as const, data: ns }));
  const org = tldZone('org', branded('example.org'));
  const arpa = tldZone('arpa', branded('113.0.203.in-addr.arpa'));
  const cfGlue: FakeRecord[] = CF_NS.map((ns) => ({ name: ns, type: 'A' as const, data: CF_HOST }));
  const customerZones: FakeZone[] = [
    {
      origin: 'ns.cloudflare.com',
      records: [fakeSoa('ns.cloudflare.com'), ...branded('ns.cloudflare.com'), ...cfGlue],
    },
    {
      origin: 'example.org',
      records: [fakeSoa('example.org'), ...branded('example.org'), ...branded('shop.example.org')],
    },
    {
      origin: '113.0.203.in-addr.arpa',
      records: [
        fakeSoa('113.0.203.in-addr.arpa'),
        ...branded('113.0.203.in-addr.arpa'),
        ...branded('10.113.0.203.in-addr.arpa'),
      ],
    },
  ];
  const childZone = (domain: string): FakeZone => ({
    origin: domain,
    records: [fakeSoa(domain), ...delegation(domain), ...glueOf(domain)],
  });
  // As Cloudflare does, a set's addresses answer with authority for the zones on that set, whose apex
  // NS are the set's names (the demo's file puts example.org and 113.0.203.in-addr.arpa on set 1 —
  // the names under example.com — and their subdomain zones on set 2, under example.net).
  const onSet = (zone: string, domain: string): FakeZone => ({
    origin: zone,
    records: [fakeSoa(zone), ...delegation(domain).map((r) => ({ ...r, name: zone }))],
  });
  const servedBy: Record<string, FakeZone[]> = {
    'example.com': [onSet('example.org', 'example.com'), onSet('113.0.203.in-addr.arpa', 'example.com')],
    'example.net': [onSet('shop.example.org', 'example.net'), onSet('10.113.0.203.in-addr.arpa', 'example.net')],
  };
  const setZones = (domain: string): FakeZone[] => [childZone(domain), ...(servedBy[domain] ?? [])];

  const specs = [
    { host: '127.0.0.1', zones: [rootZone] },
    { host: TLD_HOST, zones: [com(), netWithout(), org, tldZone('example', []), arpa] },
    { host: CF_HOST, zones: customerZones },
    ...DEMO_NAMES.map((n) => ({ host: n.ipv4, zones: setZones(n.name.slice(n.name.indexOf('.') + 1)) })),
    { host: '::1', zones: [...setZones('example.com'), ...setZones('example.net')] },
  ];
  let servers: FakeDnsServer[];
  try {
    servers = await startFakeServers(specs);
  } catch {
    servers = await startFakeServers(specs.slice(0, -1)); // no IPv6 loopback here: IPv6 checks only warn
  }
  const port = servers[0]!.port;
  const tld = servers[1]!;
  return {
    port,
    rootServer: `127.0.0.1:${port}`,
    registerGlue(domain) {
      if (domain === 'example.net') tld.setRecords('net', netWithout().records.concat(glueOf('example.net')));
      else tld.setRecords('com', com().records);
    },
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
