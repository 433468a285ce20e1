/**
 * One apply at a time per journal: a lock file beside it (`<journal>.lock`), created exclusively and
 * holding the pid, host and start time of the apply that holds it. A lock left by a process of this
 * host that no longer runs (killed) is stale and taken over; any other lock refuses the second apply
 * before it reads or writes anything.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { AcnsError } from '../errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  started_at: string;
  plan?: string;
}

export interface ApplyLock {
  readonly path: string;
  /** Set when a stale lock (its process gone) was taken over. */
  readonly replaced?: LockInfo;
  release(): void;
}

export function lockPathFor(journalPath: string): string {
  return `${journalPath}.lock`;
}

export function acquireApplyLock(
  path: string,
  info: { plan?: string },
  deps: { pid?: number; host?: string; alive?: (pid: number) => boolean; now?: () => Date } = {},
): ApplyLock {
  const me: LockInfo = {
    pid: deps.pid ?? process.pid,
    host: deps.host ?? hostname(),
    started_at: (deps.now?.() ?? new Date()).toISOString(),
    ...(info.plan ? { plan: info.plan } : {}),
  };
  const alive = deps.alive ?? processAlive;
  let replaced: LockInfo | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AcnsError('apply_lock', `cannot create the apply lock ${path}: ${(e as Error).message}`, {
          hint: 'pass --journal FILE with a writable location (the lock is kept beside the journal)',
        });
      }
      const held = readLock(path);
      if (held && held.host === me.host && held.pid !== me.pid && !alive(held.pid)) {
        rmSync(path, { force: true }); // its process is gone: a killed apply left it
        replaced = held;
        continue;
      }
      throw lockedError(path, held);
    }
    try {
      writeSync(fd, `${JSON.stringify(me)}\n`);
    } finally {
      closeSync(fd);
    }
    return {
      path,
      ...(replaced ? { replaced } : {}),
      release() {
        const now = readLock(path);
        if (now && now.pid === me.pid && now.started_at === me.started_at) rmSync(path, { force: true });
      },
    };
  }
  throw lockedError(path, readLock(path));
}

function lockedError(path: string, held: LockInfo | undefined): AcnsError {
  const who = held
    ? `pid ${held.pid} on ${held.host}, since ${held.started_at}${held.plan ? `, applying ${held.plan}` : ''}`
    : 'unreadable lock';
  return new AcnsError(
    'apply_locked',
    `another acns apply is running in this directory (${who}); nothing was changed`,
    {
      hint:
        `wait for it to end, then run apply again; if no apply is running (it was stopped on another machine), ` +
        `delete ${path}`,
    },
  );
}

function readLock(path: string): LockInfo | undefined {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.started_at === 'string')
      return o as LockInfo;
  } catch {
    // unreadable: treated as held (it may be being written)
  }
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}
