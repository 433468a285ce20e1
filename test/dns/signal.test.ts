/**
 * Many concurrent queries share a run's one AbortSignal (13 servers per TLD, every child server ×
 * name × family, many checks at once): none of that may make Node print
 * "MaxListenersExceededWarning: Possible EventTarget memory leak" — and aborting still stops them.
 *
 * Jest's `process` is a copy that never sees Node's own warnings, so the test watches Node's own
 * state instead: after every `abort` listener added to an AbortSignal, the flag Node sets when it
 * emits that warning (the `events.maxEventTargetListenersWarned` symbol on the signal).
 */
import { getEventListeners } from 'node:events';
import { type FakeDnsServer, startFakeServers } from '../../src/dns/fakeserver.js';
import { checkSetGlue, checkZoneDelegation, waitForGlue, type GlueCheckOptions } from '../../src/dns/glue.js';
import { comZone, EXAMPLE, exampleZone } from './fixtures.js';

let com: FakeDnsServer;
let child3: FakeDnsServer;
let child4: FakeDnsServer;
let silent: FakeDnsServer;
let port: number;
const warnings: string[] = [];
const originalAdd = EventTarget.prototype.addEventListener;

beforeAll(async () => {
  [com, child3, child4, silent] = await startFakeServers([
    { host: '127.0.0.1', zones: [comZone()] },
    { host: '127.0.0.3', zones: [exampleZone()] },
    { host: '127.0.0.4', zones: [exampleZone()] },
    { host: '127.0.0.7', zones: [], knobs: { silent: true } },
  ]);
  port = com.port;
  EventTarget.prototype.addEventListener = function (
    this: EventTarget,
    ...args: Parameters<EventTarget['addEventListener']>
  ) {
    originalAdd.apply(this, args);
    if (args[0] !== 'abort' || !(this instanceof AbortSignal)) return;
    if (nodeState(this, 'events.maxEventTargetListenersWarned') === true) {
      warnings.push(
        `${getEventListeners(this, 'abort').length} abort listeners added to [AbortSignal]. ` +
          `MaxListeners is ${String(nodeState(this, 'events.maxEventTargetListeners'))}.`,
      );
    }
  };
});

afterAll(async () => {
  EventTarget.prototype.addEventListener = originalAdd;
  await Promise.all([com, child3, child4, silent].map((s) => s?.close()));
});

beforeEach(() => {
  warnings.length = 0;
});

function nodeState(target: object, description: string): unknown {
  const sym = Object.getOwnPropertySymbols(target).find((x) => x.description === description);
  if (sym === undefined) throw new Error(`this Node has no ${description} on AbortSignal: update the test`);
  return (target as Record<symbol, unknown>)[sym];
}

const leakWarnings = (): string[] => [...new Set(warnings)];

/**
 * Every query is answered at once, so no check waits on these bounds; they are generous so that a
 * busy machine answering slowly cannot turn an answer into a timeout. The test is about listeners.
 */
const QUERY_TIMEOUT_MS = 10_000;
const CALL_DEADLINE_MS = 60_000;

function opts(signal: AbortSignal, over: Partial<GlueCheckOptions> = {}): GlueCheckOptions {
  return {
    rootServers: [],
    parentServers: Array(15).fill(com.address),
    port,
    timeoutMs: QUERY_TIMEOUT_MS,
    retries: 0,
    signal,
    ...over,
  };
}

test('this Node keeps the state the test reads (without tripping the real warning, which would print)', () => {
  const c = new AbortController();
  expect(nodeState(c.signal, 'events.maxEventTargetListenersWarned')).toBe(false);
  expect(nodeState(c.signal, 'events.maxEventTargetListeners')).toBe(10);
  // derived signals have the limit too
  expect(nodeState(AbortSignal.any([c.signal]), 'events.maxEventTargetListeners')).toBe(10);
});

test('many glue checks (15 parent servers each) with one AbortSignal: no listener warning', async () => {
  const c = new AbortController();
  const reports = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      checkSetGlue({ set: i + 1, registrar: 'external', names: EXAMPLE }, opts(c.signal)),
    ),
  );
  expect(reports.map((r) => r.verdict)).toEqual(Array(12).fill('ok'));
  expect(reports[0]!.servers).toHaveLength(15);
  const waited = await Promise.all(
    Array.from({ length: 12 }, () =>
      waitForGlue({ set: 1, registrar: 'external', names: EXAMPLE }, { ...opts(c.signal), waitMs: CALL_DEADLINE_MS }),
    ),
  );
  expect(waited.every((r) => r.verdict === 'ok')).toBe(true);
  expect(leakWarnings()).toEqual([]);
});

test('many delegation checks (15 parent servers each) with one AbortSignal: no listener warning', async () => {
  const c = new AbortController();
  const names = EXAMPLE.map((e) => e.name);
  const results = await Promise.all(
    Array.from({ length: 12 }, () =>
      checkZoneDelegation('example.com', names, { ...opts(c.signal), deadlineMs: CALL_DEADLINE_MS }),
    ),
  );
  expect(results.map((r) => r.status)).toEqual(Array(12).fill('delegated'));
  expect(leakWarnings()).toEqual([]);
});

test('aborting the shared signal still stops every check', async () => {
  const c = new AbortController();
  // The servers never answer and no bound ends a check before the test does: only the abort can.
  const slow = { ...opts(c.signal), parentServers: Array(15).fill(silent.address) };
  const glue = Promise.all(
    Array.from({ length: 12 }, () => checkSetGlue({ set: 1, registrar: 'external', names: EXAMPLE }, slow)),
  );
  const deleg = Promise.all(
    Array.from({ length: 12 }, () =>
      checkZoneDelegation('example.com', ['ns1.example.com'], { ...slow, deadlineMs: CALL_DEADLINE_MS }),
    ),
  );
  // Abort once the checks are known to be waiting on the silent servers, not at a guessed moment.
  while (silent.log.length === 0) await new Promise((r) => setTimeout(r, 5));
  c.abort();
  const [g, d] = await Promise.all([glue, deleg]);
  expect(g.every((r) => r.verdict === 'could_not_verify')).toBe(true);
  expect(g[0]!.servers.every((s) => s.error?.includes('aborted'))).toBe(true);
  expect(d.every((r) => r.status === 'unknown')).toBe(true);
  expect(leakWarnings()).toEqual([]);
});
