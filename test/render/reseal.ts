/**
 * Recomputes a plan document's plan_digest the way the contract describes it (sha256 of the JSON
 * with keys sorted at every depth, no whitespace, without plan_digest) — written independently of
 * src/render/json.ts so the tests pin the documented algorithm, not just self-consistency.
 * (Plan documents have no integer-like keys, so Object.fromEntries keeps the sorted order.)
 */
import { createHash } from 'node:crypto';

export function reseal(doc: Record<string, unknown>): Record<string, unknown> {
  const { plan_digest: _old, ...body } = doc;
  return {
    ...body,
    plan_digest: `sha256:${createHash('sha256')
      .update(JSON.stringify(sortKeys(body)))
      .digest('hex')}`,
  };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, sortKeys(x)]),
    );
  }
  return v;
}
