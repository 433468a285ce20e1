/**
 * The layer map, checked on the source tree: imports only go down, and no module imports itself
 * back through others. A type two layers need lives in the lower one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Lower numbers are lower layers; a module may import its own layer and any lower one. */
const RANK: Record<string, number> = {
  '.': 0, // src/errors.ts and other single-file helpers every layer may use
  config: 1,
  cloudflare: 2,
  state: 3,
  plan: 4,
  dns: 5,
  apply: 5,
  render: 6,
  emulator: 7,
  operations: 7,
  cli: 8,
  demo: 9,
};
/** Peers that must not know each other: apply gets its glue checker injected. */
const PEERS_APART = [['dns', 'apply']];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:import|export)\b[^'"]*?\bfrom\s+'(\.[^']+)'/g)].map((m) => m[1] as string);
  const dynamic = [...text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1] as string);
  return [...specs, ...dynamic].map((s) => normalize(join(dirname(file), s.replace(/\.js$/, '.ts'))));
}

function layerOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes('/') ? (rel.split('/')[0] as string) : '.';
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('layers', () => {
  test('every folder of src has a place in the layer map', () => {
    expect([...new Set(files.map(layerOf))].filter((l) => RANK[l] === undefined)).toEqual([]);
  });

  test('imports only go down', () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      const from = layerOf(file);
      for (const dep of deps) {
        const to = layerOf(dep);
        const apart = PEERS_APART.some(([a, b]) => (from === a && to === b) || (from === b && to === a));
        if ((RANK[to] as number) > (RANK[from] as number) || apart) {
          upward.push(`${relative(SRC, file)} → ${relative(SRC, dep)}`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  test('no module imports itself back through others', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(SRC, p)).join(' → '));
        return;
      }
      state.set(f, 'visiting');
      for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
