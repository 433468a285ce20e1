/**
 * Hostile and mangled input: the loader always returns either a desired state or positioned
 * errors; it never throws and never hangs.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDesiredState, loadDesiredStateFromString } from '../../src/config/load.js';
import type { LoadResult } from '../../src/config/types.js';
import { mulberry32 as prng } from '../support/prng.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = ['minimal', 'two-sets', 'account-default'].map((n) =>
  readFileSync(join(ROOT, 'examples', `${n}.yaml`), 'utf8'),
);

const SCALARS = [
  '1',
  '0',
  '6',
  '-1',
  'standard',
  'advanced',
  'custom.account',
  'true',
  '"yes"',
  '~',
  '',
  '[]',
  '{}',
  'localhost',
  '1.2.3.4',
  'Ns1.EXAMPLE.com.',
  'bücher.example',
  '&a x',
  '*a',
  '*nope',
  "'",
  '"',
  '[',
  '{',
  '? x',
  '!!binary aGk=',
  '0x1F',
  '1e9',
  '12345678901234567890123456789012',
  'ns_1.example.net',
  '<<: {}',
  ':',
];

function mutate(src: string, rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  let lines = src.split('\n');
  const rounds = 1 + Math.floor(rnd() * 3);
  for (let r = 0; r < rounds; r++) {
    const i = Math.floor(rnd() * lines.length);
    switch (Math.floor(rnd() * 7)) {
      case 0: // delete a line
        lines.splice(i, 1);
        break;
      case 1: // duplicate a line
        lines.splice(i, 0, lines[i] ?? '');
        break;
      case 2: // change a scalar after a colon, or a list item
        lines[i] = (lines[i] ?? '').replace(/(:\s+|-\s+|\[)([^#\n,\]]*)/, (_m, p: string) => `${p}${pick(SCALARS)}`);
        break;
      case 3: // break indentation
        lines[i] =
          rnd() < 0.5
            ? ' '.repeat(1 + Math.floor(rnd() * 5)) + (lines[i] ?? '')
            : (lines[i] ?? '').replace(/^\s+/, rnd() < 0.5 ? '' : '\t');
        break;
      case 4: {
        // random bytes (any code unit, including control characters and lone surrogates)
        const l = lines[i] ?? '';
        const at = Math.floor(rnd() * (l.length + 1));
        let junk = '';
        for (let k = 0, n = 1 + Math.floor(rnd() * 8); k < n; k++)
          junk += String.fromCharCode(Math.floor(rnd() * (rnd() < 0.8 ? 128 : 0xffff)));
        lines[i] = l.slice(0, at) + junk + l.slice(at);
        break;
      }
      case 5: // swap two lines
        {
          const j = Math.floor(rnd() * lines.length);
          [lines[i], lines[j]] = [lines[j], lines[i]];
        }
        break;
      default: // truncate the file
        lines = lines.slice(0, i);
    }
  }
  return lines.filter((l) => l !== undefined).join('\n');
}

function expectWellFormed(res: LoadResult, src: string): void {
  if (res.ok) {
    expect(Array.isArray(res.state.sets)).toBe(true);
    expect(Array.isArray(res.state.zones)).toBe(true);
    expect(res.state.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    return;
  }
  expect(res.errors.length).toBeGreaterThan(0);
  const lineCount = src.split('\n').length;
  for (const e of res.errors) {
    expect(e.file).toBe('m.yaml');
    expect(Number.isInteger(e.line) && e.line >= 1 && e.line <= lineCount + 1).toBe(true);
    expect(Number.isInteger(e.col) && e.col >= 1).toBe(true);
    expect(e.message).toMatch(/\S — \S/);
  }
}

describe('robustness', () => {
  test('1,000 seeded random mutations of the examples never throw', () => {
    const rnd = prng(20240601);
    let valid = 0;
    let invalid = 0;
    for (let n = 0; n < 1000; n++) {
      const src = mutate(EXAMPLES[n % EXAMPLES.length], rnd);
      let res: LoadResult;
      try {
        res = loadDesiredStateFromString(src, 'm.yaml', { cwd: '/', env: {} });
      } catch (e) {
        throw new Error(`mutation ${n} threw ${String(e)} for:\n${src}`);
      }
      expectWellFormed(res, src);
      if (res.ok) valid++;
      else invalid++;
    }
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    expect(valid).toBeGreaterThan(20);
    expect(invalid).toBeGreaterThan(500);
  });

  test.each([
    [
      'binary garbage',
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('latin1'),
      'binary',
    ],
    ['deep flow nesting', `version: 1\nzones: ${'['.repeat(100000)}${']'.repeat(100000)}\n`, 'nested'],
    ['deep block nesting', Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'), 'nested'],
    [
      'alias bomb',
      'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n' +
        'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n' +
        'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n',
      'aliases expand',
    ],
    ['recursive alias', 'version: 1\nzones: &z {a.example: *z}\n', 'refers to a value that contains it'],
    ['a mapping as a key', 'version: 1\n? [a, b]\n: 1\n', 'used as a key'],
    ['a lone scalar', 'hello\n', 'mapping'],
    ['only a dash', '-\n', 'mapping'],
    ['__proto__ key', 'version: 1\n__proto__: {polluted: true}\n', 'unknown key "__proto__"'],
  ])('%s', (_name, src, word) => {
    const res = loadDesiredStateFromString(src, 'm.yaml', { cwd: '/', env: {} });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expectWellFormed(res, src);
    expect(res.errors.map((e) => e.message).join('\n')).toContain(word);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a cascade of YAML syntax errors is cut after 20, with a count of the rest', () => {
    const src = Array.from({ length: 200 }, (_, i) => `k${i}: "a\n: ] : ] ,`).join('\n');
    const res = loadDesiredStateFromString(src, 'm.yaml', { cwd: '/', env: {} });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expectWellFormed(res, src);
    expect(res.errors).toHaveLength(21);
    expect(res.errors.some((e) => /\d+ more YAML syntax errors not shown/.test(e.message))).toBe(true);
    for (const e of res.errors) expect(e.message.length).toBeLessThan(300);
  });

  describe('files', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'acns-config-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const load = (name: string) => loadDesiredState(name, { cwd: dir, env: {} });
    const only = async (name: string) => {
      const res = await load(name);
      expect(res.ok).toBe(false);
      if (res.ok) return { file: '', line: 0, col: 0, message: '' };
      expect(res.errors).toHaveLength(1);
      return res.errors[0];
    };

    test('a missing file', async () => {
      expect(await only('nope.yaml')).toMatchObject({
        file: 'nope.yaml',
        line: 1,
        col: 1,
        message: expect.stringContaining('file not found'),
      });
    });
    test('a directory', async () => {
      expect((await only('.')).message).toContain('is a directory');
    });
    test('a 50 MB file is refused without being read', async () => {
      writeFileSync(join(dir, 'big.yaml'), '');
      truncateSync(join(dir, 'big.yaml'), 50 * 1024 * 1024);
      const d = await only('big.yaml');
      expect(d.message).toContain('50.0 MB');
      expect(d.message).toContain('up to 10 MB');
    });
    test('invalid UTF-8 is reported at its line', async () => {
      writeFileSync(
        join(dir, 'latin1.yaml'),
        Buffer.concat([
          Buffer.from('version: 1\nzones:\n  caf'),
          Buffer.from([0xe9]),
          Buffer.from('.example: standard\n'),
        ]),
      );
      expect(await only('latin1.yaml')).toMatchObject({
        line: 3,
        col: 6,
        message: expect.stringContaining('not valid UTF-8'),
      });
    });
    test('UTF-16 is refused', async () => {
      writeFileSync(
        join(dir, 'u16.yaml'),
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('version: 1\n', 'utf16le')]),
      );
      expect((await only('u16.yaml')).message).toContain('UTF-16');
    });
    test('a UTF-8 byte-order mark is accepted', async () => {
      writeFileSync(join(dir, 'bom.yaml'), `\ufeffversion: 1\n`);
      expect((await load('bom.yaml')).ok).toBe(true);
    });
    test('a file without read permission', async () => {
      const f = join(dir, 'secret.yaml');
      writeFileSync(f, 'version: 1\n');
      chmodSync(f, 0o000);
      const res = await load('secret.yaml');
      if (process.getuid?.() === 0) {
        expect(res.ok).toBe(true); // root reads anyway
      } else {
        expect(res.ok).toBe(false);
        if (!res.ok) expect(res.errors[0].message).toContain('permission denied');
      }
      chmodSync(f, 0o600);
    });
    test('a 10,000-zone file validates', async () => {
      const lines = [
        'version: 1',
        'nameserver_sets:',
        '  1: {names: [ns1.example.com, ns2.example.com]}',
        '  2: {names: [ns1.example.net, ns2.example.net]}',
        'zones:',
      ];
      for (let i = 0; i < 5000; i++) lines.push(`  z${i}.example.org: 1`, `  sub.z${i}.example.org: 2`);
      writeFileSync(join(dir, 'big-ok.yaml'), `${lines.join('\n')}\n`);
      const res = await load('big-ok.yaml');
      expect(res.ok).toBe(true);
      if (res.ok) expect(res.state.zones).toHaveLength(10000);
    });
  });
});
