/**
 * Tasks of the pull-request workflow: names, detect (does the pull request touch the config?), the plan
 * report (job summary, the one plan comment, red on an unsafe plan) and the always-running gate job
 * that is the required check.
 */
import { existsSync, readFileSync } from 'node:fs';
import { findOwnComment, planCommentBody } from '../lib/comment.mjs';
import { configNames } from '../lib/names.mjs';
import { Refusal } from '../lib/runner.mjs';

export const DEFAULT_BOT = 'github-actions[bot]';

/** Outputs every name derived from the config path (see lib/names.mjs). */
export async function names(ctx) {
  const n = configNames(ctx.run.input('config', 'acns.yaml'));
  const outputs = {
    config: n.config,
    id: n.id,
    'plan-artifact': n.planArtifact,
    'apply-plan-artifact': n.applyPlanArtifact,
    'journal-artifact': n.journalArtifact,
    'cache-key-prefix': n.cacheKeyPrefix,
  };
  for (const [k, v] of Object.entries(outputs)) ctx.run.setOutput(k, v);
  ctx.run.info(`names for ${n.config}: ${JSON.stringify(outputs)}`);
}

/** Outputs relevant=true|false (the pull request touches a watched path) and fork=true|false. */
export async function detect(ctx) {
  const pr = ctx.event().pull_request;
  if (!pr) throw new Refusal('detect runs on pull_request events only', 'trigger the workflow with pull_request');
  const n = configNames(ctx.run.input('config', 'acns.yaml'));
  const watched = [n.config, ...lines(ctx.run.input('watch'))];
  const fork = pr.head?.repo?.full_name !== ctx.repo;
  let relevant;
  if ((pr.changed_files ?? 0) >= 3000) {
    relevant = true; // the files API lists at most 3000: assume the config is among them
  } else {
    const files = await ctx.github.all(`/repos/${ctx.repo}/pulls/${pr.number}/files`);
    const touched = files.flatMap((f) => [f.filename, f.previous_filename].filter(Boolean));
    relevant = touched.some((f) => watched.some((w) => (w.endsWith('/') ? f.startsWith(w) : f === w)));
  }
  ctx.run.setOutput('relevant', relevant);
  ctx.run.setOutput('fork', fork);
  ctx.run.info(
    `pull request #${pr.number}: ${relevant ? 'touches' : 'does not touch'} ${watched.join(', ')}` +
      `${fork ? ' (from a fork)' : ''}`,
  );
}

/**
 * After `acns plan`: the job summary, the one plan comment (replaced by a failure notice when no plan
 * was made), then a refusal when the plan is unsafe so the check goes red.
 */
export async function planReport(ctx) {
  const n = configNames(ctx.run.input('config', 'acns.yaml'));
  const event = ctx.event();
  const pr = event.pull_request;
  const planFile = ctx.run.input('plan-file');
  const markdownFile = ctx.run.input('markdown-file');
  const planned = ctx.run.input('outcome') === 'success' && planFile && existsSync(planFile);
  const plan = planned ? ctx.readJson(planFile, 'the plan') : undefined;
  const markdown = planned && markdownFile && existsSync(markdownFile) ? readFileSync(markdownFile, 'utf8') : '';
  const body = planCommentBody({
    names: n,
    outcome: planned ? 'planned' : 'failed',
    markdown,
    plan,
    sha: pr?.head?.sha ?? ctx.sha,
    baseSha: pr?.base?.sha ?? '',
    runUrl: ctx.runUrl,
    at: ctx.at(),
  });
  ctx.run.summary(body);
  if (pr) await upsertComment(ctx, pr.number, n.planMarker, body);
  if (!planned)
    throw new Refusal(
      `acns plan did not produce a plan for ${n.config} (step outcome: ${ctx.run.input('outcome', 'unknown')})`,
      'read the plan step of this run for the cause and its hint, fix it, then push or re-run the workflow',
    );
  if (!plan.safe) {
    for (const g of plan.guards) ctx.run.error(g.message, `acns guard ${g.kind}`);
    throw new Refusal(
      `the plan for ${n.config} is unsafe: acns apply would refuse it (exit 3)`,
      'see "How to go on in this pipeline" in the plan comment',
    );
  }
}

/**
 * The required check. Runs always (if: always()), after detect and plan:
 * nothing to plan → pass; a fork that touches the config → fail (forks get no secrets);
 * otherwise the plan job's result.
 */
export async function gate(ctx) {
  let needs;
  try {
    needs = JSON.parse(ctx.run.input('needs', '{}'));
  } catch {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, shown to the user
    throw new Refusal('the input "needs" is not JSON', 'pass needs: ${{ toJSON(needs) }}');
  }
  const detectJob = needs.detect;
  if (detectJob?.result !== 'success')
    throw new Refusal(
      `could not tell whether this pull request touches the config (detect job: ${detectJob?.result ?? 'missing'})`,
      're-run the workflow',
    );
  if (detectJob.outputs?.relevant !== 'true') {
    ctx.run.notice('this pull request does not touch the acns config: nothing to plan');
    return;
  }
  if (detectJob.outputs?.fork === 'true')
    throw new Refusal(
      'this pull request comes from a fork and changes the acns config; ' +
        'fork runs get no secrets, so it cannot be planned',
      'push the branch to this repository (a maintainer can do it) and open the pull request from there',
    );
  const result = needs.plan?.result ?? 'missing';
  if (result !== 'success')
    throw new Refusal(`the plan job ended "${result}"`, 'see the plan job and the plan comment for the reason');
  ctx.run.info('the plan job succeeded and the plan is safe');
}

/** Creates or updates the bot's comment carrying the marker on an issue or pull request; returns its URL. */
export async function upsertComment(ctx, number, marker, body) {
  const bot = ctx.run.input('bot-login', DEFAULT_BOT);
  const comments = await ctx.github.all(`/repos/${ctx.repo}/issues/${number}/comments`);
  const ours = findOwnComment(comments, marker, bot);
  if (ours) {
    await ctx.github.request('PATCH', `/repos/${ctx.repo}/issues/comments/${ours.id}`, { body });
    ctx.run.info(`updated comment ${ours.html_url ?? ours.id}`);
    return ours.html_url;
  }
  const created = await ctx.github.request('POST', `/repos/${ctx.repo}/issues/${number}/comments`, { body });
  ctx.run.info(`posted comment ${created?.html_url ?? ''}`);
  return created?.html_url;
}

export function lines(text) {
  return String(text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}
