/**
 * A ready-made fake DNS hierarchy for the demo and tests: a root on 127.0.0.1, the TLD on
 * 127.0.0.2 and the host zone on 127.0.0.3, all on the same port (servers learned from referrals
 * are contacted at `dns.port`). The host zone is delegated to the ACNS names; their glue is
 * published only when `registerGlue` is called — the step a user does at the registrar.
 */
import { type FakeDnsServer, fakeSoa, startFakeServers, type FakeRecord } from './fakeserver.js';
import { normName, parentName } from './names.js';

export interface FakeHierarchyOptions {
  hostZone: string; // e.g. 'example.com'
  names: { name: string; ipv4?: string; ipv6?: string }[];
  glue?: boolean; // publish the glue from the start (default false)
  port?: number; // default 0: an ephemeral port shared by the three servers
  hosts?: { root: string; tld: string; child: string };
}

export interface FakeHierarchy {
  root: FakeDnsServer;
  tld: FakeDnsServer;
  child: FakeDnsServer;
  port: number;
  rootServers: string[]; // for dns.root_servers
  parentServers: string[]; // for dns.parent_servers
  registerGlue(): void;
  removeGlue(): void;
  close(): Promise<void>;
}

export async function startFakeHierarchy(opts: FakeHierarchyOptions): Promise<FakeHierarchy> {
  const hostZone = normName(opts.hostZone);
  const tld = parentName(hostZone);
  const hosts = opts.hosts ?? { root: '127.0.0.1', tld: '127.0.0.2', child: '127.0.0.3' };
  const tldNs = `a.nic.${tld}`;
  const glue: FakeRecord[] = opts.names.flatMap((n) => [
    ...(n.ipv4 ? [{ name: n.name, type: 'A' as const, data: n.ipv4 }] : []),
    ...(n.ipv6 ? [{ name: n.name, type: 'AAAA' as const, data: n.ipv6 }] : []),
  ]);
  const tldRecords: FakeRecord[] = [
    fakeSoa(tld),
    { name: tld, type: 'NS', data: tldNs },
    { name: tldNs, type: 'A', data: hosts.tld },
    ...opts.names.map((n) => ({ name: hostZone, type: 'NS' as const, data: n.name })),
  ];
  const [root, tldServer, child] = await startFakeServers(
    [
      {
        host: hosts.root,
        zones: [
          {
            origin: '',
            records: [fakeSoa(''), { name: tld, type: 'NS', data: tldNs }, { name: tldNs, type: 'A', data: hosts.tld }],
          },
        ],
      },
      { host: hosts.tld, zones: [{ origin: tld, records: [...tldRecords, ...(opts.glue ? glue : [])] }] },
      {
        host: hosts.child,
        zones: [
          {
            origin: hostZone,
            records: [
              fakeSoa(hostZone),
              ...opts.names.map((n) => ({ name: hostZone, type: 'NS' as const, data: n.name })),
              ...glue,
            ],
          },
        ],
      },
    ],
    opts.port ?? 0,
  );
  const port = root!.port;
  return {
    root: root!,
    tld: tldServer!,
    child: child!,
    port,
    rootServers: [root!.address],
    parentServers: [tldServer!.address],
    registerGlue: () => tldServer!.setRecords(tld, [...tldRecords, ...glue]),
    removeGlue: () => tldServer!.setRecords(tld, tldRecords),
    close: async () => {
      await Promise.all([root!.close(), tldServer!.close(), child!.close()]);
    },
  };
}
