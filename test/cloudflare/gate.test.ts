import { FIVE_MINUTE_BLOCK_MS, RateLimitGate, type GateEvent } from '../../src/cloudflare/gate.js';
import { FakeClock } from '../support/clock.js';

let clock: FakeClock;
let events: GateEvent[];
let gate: RateLimitGate;
beforeEach(() => {
  clock = new FakeClock();
  events = [];
  gate = new RateLimitGate({ clock, onProgress: (e) => events.push(e) });
});

test('open: nothing to wait for, no probe', () => {
  expect(gate.blocked()).toBeUndefined();
  expect(gate.pass()).toBe(false);
});

test('a pause blocks until it ends, announced once with its end for a countdown', async () => {
  expect(gate.pause(20_000)).toBe(20_000);
  const start = clock.now();
  const a = gate.blocked();
  const b = gate.blocked();
  expect(a).toBeInstanceOf(Promise);
  expect(events).toEqual([{ kind: 'waiting', reason: 'rate_limited', waitMs: 20_000, untilMs: start + 20_000 }]);
  await clock.run(Promise.all([a, b]));
  expect(clock.now() - start).toBe(20_000);
  expect(gate.blocked()).toBeUndefined();
});

test("retry-after is honoured up to Cloudflare's five-minute block, no longer", () => {
  expect(gate.pause(3_600_000)).toBe(FIVE_MINUTE_BLOCK_MS);
  expect(new RateLimitGate({ clock, maxPauseMs: 1000 }).pause(5000)).toBe(1000);
});

test('a longer pause extends the current one, a shorter one does not shorten it', async () => {
  gate.pause(10_000);
  gate.pause(2000);
  await clock.advance(5000);
  expect(gate.blocked()).toBeInstanceOf(Promise);
  gate.pause(30_000);
  void gate.blocked();
  expect(events.filter((e) => e.kind === 'waiting')).toHaveLength(2); // the extension is announced
});

test('after a pause: one probe passes, the rest wait for its answer; then resumed', async () => {
  gate.pause(1000);
  await clock.advance(1000);
  expect(gate.blocked()).toBeUndefined();
  expect(gate.pass()).toBe(true);
  const waiting = gate.blocked();
  expect(waiting).toBeInstanceOf(Promise);
  let released = false;
  void waiting?.then(() => (released = true));
  await clock.advance(60_000);
  expect(released).toBe(false);
  gate.probeDone();
  await clock.advance(0);
  expect(released).toBe(true);
  expect(gate.blocked()).toBeUndefined();
  expect(gate.pass()).toBe(false);
  expect(events.at(-1)).toEqual({ kind: 'resumed' });
});

test('a probe answered 429 closes the gate again before it lets the others go', async () => {
  gate.pause(1000);
  await clock.advance(1000);
  expect(gate.pass()).toBe(true);
  const waiting = gate.blocked();
  gate.pause(5000); // the probe's 429, reported before probeDone
  gate.probeDone();
  await clock.run(waiting as Promise<void>);
  expect(gate.blocked()).toBeInstanceOf(Promise); // still paused: the next probe goes after 5 s
});

test('waiting for the probe can be cancelled', async () => {
  gate.pause(10);
  await clock.advance(10);
  gate.pass();
  const ac = new AbortController();
  const w = gate.blocked(ac.signal);
  ac.abort();
  await expect(w).rejects.toMatchObject({ code: 'interrupted' });
});
