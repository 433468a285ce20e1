/**
 * The audit journal: an append-only JSON-lines file with one line per HTTP request, per step
 * outcome and per run event. Each line has `time` (ISO 8601) and `step` (the step id whose work
 * made the request, from the executor's async context). Only whitelisted fields are written:
 * never a header, a token or a key.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AcnsError } from '../errors.js';
import { currentStepId } from './executor.js';
import { DEFAULT_JOURNAL_PATH, type StepResult } from './types.js';

export interface JournalRequest {
  method: string;
  path: string; // URL path (and query) only, never the origin's credentials or headers
  status: number; // 0 when no response arrived
  rayId?: string; // Cloudflare's cf-ray header
  durationMs: number;
}

export interface Journal {
  readonly path: string;
  request(e: JournalRequest): void;
  /** A write is about to be sent: logged first, so a crash mid-request still leaves its trace. */
  sending(e: { method: string; path: string; attempt: number }): void;
  step(r: StepResult): void;
  event(name: string, data?: Record<string, unknown>): void;
  close(): void;
  /** The first write failure, if any: writing never throws into the run; the CLI reports it at the end. */
  readonly failure?: AcnsError;
}

/** Documented default (kept in types.ts, which the CLI can load for its help without the executor). */
export { DEFAULT_JOURNAL_PATH };

export function defaultJournalPath(cwd: string): string {
  return resolve(cwd, DEFAULT_JOURNAL_PATH);
}

/** apply_end's `error` when a second Ctrl-C ended the process without waiting for the running steps. */
export const INTERRUPTED_TWICE = 'interrupted_twice';

/** Journals not closed yet: a process that must exit at once still ends each one (`endOpenJournals`). */
const openJournals = new Set<Journal>();

/**
 * Writes `apply_end` with `data` to every journal still open and closes it, synchronously: for a
 * process about to exit without finishing its run (a second Ctrl-C), so the journal still ends with
 * apply_end as documented.
 */
export function endOpenJournals(data: Record<string, unknown>): void {
  for (const j of [...openJournals]) {
    j.event('apply_end', data);
    j.close();
  }
}

/** Opens (creating parent directories) a journal for appending. Throws AcnsError when it cannot. */
export function openJournal(path: string): Journal {
  let fd: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(path, 'a', 0o600);
  } catch (e) {
    throw new AcnsError('journal_unwritable', `cannot open the journal ${path}: ${(e as Error).message}`, {
      hint: 'pass --journal FILE with a writable location',
      cause: e,
    });
  }
  let failure: AcnsError | undefined;
  const write = (line: Record<string, unknown>): void => {
    if (fd === undefined) return;
    try {
      writeSync(fd, `${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
    } catch (e) {
      failure ??= new AcnsError('journal_unwritable', `writing the journal ${path} failed: ${(e as Error).message}`, {
        hint: 'free space or pass --journal FILE with a writable location',
      });
    }
  };
  const journal: Journal = {
    path,
    get failure() {
      return failure;
    },
    request(e) {
      write({
        type: 'request',
        step: currentStepId() ?? null,
        method: e.method,
        path: stripQuerySecrets(e.path),
        status: e.status,
        ...(e.rayId ? { ray_id: e.rayId } : {}),
        duration_ms: Math.round(e.durationMs),
      });
    },
    sending(e) {
      write({
        type: 'sending',
        step: currentStepId() ?? null,
        method: e.method,
        path: stripQuerySecrets(e.path),
        attempt: e.attempt,
      });
    },
    step(r) {
      write({
        type: 'step',
        step: r.id,
        kind: r.kind,
        target: r.target,
        outcome: r.outcome,
        ...(r.durationMs !== undefined ? { duration_ms: r.durationMs } : {}),
        ...(r.error ? { error: r.error } : {}),
        ...(r.blockedBy ? { blocked_by: r.blockedBy } : {}),
        ...(r.note ? { note: r.note } : {}),
        ...(r.glue !== undefined ? { glue_verdict: (r.glue as { verdict?: unknown }).verdict ?? null } : {}),
      });
    },
    event(name, data = {}) {
      write({ type: 'event', event: name, step: currentStepId() ?? null, ...(redact(data) as object) });
    },
    close() {
      openJournals.delete(journal);
      if (fd === undefined) return;
      try {
        closeSync(fd);
      } finally {
        fd = undefined;
      }
    },
  };
  openJournals.add(journal);
  return journal;
}

const SECRET_KEY = /token|secret|password|authori[sz]ation|api[-_]?key|auth[-_]?(key|email)|cookie|^x-auth/i;

/** Drops any key that looks like a credential, at any depth. */
function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!SECRET_KEY.test(k)) out[k] = redact(x);
  return out;
}

/** Cloudflare paths carry no secrets, but a query parameter named like one is dropped anyway. */
function stripQuerySecrets(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const params = new URLSearchParams(path.slice(q + 1));
  for (const k of [...params.keys()]) if (SECRET_KEY.test(k)) params.delete(k);
  const rest = params.toString();
  return rest ? `${path.slice(0, q)}?${rest}` : path.slice(0, q);
}

/**
 * An apply whose journal has an apply_start and no apply_end — it was killed or its machine stopped —
 * or whose apply_end says a second Ctrl-C cut it short (`interrupted`): either way, writes may have
 * been in flight.
 */
export interface UnfinishedRun {
  startedAt: string;
  interrupted?: boolean;
  plan?: string;
  config?: string;
  /** Writes logged as `sending` with no `request` line after them: they may or may not have landed. */
  inFlight: { method: string; path: string; step: string | null }[];
}

/** The journal's last run, when it did not end. Pure over the journal's text (its tail is enough). */
export function unfinishedRun(text: string): UnfinishedRun | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const parsed: Record<string, unknown>[] = [];
  for (const l of lines) {
    try {
      parsed.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // a line cut short by a crash: skipped
    }
  }
  let start = -1;
  for (let i = parsed.length - 1; i >= 0; i--) {
    if (parsed[i]!.type === 'event' && parsed[i]!.event === 'apply_start') {
      start = i;
      break;
    }
  }
  if (start < 0) return undefined;
  const run = parsed.slice(start);
  const end = run.find((l) => l.type === 'event' && l.event === 'apply_end');
  if (end && end.error !== INTERRUPTED_TWICE) return undefined;
  const pending: UnfinishedRun['inFlight'] = [];
  for (const l of run) {
    const key = { method: String(l.method), path: String(l.path), step: (l.step as string | null) ?? null };
    if (l.type === 'sending') pending.push(key);
    if (l.type === 'request') {
      const i = pending.findIndex((p) => p.method === key.method && p.path === key.path && p.step === key.step);
      if (i >= 0) pending.splice(i, 1);
    }
  }
  const s = run[0]!;
  return {
    startedAt: String(s.time),
    ...(end ? { interrupted: true } : {}),
    ...(typeof s.plan === 'string' ? { plan: s.plan } : {}),
    ...(typeof s.config === 'string' ? { config: s.config } : {}),
    inFlight: pending,
  };
}

/** Reads the end of a journal (the last run is there) and reports it when it did not end. */
export function readUnfinishedRun(path: string, tailBytes = 4 * 1024 * 1024): UnfinishedRun | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const len = Math.min(size, tailBytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    let text = buf.toString('utf8');
    if (len < size) text = text.slice(text.indexOf('\n') + 1); // drop the partial first line
    return unfinishedRun(text);
  } catch {
    return undefined; // no journal yet, or unreadable: nothing to say
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The warning an apply prints about the run before it. */
export function describeUnfinishedRun(r: UnfinishedRun): string {
  const what = r.plan ? `, applying ${r.plan}` : r.config ? `, from ${r.config}` : '';
  const head =
    `acns: warning: the previous apply here (started ${r.startedAt}${what}) did not end — ` +
    (r.interrupted ? 'a second Ctrl-C cut it short.' : 'it was killed or its machine stopped.');
  if (r.inFlight.length === 0) return `${head} No write was in flight; this run re-reads the account and resumes.`;
  const writes = r.inFlight.map((w) => `${w.method} ${w.path}${w.step ? ` (${w.step})` : ''}`).join(', ');
  return (
    `${head} Writes it had sent without an answer, which may or may not have reached Cloudflare: ${writes}. ` +
    'This run re-reads the account first, so whatever they did is recognised.'
  );
}
