/**
 * The last-applied record: what acns itself last set on each object (`ns:<name>`, `zone:<name>`,
 * `default`). With it, a plan tells "the file changed" (class config) from "someone changed the
 * account since the last apply" (class drift). Kept in `.acns/last-applied.json` under the working
 * directory; apply merges what it did into it. Stateless runs (no file) classify everything as config.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ApplyResult } from './types.js';
import type { Plan } from '../plan/types.js';

export const BASELINE_PATH = '.acns/last-applied.json';

interface BaselineDocument {
  format_version: 1;
  account_id: string;
  updated_at: string;
  values: Record<string, unknown>;
}

export function baselinePath(cwd: string): string {
  return join(cwd, BASELINE_PATH);
}

/** The recorded values for this account, or undefined when there is no usable record. */
export async function readBaseline(path: string, accountId: string): Promise<Record<string, unknown> | undefined> {
  try {
    const doc = JSON.parse(await readFile(path, 'utf8')) as Partial<BaselineDocument> | null;
    if (
      doc?.format_version !== 1 ||
      doc.account_id !== accountId ||
      typeof doc.values !== 'object' ||
      doc.values === null ||
      Array.isArray(doc.values)
    )
      return undefined;
    return doc.values;
  } catch {
    return undefined;
  }
}

/** Merges what an apply did (steps done or found done) into the record. Never throws: it is advisory. */
export async function recordApplied(path: string, plan: Plan, result: ApplyResult): Promise<string | undefined> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
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
    const doc: BaselineDocument = {
      format_version: 1,
      account_id: plan.accountId,
      updated_at: new Date().toISOString(),
      values,
    };
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, `${JSON.stringify(doc, null, 2)}\n`);
    await rename(tmp, path);
    return undefined;
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    return (e as Error).message;
  }
}
