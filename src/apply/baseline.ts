/**
 * The last-applied record: what acns itself last set on each object (`ns:<name>`, `zone:<name>`,
 * `default`). With it, a plan tells "the file changed" (class config) from "someone changed the
 * account since the last apply" (class drift). Kept in `.acns/last-applied.json` under the working
 * directory; apply merges what it did into it. Stateless runs (no file) classify everything as config.
 */
import { join } from 'node:path';
import type { ApplyResult } from './types.js';
import type { Plan } from '../plan/types.js';
import { readSection, writeSection } from './records.js';

export const BASELINE_PATH = '.acns/last-applied.json';

export function baselinePath(cwd: string): string {
  return join(cwd, BASELINE_PATH);
}

/**
 * The recorded values for this account, or undefined when there is no usable record (another
 * account's section is kept for that account, never read as this one's).
 */
export async function readBaseline(path: string, accountId: string): Promise<Record<string, unknown> | undefined> {
  try {
    const values = (await readSection(path, BASELINE_PATH, 'what acns last applied', accountId)).section?.values;
    if (typeof values !== 'object' || values === null || Array.isArray(values)) return undefined;
    return values as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Merges what an apply did (steps done or found done) into this account's record, keeping other
 * accounts' records. Never throws: it is advisory. A damaged file starts afresh.
 */
export async function recordApplied(path: string, plan: Plan, result: ApplyResult): Promise<string | undefined> {
  const values = { ...((await readBaseline(path, plan.accountId)) ?? {}) };
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
  return writeSection(path, BASELINE_PATH, plan.accountId, { values }, new Date(), {
    what: 'the last-applied record',
    damaged: 'replace',
  });
}
