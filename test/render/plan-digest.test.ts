/** The plan_digest seal: a saved plan edited after `acns plan` wrote it is refused (exit 3). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/program.js';
import type { CliIO } from '../../src/cli/io.js';
import { TEST_RETRY_BACKOFF } from '../support/retry.js';
import { AcnsError } from '../../src/errors.js';
import {
  documentToPlan,
  parsePlanFile,
  PlanFileError,
  PlanModifiedError,
  encodePlanFile,
} from '../../src/plan/planfile.js';
import { reseal } from './reseal.js';
import { META, richPlan } from './rich.js';

type Doc = Record<string, unknown> & { steps: Record<string, unknown>[]; guards: unknown[] };

const written = encodePlanFile(richPlan(), META);
const fresh = (): Doc => JSON.parse(written) as Doc;
const CHANGED = new RegExp(
  /^plan\.json was changed after `acns plan` wrote it \(its plan_digest does not match its content\); /.source +
    /a reviewed plan must be applied exactly as reviewed — run `acns plan -o plan\.json` again$/.source,
);

function refusal(doc: unknown): AcnsError {
  try {
    documentToPlan(doc, 'plan.json');
  } catch (e) {
    return e as AcnsError;
  }
  throw new Error('the document was accepted');
}

/** Same content, other key order at every depth. */
function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, reverseKeys(x)]),
    );
  return v;
}

describe('plan_digest', () => {
  test('a plan as written carries a sha256 of its canonical form, and the documented algorithm reproduces it', () => {
    const doc = fresh();
    expect(doc.plan_digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(reseal(doc).plan_digest).toBe(doc.plan_digest);
  });

  test('an untouched plan is accepted', () => {
    expect(parsePlanFile(written, 'plan.json').plan).toEqual(richPlan());
  });

  test('other key order and whitespace of the same document are accepted (canonical form)', () => {
    const doc = fresh();
    const reordered = JSON.stringify(reverseKeys(doc), null, '\t');
    expect(Object.keys(JSON.parse(reordered))[0]).toBe('plan_digest');
    expect(parsePlanFile(reordered, 'plan.json').plan).toEqual(richPlan());
    expect(parsePlanFile(JSON.stringify(doc), 'plan.json').plan).toEqual(richPlan());
  });

  test.each<[string, (d: Doc) => void]>([
    [
      'safe: true, guards: [] on an unsafe plan',
      (d) => {
        expect(d.safe).toBe(false);
        d.safe = true;
        d.guards = [];
      },
    ],
    [
      'only safe flipped',
      (d) => {
        d.safe = true;
      },
    ],
    [
      'one guard dropped',
      (d) => {
        d.guards = d.guards.slice(1);
      },
    ],
    [
      "a step's after changed",
      (d) => {
        const step = d.steps.find((s) => s.kind === 'assign_zone' && (s.after as { set?: number }).set === 1)!;
        step.after = { type: 'custom.account', set: 2 };
      },
    ],
    [
      'a step removed',
      (d) => {
        d.steps = d.steps.slice(0, -1);
      },
    ],
    [
      'the account changed',
      (d) => {
        d.account_id = '0123456789abcdef0123456789abcdef';
      },
    ],
    [
      'the digest itself replaced',
      (d) => {
        d.plan_digest = `sha256:${'0'.repeat(64)}`;
      },
    ],
  ])('edited (%s): refused, code plan_modified, exit 3', (_what, edit) => {
    const doc = fresh();
    edit(doc);
    const e = refusal(doc);
    expect(e).toBeInstanceOf(PlanModifiedError);
    expect(e).toBeInstanceOf(AcnsError);
    expect(e).not.toBeInstanceOf(PlanFileError);
    expect(e.code).toBe('plan_modified');
    expect(e.exitCode).toBe(3);
    expect(e.message).toMatch(CHANGED);
    expect(e.hint).toMatch(/^nothing was changed; .*never edit a plan file by hand$/);
    // through the text parser too
    expect(() => parsePlanFile(JSON.stringify(doc, null, 2), 'plan.json')).toThrow(CHANGED);
  });

  test('plan_digest removed: refused with exit 3 and says it is missing', () => {
    const { plan_digest: _gone, ...doc } = fresh();
    const e = refusal(doc);
    expect(e.code).toBe('plan_modified');
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      'plan.json was changed after `acns plan` wrote it (it has no plan_digest); ' +
        'a reviewed plan must be applied exactly as reviewed — ' +
        'run `acns plan -o plan.json` again',
    );
  });

  test('an unknown format_version is still reported as such (checked before the digest)', () => {
    const e = refusal({ ...fresh(), format_version: 99 });
    expect(e.code).toBe('plan_file');
    expect(e.message).toContain('format_version 99 unknown');
  });

  test('a plan of the previous format says an older acns wrote it and how to go on', () => {
    const e = refusal({ ...fresh(), format_version: 1 });
    expect(e.code).toBe('plan_file');
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe('plan.json was written by an older acns (plan format 1); this acns reads format 2');
    expect(e.hint).toContain('acns plan -o <planfile>');
  });
});

describe('acns apply / show of an edited plan file (in-process CLI, no network)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'acns-digest-'));
    const edited = fresh();
    edited.safe = true;
    edited.guards = [];
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(edited, null, 2));
    writeFileSync(join(dir, 'plan.json'), written);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function cli(): { io: CliIO; stdout: () => string; stderr: () => string } {
    const out: string[] = [];
    const err: string[] = [];
    const env = {
      CLOUDFLARE_API_TOKEN: 'test-token-never-used',
      CLOUDFLARE_BASE_URL: 'http://127.0.0.1:9/client/v4',
      NO_COLOR: '1',
    };
    const io: CliIO = {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      env,
      cwd: dir,
      retryBackoff: TEST_RETRY_BACKOFF,
    };
    return { io, stdout: () => out.join(''), stderr: () => err.join('') };
  }

  test('apply edited.json (unsafe plan made to look safe): exit 3, the message, nothing sent', async () => {
    const c = cli();
    expect(await run(['apply', 'edited.json', '--journal', join(dir, 'journal.jsonl')], c.io)).toBe(3);
    expect(c.stderr()).toContain(
      'error: edited.json was changed after `acns plan` wrote it (its plan_digest does ' +
        'not match its content); a reviewed plan must be applied exactly as reviewed — ' +
        'run `acns plan -o edited.json` again',
    );
    expect(c.stderr()).toContain('hint: nothing was changed;');
    expect(c.stderr()).not.toContain('could not reach');
    expect(c.stderr()).not.toContain('test-token-never-used');
  });

  test('show edited.json refuses the same way; show of the untouched plan works', async () => {
    const bad = cli();
    expect(await run(['show', 'edited.json'], bad.io)).toBe(3);
    expect(bad.stderr()).toContain('edited.json was changed after `acns plan` wrote it');
    expect(bad.stdout()).toBe('');
    const ok = cli();
    expect(await run(['show', 'plan.json', '--format', 'json'], ok.io)).toBe(0);
    expect(parsePlanFile(ok.stdout(), 'shown.json').plan).toEqual(richPlan()); // re-rendered, sealed again
  });
});
