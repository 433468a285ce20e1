/**
 * Start-up cost: what `acns --version` loads is the static import graph of cli/main.ts; what any
 * command loads before its action runs adds the graph of cli/program.ts. The heavy packages (HTTP
 * client, YAML parser, schema compiler, DNS wire format, progress bars) must only be reached through
 * `await import()` inside an action.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Value imports only: `import type` and `export type` are erased, dynamic imports are lazy. */
function staticImports(file: string): { local: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/^(?:import|export)\s+(?!type\b)[^'";]*?\bfrom\s+'([^']+)'|^import\s+'([^']+)'/gm),
  ].map((m) => (m[1] ?? m[2]) as string);
  const local = specs
    .filter((s) => s.startsWith('.'))
    .map((s) => normalize(join(dirname(file), s.replace(/\.js$/, '.ts'))));
  const packages = specs.filter((s) => !s.startsWith('.') && !s.startsWith('node:'));
  return { local, packages };
}

function eagerGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (f: string): void => {
    if (files.has(f)) return;
    files.add(f);
    const { local, packages: pk } = staticImports(f);
    for (const p of pk) packages.add(p);
    for (const l of local) visit(l);
  };
  visit(entry);
  return { files, packages };
}

test('acns --version loads no package and no command definition', () => {
  const main = eagerGraph(join(SRC, 'cli', 'main.ts'));
  expect(main.packages).toEqual(new Set());
  expect([...main.files].map((f) => f.slice(SRC.length + 1)).sort()).toEqual([
    'cli/main.ts',
    'cli/version.ts',
    'package-root.ts',
  ]);
  // the commands come with a dynamic import, after the --version answer
  expect(readFileSync(join(SRC, 'cli', 'main.ts'), 'utf8')).toMatch(/await import\('\.\/program\.js'\)/);
});

describe('start-up loads only the command definitions', () => {
  const graph = eagerGraph(join(SRC, 'cli', 'program.ts'));

  test('the only packages loaded before an action runs are commander and the one-file string distance', () => {
    // fastest-levenshtein (a few kilobytes) comes with the words used in every error message
    expect([...graph.packages].sort()).toEqual(['commander', 'fastest-levenshtein']);
  });

  test('no operation, API client, DNS code, emulator or renderer is loaded eagerly', () => {
    const heavy = [...graph.files]
      .map((f) => f.slice(SRC.length + 1))
      .filter((f) =>
        /^(operations\/(?!session\.ts)|cloudflare\/(?!credentials\.ts)|dns|emulator\/|render|plan|state)/.test(f),
      );
    expect(heavy).toEqual([]);
  });

  test('the scan sees through type-only imports but not through value imports', () => {
    // The check above would pass vacuously if the scanner found nothing: program.ts must reach commander.
    expect([...graph.files].some((f) => f.endsWith(join('cli', 'program.ts')))).toBe(true);
    expect([...graph.files].some((f) => f.endsWith(join('cli', 'commands', 'apply.ts')))).toBe(true);
  });
});

test('the built acns answers --version and -V with the package version; other flags still parse', () => {
  const main = join(SRC, '..', 'dist', 'cli', 'main.js');
  const { version } = JSON.parse(readFileSync(join(SRC, '..', 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = spawnSync(process.execPath, [main, flag], { encoding: 'utf8' });
    expect({ code: r.status, out: r.stdout, err: r.stderr }).toEqual({ code: 0, out: `${version}\n`, err: '' });
  }
  // not the short cut: commander still owns every other command line
  const typo = spawnSync(process.execPath, [main, '--versio'], { encoding: 'utf8' });
  expect(typo.status).toBe(1);
  expect(typo.stderr).toMatch(/--versio/);
});
