/**
 * The names' A/AAAA TTL, against fake DNS servers: the longest a resolver can hold — the glue's TTL
 * in the referral of the names' domain or the domain's own authoritative answer — and unknown when
 * no server of the domain answers with authority (the caller's default then counts).
 */
import { readAddressTtls } from '../../src/dns/address-ttl.js';
import { checkZoneDelegation } from '../../src/dns/delegation.js';
import { type FakeDnsServer, type FakeRecord, fakeSoa, startFakeServers } from '../../src/dns/fakeserver.js';

const rr = (name: string, type: FakeRecord['type'], data: string, ttl?: number): FakeRecord => ({
  name,
  type,
  data,
  ...(ttl !== undefined ? { ttl } : {}),
});

let root: FakeDnsServer;
let com: FakeDnsServer;
let host: FakeDnsServer;

beforeAll(async () => {
  [root, com, host] = (await startFakeServers([
    {
      host: '127.0.0.1',
      zones: [{ origin: '', records: [fakeSoa(''), rr('com', 'NS', 'a.nic.com'), rr('a.nic.com', 'A', '127.0.0.2')] }],
    },
    {
      host: '127.0.0.2',
      zones: [
        {
          origin: 'com',
          records: [
            fakeSoa('com'),
            rr('com', 'NS', 'a.nic.com'),
            rr('example.com', 'NS', 'ns1.example.com', 172800),
            rr('ns1.example.com', 'A', '127.0.0.3', 7200), // the registry's host record: the glue
          ],
        },
      ],
    },
    {
      host: '127.0.0.3',
      zones: [
        {
          origin: 'example.com',
          records: [
            fakeSoa('example.com'),
            rr('example.com', 'NS', 'ns1.example.com'),
            rr('ns1.example.com', 'A', '127.0.0.3', 300),
            rr('ns1.example.com', 'AAAA', '2001:db8::3', 900),
            rr('ns2.example.com', 'A', '127.0.0.4', 86400),
            rr('ns9.example.com', 'A', '127.0.0.9', 60),
          ],
        },
      ],
    },
  ])) as [FakeDnsServer, FakeDnsServer, FakeDnsServer];
});
afterAll(async () => {
  await Promise.all([root, com, host].map((s) => s.close()));
});
afterEach(() => {
  delete host.knobs.rcode;
});

async function domainRead() {
  const d = await checkZoneDelegation('example.com', [], {
    rootServers: [root.address],
    parentServers: [],
    port: root.port,
    timeoutMs: 500,
    retries: 0,
  });
  return { domain: d.zone, nameservers: d.nameservers, glue: d.glue ?? [] };
}

test('the longest of the glue TTL and the authoritative A/AAAA TTLs, per name', async () => {
  const domain = await domainRead();
  expect(domain.glue).toEqual([{ name: 'ns1.example.com', type: 'A', address: '127.0.0.3', ttl: 7200 }]);
  const ttls = await readAddressTtls(
    ['ns1.example.com', 'ns2.example.com', 'ns9.example.com'].map((name) => ({ name, domain })),
    { rootServers: [root.address], parentServers: [], port: root.port, timeoutMs: 500, retries: 0 },
  );
  // ns1: glue 7200 beats its own 300/900; ns2: no glue, its own 86400; ns9: its own 60
  expect([...ttls].sort()).toEqual([
    ['ns1.example.com', 7200],
    ['ns2.example.com', 86400],
    ['ns9.example.com', 60],
  ]);
});

test('no authoritative answer from the domain: unknown (left out), glue alone does not count', async () => {
  const domain = await domainRead();
  host.knobs.rcode = 'REFUSED';
  const ttls = await readAddressTtls([{ name: 'ns1.example.com', domain }], {
    rootServers: [root.address],
    parentServers: [],
    port: root.port,
    timeoutMs: 300,
    retries: 0,
  });
  expect(ttls.size).toBe(0);
});
