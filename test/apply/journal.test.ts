import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executePlan } from '../../src/apply/executor.js';
import { DEFAULT_JOURNAL_PATH, defaultJournalPath, endOpenJournals, openJournal } from '../../src/apply/journal.js';
import { MemoryApi, serverError } from './memory-api.js';
import { seedAccount, seedPlan } from './plans.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'acns-journal-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const readLines = (p: string): Record<string, unknown>[] =>
  readFileSync(p, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const HTTP: Record<string, string> = {
  createNameserver: 'POST',
  setZoneNameservers: 'PATCH',
  setAccountDefault: 'PUT',
};

describe('journal', () => {
  test('endOpenJournals ends every journal still open with apply_end, and leaves closed ones alone', () => {
    const open = join(tmp(), 'open.jsonl');
    const closed = join(tmp(), 'closed.jsonl');
    const a = openJournal(open);
    a.event('apply_start', { plan: 'plan.json' });
    const b = openJournal(closed);
    b.event('apply_end', { exit_code: 0 });
    b.close();
    endOpenJournals({ exit_code: 130, error: 'interrupted_twice' });
    expect(readLines(open).map((l) => l.event)).toEqual(['apply_start', 'apply_end']);
    expect(readLines(open).at(-1)).toMatchObject({ exit_code: 130, error: 'interrupted_twice' });
    expect(readLines(closed)).toHaveLength(1);
    a.event('late', {}); // closed by endOpenJournals: nothing more is written
    expect(readLines(open)).toHaveLength(2);
  });

  test('one line per request (tagged with its step) and per step outcome, no credentials', async () => {
    const path = join(tmp(), 'deep', 'er', 'journal.jsonl'); // parent dirs are created
    const journal = openJournal(path);
    const api = seedAccount(new MemoryApi()).fail('setZoneNameservers', 'b.example', () => serverError('boom'));
    api.onCall = (c) =>
      journal.request({
        method: HTTP[c.method] ?? 'GET',
        path: `/accounts/x/${c.method}/${c.target}?token=sekrit&page=1`,
        status: 200,
        rayId: '8f1c-LHR',
        durationMs: 12.4,
      });
    journal.event('apply_start', {
      plan: 'plan.json',
      api_token: 'sekrit',
      nested: { Authorization: 'Bearer sekrit', ok: 1 },
    });
    await executePlan(seedPlan(), api, {
      checkGlue: async () => ({ blocking: false, verdict: 'ok' }),
      onStepDone: (r) => journal.step(r),
    });
    journal.event('apply_end', { exit_code: 1 });
    journal.close();
    journal.close(); // idempotent

    const text = readFileSync(path, 'utf8');
    expect(text).not.toMatch(/sekrit|Bearer|authorization/i);
    const lines = readLines(path);
    for (const l of lines) expect(new Date(l.time as string).toISOString()).toBe(l.time);

    const requests = lines.filter((l) => l.type === 'request');
    expect(requests.find((r) => r.method === 'POST')).toMatchObject({
      step: 'create_nameserver:ns1.example.com',
      path: '/accounts/x/createNameserver/ns1.example.com?page=1',
      status: 200,
      ray_id: '8f1c-LHR',
      duration_ms: 12,
    });
    expect(
      requests
        .filter((r) => r.method === 'PATCH')
        .map((r) => r.step)
        .sort(),
    ).toEqual(['assign_zone:a.example', 'assign_zone:b.example', 'assign_zone:legacy.example']);

    const steps = lines.filter((l) => l.type === 'step');
    expect(steps).toHaveLength(7);
    expect(steps.find((s) => s.step === 'assign_zone:b.example')).toMatchObject({
      outcome: 'failed',
      error: { code: 'cloudflare_api', message: 'boom', status: 500, cfCodes: [1000] },
    });
    expect(steps.find((s) => s.step === 'glue_check:1')).toMatchObject({ outcome: 'done', glue_verdict: 'ok' });

    expect(lines[0]).toMatchObject({
      type: 'event',
      event: 'apply_start',
      plan: 'plan.json',
      nested: { ok: 1 },
      step: null,
    });
    expect(lines.at(-1)).toMatchObject({ type: 'event', event: 'apply_end', exit_code: 1 });
  });

  test('appends: a second run adds lines and keeps the first', () => {
    const path = join(tmp(), 'j.jsonl');
    for (const n of [1, 2]) {
      const j = openJournal(path);
      j.event('run', { n });
      j.close();
    }
    expect(readLines(path).map((l) => l.n)).toEqual([1, 2]);
  });

  test('an unwritable location is a clear AcnsError', () => {
    const file = join(tmp(), 'file');
    openJournal(file).close();
    expect(() => openJournal(join(file, 'sub', 'j.jsonl'))).toThrow(
      expect.objectContaining({ code: 'journal_unwritable', hint: expect.stringContaining('--journal') }),
    );
  });

  test('the default lives under the working directory', () => {
    expect(DEFAULT_JOURNAL_PATH).toBe('.acns/journal.jsonl');
    expect(defaultJournalPath('/srv/repo')).toBe('/srv/repo/.acns/journal.jsonl');
  });
});
