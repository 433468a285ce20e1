/**
 * Loading a desired-state file: read → parse → schema → semantic rules → environment overrides.
 * Never throws and never hangs: every problem, of any stage, comes back as a positioned diagnostic,
 * all at once and sorted by position — the first MAX_PROBLEMS of them, with a count of the rest.
 */
import { createHash } from 'node:crypto';
import { applyEnv } from './env.js';
import { decodeText, parseYaml, readConfigBytes } from './parse.js';
import { Problems, sortDiagnostics } from './problems.js';
import { validateSchema } from './schema.js';
import { buildDesiredState } from './semantic.js';
import type { LoadResult } from './types.js';

export interface LoadOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /**
   * Commands that talk to the API: they need an account id (the file's or CLOUDFLARE_ACCOUNT_ID)
   * and refuse when the two name different accounts.
   */
  requireAccountId?: boolean;
}

/** Reads and validates `file` (relative to opts.cwd). */
export async function loadDesiredState(file: string, opts: LoadOptions): Promise<LoadResult> {
  try {
    const read = await readConfigBytes(file, opts.cwd);
    if (!read.ok) return { ok: false, errors: [read.error] };
    return loadFromBytes(read.bytes, file, opts);
  } catch (e) {
    return internalError(file, e);
  }
}

/** Validates YAML text as if it were the content of `file` (tests, benchmarks, editors). */
export function loadDesiredStateFromString(source: string, file: string, opts: LoadOptions): LoadResult {
  try {
    return loadFromBytes(Buffer.from(source, 'utf8'), file, opts);
  } catch (e) {
    return internalError(file, e);
  }
}

function loadFromBytes(bytes: Buffer, file: string, opts: LoadOptions): LoadResult {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const text = decodeText(bytes, file);
  if (!text.ok) return { ok: false, errors: [text.error] };
  const parsed = parseYaml(text.text, file);
  const problems = new Problems();
  problems.addAll(parsed.errors);
  problems.count(parsed.omitted ?? 0);
  if (parsed.data === undefined || parsed.fatal) return { ok: false, ...problems.result() };
  validateSchema(parsed.data, parsed.positions, file, problems);
  const sem = buildDesiredState(parsed.data, parsed.positions, file, digest, problems);
  const env = applyEnv(sem.state, opts.env, opts);
  problems.addAll(env.errors);
  if (problems.size) return { ok: false, ...problems.result() };
  return {
    ok: true,
    state: sem.state,
    warnings: sortDiagnostics([...parsed.warnings, ...sem.warnings, ...env.warnings]),
  };
}

function internalError(file: string, e: unknown): LoadResult {
  const what =
    e instanceof RangeError
      ? 'the file is too deeply nested or too large to process'
      : `internal error (${e instanceof Error ? e.message : String(e)})`;
  return {
    ok: false,
    errors: [
      { file, line: 1, col: 1, message: `${what} — simplify the file; if it looks valid, report this as an acns bug` },
    ],
  };
}
