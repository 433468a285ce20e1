/** The client against the emulator over loopback: storms, bursts, resets, lost answers, hangs, the budget. */
import { createAccountApi } from '../../src/cloudflare/account.js';
import { CloudflareClient, type RequestEvent } from '../../src/cloudflare/client.js';
import { startEmulator, type Emulator, type LogEntry } from '../../src/emulator/server.js';
import { bigAccountState, DEMO_TOKEN } from '../../src/emulator/model.js';

let emu: Emulator;
let events: RequestEvent[];

beforeAll(async () => {
  emu = await startEmulator({ state: bigAccountState(120) });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.clearFaults();
  emu.resetLog();
  emu.state.customNs = [];
  emu.options.rate = false;
  events = [];
});

function setup(o: Partial<ConstructorParameters<typeof CloudflareClient>[0]> = {}) {
  const client = new CloudflareClient({
    baseUrl: emu.url,
    credentials: { kind: 'token', token: DEMO_TOKEN },
    backoffBaseMs: 5,
    backoffCapMs: 50,
    onRequest: (e) => events.push(e),
    ...o,
  });
  return { client, api: createAccountApi({ client, accountId: emu.state.accountId, endpoints: 'dns_settings' }) };
}

/** The largest number of requests the emulator received inside any window of `ms`. */
function maxInWindow(log: LogEntry[], ms: number): number {
  const t = log.map((e) => e.time).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while ((t[i] as number) - (t[j] as number) >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const zoneIds = () => emu.state.zones.map((z) => z.id);

test('a 429 storm over real HTTP: the run succeeds and every 429 is retried, nothing else repeated', async () => {
  // The timing of pauses and probes is asserted on virtual time in pace.test.ts.
  const { client, api } = setup();
  emu.addFault({ method: 'GET', path: /dns_settings/, status: 429, retryAfter: 0.05, times: 12 });
  const ids = zoneIds().slice(0, 40);
  const res = await Promise.all(ids.map((id) => api.getZoneNameservers(id)));
  expect(res.every((r) => r.type === 'cloudflare.standard')).toBe(true);
  expect(client.stats()).toEqual({ requests: 40 + 12, rateLimited: 12, retries: 12 });
  expect(emu.requests().filter((e) => e.status === 200)).toHaveLength(40);
  await client.close();
});

test('a real rate window overflowing (dashboard users share it): every request still succeeds', async () => {
  emu.options.rate = { requests: 15, seconds: 1 };
  const { client, api } = setup(); // client budget left at 1000/300 s: it learns from the server
  const ids = zoneIds().slice(0, 30);
  const res = await Promise.all(ids.map((id) => api.getZoneNameservers(id)));
  expect(res).toHaveLength(30);
  const s = client.stats();
  expect(s.requests).toBe(30 + s.rateLimited);
  expect(s.rateLimited).toBeLessThanOrEqual(8 + 2); // the requests in flight, plus one probe per window
  expect(
    maxInWindow(
      emu.requests().filter((e) => e.status === 200),
      1000,
    ),
  ).toBeLessThanOrEqual(15);
  await client.close();
});

test('the budget under concurrency: never more than requestsPerWindow in any window, and no 429', async () => {
  emu.options.rate = { requests: 20, seconds: 1 };
  const { client, api } = setup({ requestsPerWindow: 20, windowSeconds: 1, concurrency: 8 });
  const ids = zoneIds().slice(0, 45);
  await Promise.all(ids.map((id) => api.getZoneNameservers(id)));
  expect(client.stats()).toEqual({ requests: 45, rateLimited: 0, retries: 0 });
  expect(emu.requests()).toHaveLength(45);
  expect(maxInWindow(emu.requests(), 1000)).toBeLessThanOrEqual(20);
  await client.close();
});

test('5xx bursts on GET and PATCH are retried', async () => {
  const { client, api } = setup();
  const [a, b] = zoneIds();
  emu.addFault({ method: 'GET', path: /dns_settings/, status: 503, times: 3 });
  emu.addFault({ method: 'PATCH', path: /dns_settings/, status: 502, times: 2 });
  emu.state.customNs = [];
  await api.createNameserver('ns1.example.com', 1);
  await api.createNameserver('ns2.example.com', 1);
  expect(await api.getZoneNameservers(a as string)).toEqual({ type: 'cloudflare.standard' });
  await api.setZoneNameservers(b as string, { type: 'custom.account', set: 1 });
  expect(emu.state.zones[1]?.nameservers).toEqual({ type: 'custom.account', ns_set: 1 });
  expect(client.stats().retries).toBe(5);
  await client.close();
});

test('connection resets are retried for idempotent requests', async () => {
  const { client, api } = setup();
  emu.addFault({ method: 'GET', path: /^\/zones\?/, action: 'reset', times: 2 });
  expect(await api.listAllZones()).toHaveLength(120);
  expect(events.filter((e) => e.status === 0)).toHaveLength(2);
  await client.close();
});

test.each(['commit_then_drop', 'commit_then_fail'] as const)(
  'a lost POST answer (%s): exactly one object results',
  async (action) => {
    const { client, api } = setup();
    emu.addFault({ method: 'POST', path: /custom_ns$/, action });
    const ns = await api.createNameserver('ns1.example.com', 2);
    expect(ns).toMatchObject({ name: 'ns1.example.com', set: 2, ipv4: expect.stringMatching(/^198\.51\.100\./) });
    expect(emu.state.customNs.map((n) => n.ns_name)).toEqual(['ns1.example.com']);
    expect(emu.requests().map((e) => e.method)).toEqual(['POST', 'GET']);
    await client.close();
  },
);

test('a POST reset before it was processed: read back finds nothing, sent once more', async () => {
  const { client, api } = setup();
  emu.addFault({ method: 'POST', path: /custom_ns$/, action: 'reset' });
  await api.createNameserver('ns1.example.com', 1);
  expect(emu.state.customNs).toHaveLength(1);
  expect(emu.requests().map((e) => e.method)).toEqual(['POST', 'GET', 'POST']);
  await client.close();
});

test('a hung request times out and is retried', async () => {
  const { client, api } = setup({ timeoutMs: 300 });
  const id = zoneIds()[0] as string;
  emu.addFault({ method: 'GET', path: /dns_settings/, action: 'hang' });
  expect(await api.getZoneNameservers(id)).toEqual({ type: 'cloudflare.standard' });
  expect(events.map((e) => [e.status, e.error])).toEqual([
    [0, 'UND_ERR_HEADERS_TIMEOUT'],
    [200, undefined],
  ]);
  await client.close();
});

test('a hung POST is not re-sent blindly: read back, then at most one more send', async () => {
  const { client, api } = setup({ timeoutMs: 300 });
  emu.addFault({ method: 'POST', path: /custom_ns$/, action: 'hang' });
  await api.createNameserver('ns1.example.com', 1);
  expect(emu.state.customNs).toHaveLength(1);
  expect(emu.requests().map((e) => e.method)).toEqual(['POST', 'GET', 'POST']);
  await client.close();
});
