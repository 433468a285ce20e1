/**
 * Writes a file the way a plan or an imported config must be written: whole or not at all
 * (temp file + rename in the same directory), with a clear error for the usual mistakes — a
 * directory given as the file, a missing directory, no permission — and no temp file left behind.
 */
import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { AcnsError } from '../errors.js';

export async function writeFileAtomic(file: string, cwd: string, text: string, what: string): Promise<void> {
  const path = resolve(cwd, file);
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (isDir) {
    throw new AcnsError('write_failed', `cannot write ${what} to ${file}: it is a directory`, {
      hint: `give a file name, e.g. ${file.replace(/\/+$/, '')}/${what === 'the plan' ? 'plan.json' : 'acns.yaml'}`,
    });
  }
  const tmp = resolve(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `the directory ${dirname(file) || '.'} does not exist`
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EROFS'
            ? 'the file system is read-only'
            : code === 'ENOSPC'
              ? 'no space left on the device'
              : (e as Error).message;
    throw new AcnsError('write_failed', `cannot write ${what} to ${file}: ${why}; nothing was written`, {
      hint: 'choose a writable path (the directory must exist)',
    });
  }
}
