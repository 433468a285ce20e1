/**
 * The docs stay true to the CLI: every flag a command has is in docs/commands.md and in the
 * README's command table, and no command example runs a bare `npx acns` (which would ask the
 * registry for someone else's package named acns).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/cli/program.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');
const COMMANDS = ['validate', 'plan', 'apply', 'show', 'drift', 'glue', 'import', 'doctor', 'emulator'];

/** The flags `acns <command> --help` lists: each as its forms, [long] or [short, long]. */
async function cliFlags(command: string): Promise<string[][]> {
  let out = '';
  await run([command, '--help'], {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: () => true },
    env: {},
    cwd: ROOT,
  });
  const options = out.slice(out.indexOf('Options:'));
  return [...options.matchAll(/^ {2}(?:(-\w), )?(--[a-z][a-z-]*)/gm)]
    .map((m) => m.slice(1).filter((f): f is string => f !== undefined))
    .filter((forms) => !forms.includes('--help'));
}

/** The usage block of a command in docs/commands.md: the fenced lines after its `## \`acns X\`` heading. */
function usage(doc: string, command: string): string {
  const start = doc.indexOf(`## \`acns ${command}\``);
  expect(start).toBeGreaterThan(-1);
  const fence = doc.indexOf('```', start);
  return doc.slice(fence + 3, doc.indexOf('```', fence + 3));
}

/** The README's table row for a command. */
function readmeRow(readme: string, command: string): string {
  const row = readme.split('\n').find((l) => l.startsWith(`| \`acns ${command}`));
  expect(row).toBeDefined();
  return row as string;
}

/** A flag is shown in either of its forms (usage lines use `-c FILE`, tables `--config`). */
const hasFlag = (text: string, forms: string[]): boolean =>
  forms.some((f) => new RegExp(`(^|[\\s\\[|(])${f.replace(/-/g, '\\-')}(?![\\w-])`).test(text));

test.each(COMMANDS)('acns %s: every flag is in docs/commands.md and in the README table', async (command) => {
  const flags = await cliFlags(command);
  expect(flags.length).toBeGreaterThan(0);
  const doc = usage(read('docs/commands.md'), command);
  const row = readmeRow(read('README.md'), command);
  expect(flags.filter((f) => !hasFlag(doc, f))).toEqual([]);
  expect(flags.filter((f) => !hasFlag(row, f))).toEqual([]);
});

test("the README's command table keeps two columns: every | inside a cell is escaped", () => {
  const rows = read('README.md')
    .split('\n')
    .filter((l) => l.startsWith('| `acns '));
  expect(rows.length).toBeGreaterThanOrEqual(COMMANDS.length);
  for (const r of rows) expect({ r, cells: r.split(/(?<!\\)\|/).length - 2 }).toEqual({ r, cells: 2 });
});

test('no command example runs a bare `npx acns`', () => {
  const files = [
    'README.md',
    'CONTRIBUTING.md',
    ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`),
    ...readdirSync(join(ROOT, 'examples'), { recursive: true })
      .map(String)
      .filter((f) => /\.(ya?ml|md)$/.test(f))
      .map((f) => `examples/${f}`),
  ];
  const bare = /\bnpx\s+(?!--no-install\b)(?:-\S+\s+)*acns\b/;
  const offenders: string[] = [];
  for (const f of files) {
    const text = read(f);
    // In Markdown, only commands count: fenced blocks and inline code that is not a warning about it.
    const commands = f.endsWith('.md')
      ? [...text.matchAll(/```[\s\S]*?```/g)].map((m) => m[0])
      : text.split('\n').filter((l) => !l.trimStart().startsWith('#'));
    for (const c of commands) if (bare.test(c)) offenders.push(`${f}: ${c.match(bare)?.[0]}`);
  }
  expect(offenders).toEqual([]);
});
