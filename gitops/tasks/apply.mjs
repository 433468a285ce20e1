/**
 * Tasks of the apply workflow. Apply trusts only main: the tip-of-main guard, the lookup of the plan
 * reviewed on the merged pull request (newest plan run, whatever its outcome), the comparison with
 * the plan made on main by trusted code, the report after apply, and marking open pull requests'
 * plans outdated when main's config changes.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ageProblems, comparePlans } from '../lib/compare.mjs';
import { applyCommentBody, commentMeta, findOwnComment, isMarkedOutdatedFor, markOutdated } from '../lib/comment.mjs';
import { formatDuration, parseDuration } from '../lib/duration.mjs';
import { configNames } from '../lib/names.mjs';
import { Refusal } from '../lib/runner.mjs';
import { DEFAULT_BOT, upsertComment } from './plan.mjs';

const FRESH_WAY_OUT =
  'run the apply workflow by hand on main with mode "fresh": it plans main afresh and shows that plan ' +
  'in the job summary for the production approval';

/**
 * Refuses unless this run is on the branch and the config at its commit is the config at the tip (a
 * re-run of an old run, or a queued run overtaken by a newer merge, would roll the account back).
 * With the input plan, also refuses a plan older than max-age (the approval may have waited long).
 * It also checks glue-wait against the job's time limit.
 */
export async function guardTip(ctx) {
  const branch = ctx.run.input('branch', 'main');
  const n = configNames(ctx.run.input('config', 'acns.yaml'));
  if (ctx.env.GITHUB_REF !== `refs/heads/${branch}`)
    throw new Refusal(
      `this run is for ${ctx.env.GITHUB_REF ?? 'an unknown ref'}; apply runs only on ${branch}`,
      `run the workflow on ${branch}`,
    );
  checkGlueWait(ctx);
  const tip = (await ctx.github.get(`/repos/${ctx.repo}/commits/${encodeURIComponent(branch)}`)).sha;
  if (tip !== ctx.sha) {
    const [here, there] = await Promise.all([blobSha(ctx, n.config, ctx.sha), blobSha(ctx, n.config, tip)]);
    if (here !== there)
      throw new Refusal(
        `${branch} has moved on to ${tip.slice(0, 7)} and ${n.config} there differs from this run's commit ` +
          `${ctx.sha.slice(0, 7)}: applying this commit would roll the account back to an older config`,
        `nothing to do here: the run for ${tip.slice(0, 7)} applies the newest config; if it failed, ${FRESH_WAY_OUT}`,
      );
    ctx.run.notice(`${branch} moved on to ${tip.slice(0, 7)}, but ${n.config} is the same there: going on`);
  }
  checkPlanAge(ctx, FRESH_WAY_OUT);
  ctx.run.info(`${ctx.sha.slice(0, 7)} is the tip of ${branch} (or has the same ${n.config})`);
}

/** Finds the plan reviewed on the pull request merged as this commit: outputs run-id, artifact-id, pr. */
export async function findReviewed(ctx) {
  const branch = ctx.run.input('branch', 'main');
  const workflow = ctx.run.input('plan-workflow', 'plan-on-pull-request.yml');
  const n = configNames(ctx.run.input('config', 'acns.yaml'));
  const prs = await ctx.github.get(`/repos/${ctx.repo}/commits/${ctx.sha}/pulls`);
  const pr = prs.find((p) => p.merged_at && p.base?.ref === branch && p.merge_commit_sha === ctx.sha);
  if (!pr)
    throw new Refusal(
      `commit ${ctx.sha.slice(0, 7)} is not the merge of a pull request into ${branch} (pushed directly?): ` +
        'there is no reviewed plan for it',
      `open a pull request for changes to ${n.config}; to apply main as it is, ${FRESH_WAY_OUT}`,
    );
  ctx.run.setOutput('pr', pr.number);
  const head = pr.head.sha;
  const runs = (
    await ctx.github.get(
      `/repos/${ctx.repo}/actions/workflows/${encodeURIComponent(workflow)}/runs?head_sha=${head}` +
        '&event=pull_request&per_page=100',
    )
  ).workflow_runs
    .filter((r) => r.head_repository?.full_name === ctx.repo)
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id);
  const newest = runs[0];
  if (!newest)
    throw new Refusal(
      `no run of ${workflow} planned pull request #${pr.number} at its last commit ${head.slice(0, 7)}`,
      `check that the plan workflow is named ${workflow}; then ${FRESH_WAY_OUT}`,
    );
  // The newest run is what reviewers last saw: an older green run does not vouch for a newer red one.
  if (newest.status !== 'completed' || newest.conclusion !== 'success')
    throw new Refusal(
      `the newest plan run for #${pr.number} at ${head.slice(0, 7)} (${newest.html_url}) is ` +
        `${newest.status === 'completed' ? `"${newest.conclusion}"` : `still ${newest.status}`}, not a success`,
      `re-run that plan run until it succeeds, then run this workflow by hand (mode "reviewed"); or ${FRESH_WAY_OUT}`,
    );
  const arts = (
    await ctx.github.get(
      `/repos/${ctx.repo}/actions/runs/${newest.id}/artifacts?name=${encodeURIComponent(n.planArtifact)}`,
    )
  ).artifacts.filter((a) => a.name === n.planArtifact);
  const art = arts.find((a) => !a.expired);
  if (!art)
    throw new Refusal(
      arts.length
        ? `the reviewed plan (artifact ${n.planArtifact} of ${newest.html_url}) has expired`
        : `the plan run ${newest.html_url} has no artifact ${n.planArtifact} (the config was not planned there)`,
      FRESH_WAY_OUT,
    );
  ctx.run.setOutput('run-id', newest.id);
  ctx.run.setOutput('artifact-id', art.id);
  ctx.run.setOutput('run-url', newest.html_url);
  ctx.run.info(`reviewed plan: #${pr.number}, run ${newest.html_url}, artifact ${art.id}`);
}

/**
 * Compares the plan made on main (current) with the reviewed one, publishes main's plan to the job
 * summary and outputs apply=true when there is something to apply. mode=fresh skips the comparison.
 */
export async function compare(ctx) {
  const mode = ctx.run.input('mode', 'reviewed');
  if (mode !== 'reviewed' && mode !== 'fresh')
    throw new Refusal(`mode "${mode}" is neither reviewed nor fresh`, 'choose reviewed or fresh');
  const current = ctx.readJson(planFile(ctx.run.input('current-plan')), 'the plan made on main');
  const mdPath = ctx.run.input('markdown-file');
  const markdown = mdPath && existsSync(mdPath) ? readFileSync(mdPath, 'utf8') : '';
  const hasSteps = Array.isArray(current.steps) && current.steps.length > 0;
  ctx.run.setOutput('apply', 'false');

  if (!hasSteps) {
    ctx.run.summary(
      `### ✅ acns: nothing to apply\n\nThe account already matches \`${current.config?.file}\` on main.\n`,
    );
    ctx.run.notice('the plan made on main has no steps: nothing to apply');
    return;
  }
  if (mode === 'fresh') {
    ctx.run.summary(
      `### acns: fresh plan made on main (mode "fresh": not compared with a review)\n\n` +
        `Approving the \`production\` deployment applies exactly this plan.\n\n${markdown}`,
    );
    ctx.run.setOutput('apply', 'true');
    return;
  }
  const reviewed = ctx.readJson(planFile(ctx.run.input('reviewed-plan')), 'the reviewed plan');
  const verdict = comparePlans(reviewed, current, { maxAgeMs: maxAge(ctx), now: ctx.now() });
  if (!verdict.ok) {
    ctx.run.summary(
      '### ⛔ acns: the plan made on main is not the reviewed plan\n\n' +
        `${verdict.problems.map((p) => `- ${p}`).join('\n')}\n\n` +
        `<details><summary>The plan made on main</summary>\n\n${markdown}\n</details>\n`,
    );
    throw new Refusal(
      `the plan made on main differs from the plan reviewed on the pull request:\n- ${verdict.problems.join('\n- ')}`,
      `if main changed since the review (another merge, a change in the account), ${FRESH_WAY_OUT}`,
    );
  }
  ctx.run.summary(
    '### ✅ acns: the plan made on main matches the reviewed plan\n\n' +
      'Same steps, targets, zone ids and glue policy. ' +
      `Approving the \`production\` deployment applies exactly this plan.\n\n${markdown}`,
  );
  ctx.run.setOutput('apply', 'true');
}

/** After apply: the job summary and, when a pull request is known, one result comment on it. */
export async function applyReport(ctx) {
  const n = configNames(ctx.run.input('config', 'acns.yaml'));
  const raw = ctx.run.input('exit-code');
  const code = /^\d+$/.test(raw) ? Number(raw) : -1;
  const outPath = ctx.run.input('output-file');
  const output =
    outPath && existsSync(outPath) ? readFileSync(outPath, 'utf8') : '(acns did not run: see the steps above)';
  const body = applyCommentBody({ names: n, code, sha: ctx.sha, runUrl: ctx.runUrl, at: ctx.at(), output });
  ctx.run.summary(body);
  const pr = ctx.run.input('pr');
  if (/^\d+$/.test(pr)) await upsertComment(ctx, Number(pr), n.applyMarker, body);
}

/** On a push to main that changed the config: mark the plan comments of open pull requests outdated. */
export async function markOutdatedTask(ctx) {
  const branch = ctx.run.input('branch', 'main');
  const bot = ctx.run.input('bot-login', DEFAULT_BOT);
  const n = configNames(ctx.run.input('config', 'acns.yaml'));
  const prs = await ctx.github.all(`/repos/${ctx.repo}/pulls?state=open&base=${encodeURIComponent(branch)}`);
  let marked = 0;
  for (const pr of prs) {
    const comments = await ctx.github.all(`/repos/${ctx.repo}/issues/${pr.number}/comments`);
    const ours = findOwnComment(comments, n.planMarker, bot);
    if (!ours || commentMeta(ours.body)?.base === ctx.sha || isMarkedOutdatedFor(ours.body, ctx.sha)) continue;
    const body = markOutdated(ours.body, { mainSha: ctx.sha, runUrl: ctx.runUrl });
    await ctx.github.request('PATCH', `/repos/${ctx.repo}/issues/comments/${ours.id}`, { body });
    marked++;
  }
  ctx.run.info(`marked ${marked} plan comment${marked === 1 ? '' : 's'} outdated`);
}

/** With the input plan: refuses that plan when it is older than max-plan-age. */
export function checkPlanAge(ctx, wayOut) {
  const planPath = ctx.run.input('plan');
  if (!planPath) return;
  const plan = ctx.readJson(planFile(planPath), 'the plan to apply');
  const problems = ageProblems(plan.created_at, { maxAgeMs: maxAge(ctx), now: ctx.now() }, 'the plan to apply');
  if (problems.length) throw new Refusal(problems.join('; '), wayOut);
}

/** A plan path, or the single .json file in a downloaded artifact directory. */
function planFile(path) {
  if (!path) throw new Refusal('no plan file was given', 'see the earlier steps');
  if (existsSync(path) && statSync(path).isDirectory()) {
    const p = join(path, 'plan.json');
    if (existsSync(p)) return p;
  }
  return path;
}

function maxAge(ctx) {
  const text = ctx.run.input('max-plan-age', '7d');
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new Refusal(`max-plan-age "${text}" is not a duration`, 'write it like 12h, 7d or 1d12h');
  return ms;
}

/** glue-wait must end well before the job's timeout-minutes, or the runner kills acns mid-apply. */
export function checkGlueWait(ctx) {
  const wait = ctx.run.input('glue-wait');
  if (!wait) return;
  const ms = parseDuration(wait);
  const limit = Number(ctx.run.input('timeout-minutes', '0')) * 60_000;
  if (ms === undefined) throw new Refusal(`glue-wait "${wait}" is not a duration`, 'write it like 90s, 30m or 1h');
  if (limit && ms > limit - 15 * 60_000)
    throw new Refusal(
      `glue-wait ${formatDuration(ms)} leaves less than 15 minutes of the job's ${formatDuration(limit)} limit`,
      `choose at most ${formatDuration(limit - 15 * 60_000)}, or raise timeout-minutes of the apply job`,
    );
}

async function blobSha(ctx, path, ref) {
  try {
    const enc = path.split('/').map(encodeURIComponent).join('/');
    return (await ctx.github.get(`/repos/${ctx.repo}/contents/${enc}?ref=${ref}`)).sha;
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}
