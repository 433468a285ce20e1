/** `acns validate` run in-process through the real CLI program with a fake CliIO. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/program.js';
import type { CliIO } from '../../src/cli/io.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function fakeIO(cwd = ROOT, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    env,
    cwd,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('acns validate', () => {
  test.each([
    ['minimal', '(1 set, 2 names, 1 zone)'],
    ['two-sets', '(2 sets, 4 names, 6 zones)'],
    ['account-default', '(2 sets, 4 names, 6 zones)'],
  ])('examples/%s.yaml is valid: exit 0 and a one-line summary', async (name, summary) => {
    const f = fakeIO();
    expect(await run(['validate', '-c', `examples/${name}.yaml`], f.io)).toBe(0);
    expect(f.stdout()).toBe(`examples/${name}.yaml: valid ${summary}.\n`);
    expect(f.stderr()).toBe('');
  });

  test('an invalid file: exit 1, every problem as FILE:LINE:COL: what — fix, sorted', async () => {
    const f = fakeIO();
    const file = 'test/fixtures/config/many-errors.yaml';
    expect(await run(['validate', '--config', file], f.io)).toBe(1);
    expect(f.stdout()).toBe('');
    const lines = f.stderr().trimEnd().split('\n');
    expect(lines.pop()).toBe(`5 problems found in ${file}.`);
    expect(lines.map((l) => /^(.+?):(\d+):(\d+): /.exec(l)?.slice(1).join(':'))).toEqual([
      `${file}:7:5`,
      `${file}:9:30`,
      `${file}:12:3`,
      `${file}:13:18`,
      `${file}:15:15`,
    ]);
    for (const l of lines) expect(l).toMatch(/ — /);
    expect(lines[0]).toContain('did you mean "registrar"');
    expect(lines[1]).toContain('"localhost"');
    expect(lines[2]).toContain('parent zone example.org (line 11)');
    expect(lines[3]).toContain('set 4');
    expect(lines[4]).toContain('enforce, warn, off');
  });

  test('warnings go to stderr and the file stays valid', async () => {
    const f = fakeIO();
    expect(await run(['validate', '-c', 'test/fixtures/config/unused-small-set.yaml'], f.io)).toBe(0);
    expect(f.stderr()).toBe(
      'test/fixtures/config/unused-small-set.yaml:6:3: warning: ' +
        'set 2 has 1 name and nothing uses it — ' +
        'a set needs 2 to 5 distinct names before a zone can use it\n',
    );
    expect(f.stdout()).toContain('valid (2 sets, 3 names, 1 zone)');
  });

  test('defaults to acns.yaml in the working directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acns-validate-'));
    try {
      const f = fakeIO(dir);
      expect(await run(['validate'], f.io)).toBe(1);
      expect(f.stderr()).toContain('acns.yaml:1:1: file not found — ');
      expect(f.stderr()).not.toMatch(/\n\s+at /); // never a stack trace
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a directory instead of a file', async () => {
    const f = fakeIO();
    expect(await run(['validate', '-c', 'examples'], f.io)).toBe(1);
    expect(f.stderr()).toContain('examples:1:1: is a directory');
  });

  test('an invalid CLOUDFLARE_ACCOUNT_ID is reported without echoing it', async () => {
    const f = fakeIO(ROOT, { CLOUDFLARE_ACCOUNT_ID: 'secret-looking-value' });
    expect(await run(['validate', '-c', 'examples/minimal.yaml'], f.io)).toBe(1);
    expect(f.stderr()).toContain('CLOUDFLARE_ACCOUNT_ID is not a Cloudflare account id');
    expect(f.stderr()).not.toContain('secret-looking-value');
  });

  test('--help describes the command', async () => {
    const f = fakeIO();
    expect(await run(['validate', '--help'], f.io)).toBe(0);
    expect(f.stdout()).toContain('-c, --config <file>');
  });
});
