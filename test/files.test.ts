import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/files.js';
import { AcnsError } from '../src/errors.js';

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
  await writeFileAtomic('plan.json', '{"a":1}\n', { cwd: dir, what: 'the plan' });
  expect(await readFile(join(dir, 'plan.json'), 'utf8')).toBe('{"a":1}\n');
  expect(await readdir(dir)).toEqual(['plan.json']);
});

test('replaces an existing file', async () => {
  await writeFile(join(dir, 'plan.json'), 'old');
  await writeFileAtomic('plan.json', 'new', { cwd: dir, what: 'the plan' });
  expect(await readFile(join(dir, 'plan.json'), 'utf8')).toBe('new');
});

test('a directory given as the file: a clear error with a file name to use, nothing left behind', async () => {
  await mkdir(join(dir, 'out'));
  const e = await failure(writeFileAtomic('out', 'x', { cwd: dir, what: 'the plan' }));
  expect(e.message).toBe('cannot write the plan to out: it is a directory');
  expect(e.hint).toContain('out/plan.json');
  expect((await readdir(dir)).sort()).toEqual(['out']);
  expect(await readdir(join(dir, 'out'))).toEqual([]);
});

test('a missing directory: says which, nothing written', async () => {
  const e = await failure(writeFileAtomic('nodir/plan.json', 'x', { cwd: dir, what: 'the plan' }));
  expect(e.message).toBe(
    'cannot write the plan to nodir/plan.json: the directory nodir does not exist; nothing was written',
  );
  expect(e.exitCode).toBe(1);
  expect(await readdir(dir)).toEqual([]);
});

describe('refusals', () => {
  test('never replaces a protected file (the config a command reads)', async () => {
    await writeFile(join(dir, 'acns.yaml'), 'version: 1\n');
    const e = await failure(
      writeFileAtomic('./acns.yaml', '{}', {
        cwd: dir,
        what: 'the plan',
        protect: [{ path: 'acns.yaml', why: 'it is the configuration this command reads' }],
      }),
    );
    expect(e.message).toBe(
      'refusing to write the plan to ./acns.yaml: it is the configuration this command reads; nothing was written',
    );
    expect(await readFile(join(dir, 'acns.yaml'), 'utf8')).toBe('version: 1\n');
  });

  test('never writes to a device or a FIFO', async () => {
    const e = await failure(writeFileAtomic('/dev/null', 'x', { cwd: dir, what: 'the plan' }));
    expect(e.message).toBe('cannot write the plan to /dev/null: it is not a regular file');
  });

  test('an existing file the caller does not recognise is kept', async () => {
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const e = await failure(
      writeFileAtomic('notes.txt', 'x', {
        cwd: dir,
        what: 'the plan',
        mayReplace: async () => ({ refuse: 'notes.txt is not an acns plan', hint: 'pass --force' }),
      }),
    );
    expect(e.message).toBe('notes.txt is not an acns plan');
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await readdir(dir)).toEqual(['notes.txt']);
  });

  test('a planted symlink at a predictable temp name is not written through', async () => {
    await writeFile(join(dir, 'victim'), 'safe');
    const { symlink } = await import('node:fs/promises');
    await symlink(join(dir, 'victim'), join(dir, `.plan.json.${process.pid}.tmp`));
    await writeFileAtomic('plan.json', 'new', { cwd: dir, what: 'the plan' });
    expect(await readFile(join(dir, 'victim'), 'utf8')).toBe('safe');
    expect(await readFile(join(dir, 'plan.json'), 'utf8')).toBe('new');
  });
});
