/**
 * The pull-request comments the workflows keep: one plan comment per config, found again by its marker
 * among the workflow bot's own comments only, carrying the commit, the run and the time it describes;
 * replaced by a failure notice when a re-plan fails (so an old plan is never read as current), marked
 * outdated when main moves on, and one result comment after apply. Pure.
 */

const META = /<!-- acns-gitops-meta (\{.*?\}) -->/;
const OUTDATED = /<!-- acns-gitops-outdated -->[\s\S]*?<!-- \/acns-gitops-outdated -->\n?/;
/** GitHub refuses bodies over 65,536 characters. */
const COMMENT_LIMIT = 65_000;

/** The comment of ours that carries this marker: written by the bot, never by a person or another app. */
export function findOwnComment(comments, marker, botLogin) {
  return comments.find((c) => c.user?.login === botLogin && c.user?.type === 'Bot' && c.body?.includes(marker));
}

/** The metadata line of one of our comments, or undefined. */
export function commentMeta(body) {
  const m = META.exec(body ?? '');
  if (!m) return undefined;
  try {
    return JSON.parse(m[1]);
  } catch {
    return undefined;
  }
}

/** How to get past each guard in this pipeline (acns's own hint names the CLI flag). */
export function guardWayOut(guards) {
  if (!guards.length) return [];
  const kinds = new Set(guards.map((g) => g.kind));
  const lines = ['', '**How to go on in this pipeline** (merging an unsafe plan is blocked by the required check):'];
  if (kinds.has('mass_change'))
    lines.push(
      '- too many zone changes: raise `policy.max_zone_changes` in the config in this pull request, so the ' +
        'limit is reviewed with the change; or split the change into several pull requests. (The CLI flag ' +
        '`--allow-mass-change` is only for the apply workflow run by hand, behind the `production` approval.)',
    );
  if ([...kinds].some((k) => k !== 'mass_change'))
    lines.push('- every other guard has no override: change the config until the plan is safe (the messages say how).');
  return lines;
}

/**
 * @param {{ names: ReturnType<typeof import('./names.mjs').configNames>, outcome: 'planned' | 'failed',
 *   markdown?: string, plan?: any, sha: string, baseSha: string, runUrl: string, at: string }} o
 */
export function planCommentBody(o) {
  const meta = `<!-- acns-gitops-meta ${JSON.stringify({ sha: o.sha, base: o.baseSha, run: o.runUrl, at: o.at })} -->`;
  const where = `\`${o.names.config}\` at ${o.sha.slice(0, 7)} · [workflow run](${o.runUrl}) · ${o.at}`;
  if (o.outcome === 'failed') {
    return [
      o.names.planMarker,
      meta,
      `### ❌ acns plan failed · ${where}`,
      '',
      'There is **no current plan** for this pull request: the run above failed before a plan was made (an',
      'invalid config, a credentials or API problem — its log says which). An earlier plan is withdrawn',
      'because it may not describe this commit. Fix the cause and push, or re-run the workflow.',
      '',
    ].join('\n');
  }
  const head = [
    o.names.planMarker,
    meta,
    `_Plan for ${where}. Merging applies this plan only if the plan made on main after the merge has the same steps._`,
    '',
  ];
  const tail = guardWayOut(o.plan?.guards ?? []);
  let body = o.markdown ?? '';
  const budget = COMMENT_LIMIT - head.join('\n').length - tail.join('\n').length - 200;
  if (body.length > budget)
    body = `${body.slice(0, budget)}\n\n_… cut to stay under GitHub's comment size limit; the job summary has it all._`;
  return [...head, body, ...tail, ''].join('\n');
}

/** The body with an "outdated" banner (replacing an older one): main moved on since the plan was made. */
export function markOutdated(body, { mainSha, runUrl }) {
  const banner = [
    '<!-- acns-gitops-outdated -->',
    `> [!WARNING]`,
    `> **Outdated:** main moved to ${mainSha.slice(0, 7)} ([run](${runUrl})) after this plan was made, and changed`,
    '> the config. What merging would apply may differ: push to this branch or re-run the plan workflow.',
    '<!-- /acns-gitops-outdated -->',
    '',
  ].join('\n');
  const clean = body.replace(OUTDATED, '');
  const lines = clean.split('\n');
  const at = lines.findIndex((l) => META.test(l));
  lines.splice(at + 1, 0, banner.trimEnd());
  return lines.join('\n');
}

export function isMarkedOutdatedFor(body, mainSha) {
  return OUTDATED.test(body) && body.includes(`main moved to ${mainSha.slice(0, 7)}`);
}

/** The result comment after an apply. */
export function applyCommentBody({ names, code, sha, runUrl, at, output }) {
  const verdict =
    code === 0
      ? '✅ applied'
      : code === 3
        ? '⛔ refused for safety (exit 3): nothing unsafe was done'
        : code === 130
          ? '⏹ interrupted (exit 130): running steps finished, no new ones started'
          : `❌ failed (exit ${code})`;
  const text = output.length > 50_000 ? `${output.slice(0, 50_000)}\n… (cut; the run log has all of it)` : output;
  return [
    names.applyMarker,
    `### acns apply · \`${names.config}\` at ${sha.slice(0, 7)}: ${verdict}`,
    '',
    `[workflow run](${runUrl}) · ${at}`,
    '',
    '```text',
    text.replace(/```/g, "'''").trimEnd(),
    '```',
    '',
  ].join('\n');
}
