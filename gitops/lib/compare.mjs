/**
 * Is the plan made now on main, by trusted code, the plan that was reviewed? The reviewed artifact
 * comes from a pull-request run, whose workflow file the pull request itself could change, so it is
 * evidence of what reviewers saw and never something to execute: the pipeline applies its own plan
 * from main, and only when every step matches the reviewed one — same ids, kinds, targets, zone ids,
 * before and after values, reason codes and dependencies — with the same account, config digest, glue policy,
 * endpoints and settings, and a reviewed plan younger than the allowed age. Pure.
 */
import { formatDuration } from './duration.mjs';

/** Plan document versions whose fields this comparison knows (acns writes 2; 1 lacks reason_code). */
const KNOWN_FORMATS = [1, 2];

/** Clock skew tolerated before a plan "from the future" is refused. */
const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * @param {any} reviewed the reviewed plan document (untrusted)
 * @param {any} current the plan made on main by the pipeline
 * @param {{ maxAgeMs: number, now: number }} opts
 * @returns {{ ok: boolean, problems: string[] }}
 */
export function comparePlans(reviewed, current, { maxAgeMs, now }) {
  const problems = [];
  const shapeProblem = planShape(reviewed, 'the reviewed plan') ?? planShape(current, 'the plan made on main');
  if (shapeProblem) return { ok: false, problems: [shapeProblem] };

  problems.push(...ageProblems(reviewed.created_at, { maxAgeMs, now }, 'the reviewed plan'));
  const same = (label, a, b) => {
    if (!equal(a, b)) problems.push(`${label}: ${show(a)} in the reviewed plan, ${show(b)} on main`);
  };
  same('format version', reviewed.format_version, current.format_version);
  same('account', reviewed.account_id, current.account_id);
  same('config file', reviewed.config?.file, current.config?.file);
  same('config digest (the acns.yaml planned)', reviewed.config?.digest, current.config?.digest);
  same('glue policy', reviewed.glue_policy, current.glue_policy);
  same('endpoints', reviewed.endpoints, current.endpoints);
  same('settings', reviewed.settings ?? null, current.settings ?? null);
  same('zone filter', reviewed.zone_filter, current.zone_filter);
  same('safe', reviewed.safe, current.safe);
  same(
    'guards',
    reviewed.guards.map((g) => `${g.kind}:${[...g.steps].sort().join('+')}`).sort(),
    current.guards.map((g) => `${g.kind}:${[...g.steps].sort().join('+')}`).sort(),
  );

  const mine = new Map(current.steps.map((s) => [s.id, s]));
  const theirs = new Map(reviewed.steps.map((s) => [s.id, s]));
  for (const [id, r] of theirs) {
    const c = mine.get(id);
    if (!c) {
      problems.push(`step ${id} is in the reviewed plan but not in the plan made on main`);
      continue;
    }
    for (const field of ['kind', 'target', 'zone_id', 'before', 'after', 'reason_code']) {
      if (!equal(r[field] ?? null, c[field] ?? null))
        problems.push(`step ${id}: ${field} ${show(r[field])} in the reviewed plan, ${show(c[field])} on main`);
    }
    const rd = [...(r.depends_on ?? [])].sort();
    const cd = [...(c.depends_on ?? [])].sort();
    if (!equal(rd, cd)) problems.push(`step ${id}: depends on ${show(rd)} in the reviewed plan, ${show(cd)} on main`);
  }
  for (const id of mine.keys()) {
    if (!theirs.has(id)) problems.push(`step ${id} is in the plan made on main but was not in the reviewed plan`);
  }
  return { ok: problems.length === 0, problems };
}

/** Problems with a plan's age: older than maxAgeMs, from the future, or no valid time. */
export function ageProblems(createdAt, { maxAgeMs, now }, label) {
  const t = Date.parse(createdAt);
  if (!Number.isFinite(t)) return [`${label} has no valid created_at (${show(createdAt)})`];
  if (t - now > FUTURE_SKEW_MS) return [`${label} claims to be made in the future (${createdAt})`];
  if (now - t > maxAgeMs)
    return [`${label} is ${formatDuration(now - t)} old (made ${createdAt}); the limit is ${formatDuration(maxAgeMs)}`];
  return [];
}

function planShape(doc, label) {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return `${label} is not a plan document`;
  if (!KNOWN_FORMATS.includes(doc.format_version))
    return `${label} has format_version ${show(doc.format_version)}, which this pipeline does not know`;
  if (!Array.isArray(doc.steps) || !Array.isArray(doc.guards)) return `${label} has no steps or guards list`;
  const ids = doc.steps.map((s) => s?.id);
  if (ids.some((id) => typeof id !== 'string')) return `${label} has a step without an id`;
  if (new Set(ids).size !== ids.length) return `${label} lists a step id twice`;
  return undefined;
}

function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical(v[k])]),
    );
  return v === undefined ? null : v;
}

export function equal(a, b) {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function show(v) {
  const s = JSON.stringify(canonical(v)) ?? 'nothing';
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
}
