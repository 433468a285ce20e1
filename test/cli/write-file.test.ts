import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/cli/write-file.js';
import { AcnsError } from '../../src/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'acns-write-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<AcnsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AcnsError);
    return e as AcnsError;
  }
  throw new Error('expected a failure');
}

test('writes the whole file and leaves no temp file', async () => {
  await writeFileAtomic('plan.json', dir, '{"a":1}\n', 'the plan');
  expect(await readFile(join(dir, 'plan.json'), 'utf8')).toBe('{"a":1}\n');
  expect(await readdir(dir)).toEqual(['plan.json']);
});

test('replaces an existing file', async () => {
  await writeFile(join(dir, 'plan.json'), 'old');
  await writeFileAtomic('plan.json', dir, 'new', 'the plan');
  expect(await readFile(join(dir, 'plan.json'), 'utf8')).toBe('new');
});

test('a directory given as the file: a clear error with a file name to use, nothing left behind', async () => {
  await mkdir(join(dir, 'out'));
  const e = await failure(writeFileAtomic('out', dir, 'x', 'the plan'));
  expect(e.message).toBe('cannot write the plan to out: it is a directory');
  expect(e.hint).toContain('out/plan.json');
  expect((await readdir(dir)).sort()).toEqual(['out']);
  expect(await readdir(join(dir, 'out'))).toEqual([]);
});

test('a missing directory: says which, nothing written', async () => {
  const e = await failure(writeFileAtomic('nodir/plan.json', dir, 'x', 'the plan'));
  expect(e.message).toBe(
    'cannot write the plan to nodir/plan.json: the directory nodir does not exist; nothing was written',
  );
  expect(e.exitCode).toBe(1);
  expect(await readdir(dir)).toEqual([]);
});
