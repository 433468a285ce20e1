import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unfinishedRun } from '../../src/apply/journal.js';
import { acquireApplyLock } from '../../src/apply/lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'acns-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('acquireApplyLock', () => {
  test('holds pid, host and time; refuses a second holder; release removes only its own lock', () => {
    const path = join(dir, 'j.jsonl.lock');
    const now = () => new Date('2026-01-01T00:00:00Z');
    const a = acquireApplyLock(path, { plan: 'plan.json' }, { pid: 10, host: 'h', now });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      pid: 10,
      host: 'h',
      started_at: '2026-01-01T00:00:00.000Z',
      plan: 'plan.json',
    });
    expect(() => acquireApplyLock(path, {}, { pid: 11, host: 'h', alive: () => true })).toThrow(
      new RegExp(
        /another acns apply is running in this directory /.source +
          /\(pid 10 on h, since 2026-01-01T00:00:00\.000Z, applying plan\.json\)/.source,
      ),
    );
    a.release();
    const b = acquireApplyLock(path, {}, { pid: 11, host: 'h' });
    a.release(); // not a's any more: stays
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(11);
    b.release();
  });

  test('a dead process of this host is taken over; another host’s lock never is', () => {
    const path = join(dir, 'j.jsonl.lock');
    writeFileSync(path, JSON.stringify({ pid: 10, host: 'h', started_at: 't' }));
    const taken = acquireApplyLock(path, {}, { pid: 11, host: 'h', alive: () => false });
    expect(taken.replaced).toEqual({ pid: 10, host: 'h', started_at: 't' });
    taken.release();
    writeFileSync(path, JSON.stringify({ pid: 10, host: 'other', started_at: 't' }));
    expect(() => acquireApplyLock(path, {}, { pid: 11, host: 'h', alive: () => false })).toThrow(/pid 10 on other/);
  });
});

describe('unfinishedRun', () => {
  const start = { type: 'event', event: 'apply_start', time: 'T', plan: 'p.json' };
  const send = (step: string) => ({ type: 'sending', step, method: 'DELETE', path: `/x/${step}`, attempt: 1 });
  const answer = (step: string) => ({ type: 'request', step, method: 'DELETE', path: `/x/${step}`, status: 200 });
  const text = (lines: object[], tail = '') => `${lines.map((l) => JSON.stringify(l)).join('\n')}\n${tail}`;

  test('only the last run counts; an ended run is not reported; a line cut short is skipped', () => {
    const end = { type: 'event', event: 'apply_end', exit_code: 0 };
    expect(unfinishedRun(text([start, send('a'), end]))).toBeUndefined();
    expect(unfinishedRun(text([start, end, start, send('a'), answer('a'), send('b')], '{"type":"requ'))).toEqual({
      startedAt: 'T',
      plan: 'p.json',
      inFlight: [{ method: 'DELETE', path: '/x/b', step: 'b' }],
    });
    expect(unfinishedRun('')).toBeUndefined();
  });

  test('a run a second Ctrl-C cut short has its apply_end, and is still reported with its writes in flight', () => {
    const cut = { type: 'event', event: 'apply_end', exit_code: 130, error: 'interrupted_twice' };
    expect(unfinishedRun(text([start, send('a'), cut]))).toEqual({
      startedAt: 'T',
      interrupted: true,
      plan: 'p.json',
      inFlight: [{ method: 'DELETE', path: '/x/a', step: 'a' }],
    });
    const graceful = { type: 'event', event: 'apply_end', exit_code: 130 };
    expect(unfinishedRun(text([start, send('a'), answer('a'), graceful]))).toBeUndefined();
  });
});
