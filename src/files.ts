/**
 * Writing the files acns produces (a saved plan, an imported config, the last-applied record, an
 * emulator state): whole or not at all, never through someone else's file. The text goes to a new
 * temp file with a random name created exclusively in the target's folder, is flushed to disk, and
 * is renamed over the target; the folder is flushed too, so a crash leaves the old file or the new.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { AcnsError } from './errors.js';

export interface WriteOptions {
  /** Base for a relative `file`. */
  cwd: string;
  /** What is written, for messages: "the plan", "the imported configuration". */
  what: string;
  /** Files that must never be replaced (the config a command reads, say), with why. */
  protect?: { path: string; why: string }[];
  /** Called when the target exists: false refuses to replace it (the message is the caller's). */
  mayReplace?: (path: string) => Promise<true | { refuse: string; hint: string }>;
  /** File mode of a new file (default 0o644). */
  mode?: number;
}

export async function writeFileAtomic(file: string, text: string, o: WriteOptions): Promise<void> {
  const path = resolve(o.cwd, file);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new AcnsError('write_failed', `cannot write ${o.what} to ${file}: it is a directory`, {
      hint: `give a file name inside it, e.g. ${file.replace(/\/+$/, '')}/${suggestedName(o.what)}`,
    });
  }
  if (existing && !existing.isFile()) {
    throw new AcnsError('write_failed', `cannot write ${o.what} to ${file}: it is not a regular file`, {
      hint: 'write to a regular file; to print it instead, use -o -',
    });
  }
  for (const p of o.protect ?? []) {
    const other = await stat(resolve(o.cwd, p.path)).catch(() => undefined);
    const same = existing && other && existing.dev === other.dev && existing.ino === other.ino;
    if (same || resolve(o.cwd, p.path) === path) {
      throw new AcnsError('write_refused', `refusing to write ${o.what} to ${file}: ${p.why}; nothing was written`, {
        hint: 'choose another file name (e.g. plan.json)',
      });
    }
  }
  if (existing && o.mayReplace) {
    const ok = await o.mayReplace(path);
    if (ok !== true) throw new AcnsError('write_refused', ok.refuse, { hint: ok.hint });
  }
  const tmp = resolve(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    const fh = await open(tmp, 'wx', o.mode ?? 0o644);
    created = true;
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    created = false;
    await syncDir(dirname(path));
  } catch (e) {
    if (created) await unlink(tmp).catch(() => {});
    throw new AcnsError('write_failed', `cannot write ${o.what} to ${file}: ${why(e, file)}; nothing was written`, {
      hint: 'choose a writable path (the directory must exist)',
    });
  }
}

/** Flushes a folder's entries, so a rename survives a crash; not every file system allows it. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  try {
    await fh.sync();
  } catch {
    // some file systems refuse fsync on a directory: the rename itself has happened
  } finally {
    await fh.close();
  }
}

function why(e: unknown, file: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `the directory ${dirname(file) || '.'} does not exist`;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'the file system is read-only';
  if (code === 'ENOSPC') return 'no space left on the device';
  return (e as Error).message;
}

function suggestedName(what: string): string {
  return what === 'the plan' ? 'plan.json' : what.includes('configuration') ? 'acns.yaml' : basename(what);
}
