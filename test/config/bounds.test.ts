/**
 * Bounded work on bad input: a file with a huge number of problems lists the first MAX_PROBLEMS
 * by position and counts the rest, holds no more than that many messages, and completes within a
 * small heap.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/program.js';
import { loadDesiredStateFromString } from '../../src/config/load.js';
import { MAX_PROBLEMS, Problems } from '../../src/config/problems.js';
import { SCHEMA_CHUNK } from '../../src/config/schema.js';
import type { Diagnostic } from '../../src/config/types.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SETS = 'nameserver_sets:\n  1:\n    names: [ns1.example.com, ns2.example.com]\n';

/** `n` zone lines, each with two problems: an invalid name (underscore) and a set that does not exist. */
function badZones(n: number): string {
  const lines = ['version: 1', 'zones:'];
  for (let i = 0; i < n; i++) lines.push(`  _${i.toString(36)}.b: 9`);
  return `${lines.join('\n')}\n`;
}

const d = (line: number, message = `p${line}`): Diagnostic => ({ file: 'f', line, col: 1, message });

describe('Problems', () => {
  test('keeps the first problems by position whatever the order they are found in, and counts the rest', () => {
    const p = new Problems(3);
    for (const line of [9, 4, 7, 1, 8, 2, 6, 3, 5]) p.add(d(line));
    const r = p.result();
    expect(r.errors.map((e) => e.line)).toEqual([1, 2, 3]);
    expect(r.omitted).toBe(6);
  });
  test('past the listed ones, a problem is only counted (wants says so before its message is built)', () => {
    const p = new Problems(2);
    for (const line of [1, 2, 3, 4]) p.add(d(line)); // a trim at 2 × limit fixes the cut-off at line 2
    expect(p.wants({ line: 1, col: 1 })).toBe(true);
    expect(p.wants({ line: 9, col: 1 })).toBe(false);
    p.count(10);
    expect(p.result()).toEqual({ errors: [d(1), d(2)], omitted: 12 });
  });
  test('the same message at the same place is one problem; environment problems come first', () => {
    const p = new Problems();
    p.add(d(5));
    p.add(d(5));
    p.add({ ...d(1), source: 'environment' });
    const r = p.result();
    expect(r.errors.map((e) => [e.line, e.source ?? 'file'])).toEqual([
      [1, 'environment'],
      [5, 'file'],
    ]);
    expect(r.omitted).toBe(0);
  });
});

describe('a file with many problems', () => {
  test(`lists the first ${MAX_PROBLEMS} by position and counts every other one`, () => {
    const res = loadDesiredStateFromString(badZones(5000), 'big.yaml', { cwd: '/', env: {} });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors).toHaveLength(MAX_PROBLEMS);
    expect(res.omitted).toBe(2 * 5000 - MAX_PROBLEMS);
    expect(res.errors[0]).toMatchObject({ line: 3, col: 3 });
    expect(res.errors.at(-1)!.line).toBe(2 + MAX_PROBLEMS / 2);
    const lines = res.errors.map((e) => e.line * 1000 + e.col);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  test('zones checked in slices find every problem of a long zones mapping, wherever it is', () => {
    const n = 3 * SCHEMA_CHUNK + 7;
    const lines = ['version: 1', ...SETS.trimEnd().split('\n'), 'zones:'];
    for (let i = 0; i < n; i++) lines.push(`  z${i}.example.org: 1`);
    lines[5] = '  first_bad.example: 1'; // line 6
    lines[lines.length - 1] = '  last.example.org: 7'; // the last zone line
    lines.push('  __proto__: {polluted: true}');
    const src = `${lines.join('\n')}\n`;
    const res = loadDesiredStateFromString(src, 'z.yaml', { cwd: '/', env: {} });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors.map((e) => `${e.line}:${e.col}`)).toEqual([
      '6:3',
      `${lines.length - 1}:21`,
      `${lines.length}:3`, // "__proto__" is no zone name…
      `${lines.length}:14`, // …and a mapping no zone target
    ]);
    expect(res.errors[0]!.message).toContain('underscore');
    expect(res.errors[1]!.message).toContain('the number 7');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(res.omitted).toBe(0);
  });

  test('a flood of duplicate keys (found while reading the YAML) is bounded the same way', () => {
    const src = `version: 1\n${'version: 1\n'.repeat(3000)}`;
    const res = loadDesiredStateFromString(src, 'd.yaml', { cwd: '/', env: {} });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors).toHaveLength(MAX_PROBLEMS);
    expect(res.omitted).toBe(2000);
    expect(res.errors[0]).toMatchObject({ line: 2, col: 1, message: expect.stringContaining('duplicate key') });
  });

  test('a flood of YAML syntax errors is counted, not kept', () => {
    const src = Array.from({ length: 50_000 }, (_, i) => (i % 2 ? 'a: ] }' : '- [ ,')).join('\n');
    const res = loadDesiredStateFromString(src, 's.yaml', { cwd: '/', env: {} });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors).toHaveLength(21);
    const more = res.errors.map((e) => /^([\d,]+) more YAML syntax errors not shown/.exec(e.message)).find(Boolean);
    expect(Number(more![1]!.replace(/,/g, ''))).toBeGreaterThan(50_000);
  });

  test('acns validate prints the listed problems, the count of the rest and the total', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acns-bounds-'));
    try {
      writeFileSync(join(dir, 'big.yaml'), badZones(1500));
      let err = '';
      const code = await run(['validate', '-c', 'big.yaml'], {
        stdout: { write: () => true },
        stderr: { write: (s: string) => (err += s) },
        env: {},
        cwd: dir,
      });
      expect(code).toBe(1);
      const lines = err.trimEnd().split('\n');
      expect(lines).toHaveLength(MAX_PROBLEMS + 2);
      expect(lines.at(-2)).toBe('…and 2,000 more not shown — fix the ones above first');
      expect(lines.at(-1)).toBe('3,000 problems found in big.yaml.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // A tenth of the reported 10 MB / 774,000-line case in a tenth of a 1 GB heap. Before the
  // problems were bounded this ran out of memory (it held every message and every ajv error).
  test('80,000 bad lines (1 MB) validate in a child process with a 160 MB heap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'acns-bounds-'));
    try {
      const file = join(dir, 'huge.yaml');
      writeFileSync(file, badZones(80_000));
      const env = { ...process.env };
      delete env.NODE_OPTIONS;
      const child = spawnSync(
        process.execPath,
        ['--max-old-space-size=160', join(ROOT, 'dist/cli/main.js'), 'validate', '-c', file],
        { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      );
      expect(child.signal).toBeNull();
      expect(child.status).toBe(1);
      const lines = child.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(MAX_PROBLEMS + 2);
      expect(lines.at(-2)).toBe('…and 159,000 more not shown — fix the ones above first');
      expect(lines.at(-1)).toBe(`160,000 problems found in ${file}.`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
