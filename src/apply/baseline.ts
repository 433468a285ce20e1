/**
 * The last-applied record: what acns itself last set on each object (`ns:<name>`, `zone:<name>`,
 * `default`). With it, a plan tells "the file changed" (class config) from "someone changed the
 * account since the last apply" (class drift). Kept in `.acns/last-applied.json` under the working
 * directory; apply merges what it did into it. Stateless runs (no file) classify everything as config.
 */
import { join } from 'node:path';
import type { ApplyResult } from './types.js';
import type { Plan } from '../plan/types.js';
import { AcnsError } from '../errors.js';
import { readSection, setAside, writeSection } from './records.js';

export const BASELINE_PATH = '.acns/last-applied.json';
const HOLDS = 'what acns last applied';

export function baselinePath(cwd: string): string {
  return join(cwd, BASELINE_PATH);
}

/**
 * The recorded values for this account, or undefined when there is no usable record (another
 * account's section is kept for that account, never read as this one's). A file that cannot be
 * read, is damaged or is of a newer format is no record either, but not silently: `warn` gets why
 * and what the next apply does about it.
 */
export async function readBaseline(
  path: string,
  accountId: string,
  warn?: (line: string) => void,
): Promise<Record<string, unknown> | undefined> {
  try {
    return valuesOf((await readSection(path, BASELINE_PATH, HOLDS, accountId)).section);
  } catch (e) {
    const why = (e as Error).message;
    warn?.(`acns: warning: ${why} — every step of this plan counts as config, not drift; ${fix(e)}`);
    return undefined;
  }
}

function valuesOf(section: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const values = section?.values;
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return undefined;
  return values as Record<string, unknown>;
}

/** What happens to a record that cannot be read, or what the user can do. */
function fix(e: unknown): string {
  const code = (e as AcnsError).code;
  if (code === 'record_damaged')
    return `the next apply keeps it aside (${BASELINE_PATH}.damaged-<time>) and starts a new one`;
  if (code === 'record_newer_format')
    return 'apply leaves it as it is and records nothing: upgrade acns, or move the file away to start a new record';
  return (e as AcnsError).hint ?? 'make it readable';
}

/**
 * Merges what an apply did (steps done or found done) into this account's record, keeping other
 * accounts' records. Never throws: it is advisory, and returns a warning line when something went
 * wrong. A damaged file is kept aside (`<file>.damaged-<time>`) and a new record started; a file of
 * a newer format, or one that cannot be read, is left as it is and nothing is recorded.
 */
export async function recordApplied(path: string, plan: Plan, result: ApplyResult): Promise<string | undefined> {
  const now = new Date();
  let recorded: Record<string, unknown> | undefined;
  let aside: string | undefined;
  try {
    recorded = valuesOf((await readSection(path, BASELINE_PATH, HOLDS, plan.accountId)).section);
  } catch (e) {
    if (!(e instanceof AcnsError) || e.code !== 'record_damaged')
      return `acns: warning: ${(e as Error).message}; this apply was not recorded in it — ${fix(e)}`;
    try {
      aside = await setAside(path, now);
    } catch (r) {
      const why = (r as Error).message;
      return `acns: warning: ${e.message}; it could not be kept aside (${why}), so this apply was not recorded`;
    }
  }
  const values = { ...(recorded ?? {}) };
  const ok = new Set(
    result.results.filter((r) => r.outcome === 'done' || r.outcome === 'already_done').map((r) => r.id),
  );
  for (const s of plan.steps) {
    if (!ok.has(s.id)) continue;
    if (s.kind === 'create_nameserver') values[`ns:${s.target}`] = s.after;
    // A move is delete + create: the create's value wins when it succeeded too; alone, the delete leaves no name.
    else if (
      s.kind === 'delete_nameserver' &&
      !plan.steps.some((o) => o.kind === 'create_nameserver' && o.target === s.target && ok.has(o.id))
    ) {
      delete values[`ns:${s.target}`];
    } else if (s.kind === 'assign_zone') values[`zone:${s.target}`] = s.after;
    else if (s.kind === 'set_account_default') values.default = s.after;
  }
  const why = await writeSection(path, BASELINE_PATH, plan.accountId, { values }, now, {
    what: 'the last-applied record',
  });
  if (why) return `acns: warning: could not update ${BASELINE_PATH}: ${why}`;
  if (aside)
    return (
      `acns: warning: ${BASELINE_PATH} was damaged; it was kept as ${aside} (move back any other account's ` +
      'section you need from it) and a new record was started with what this apply did'
    );
  return undefined;
}
