/**
 * The same trust checks for GitLab CI (see examples/gitlab-ci/): the tip-of-branch guard and the
 * lookup of the plan reviewed on the merged merge request. GitLab's API through ACNS_GITLAB_TOKEN (a
 * project access token with read_api); the project and commit from GitLab's predefined variables.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { configNames } from '../lib/names.mjs';
import { Refusal } from '../lib/runner.mjs';
import { checkGlueWait, checkPlanAge } from './apply.mjs';

const FRESH_WAY_OUT =
  'run a pipeline on the default branch with ACNS_MODE=fresh: it plans afresh and the protected ' +
  'environment approval shows that plan before it is applied';

function project(ctx) {
  const id = ctx.env.CI_PROJECT_ID;
  if (!id) throw new Refusal('CI_PROJECT_ID is not set: not running in GitLab CI?', 'run this in a GitLab CI job');
  return `/projects/${encodeURIComponent(id)}`;
}

/**
 * Refuses unless the config at this pipeline's commit is the config at the tip of the default branch;
 * with --plan, also a plan older than --max-plan-age; with --glue-wait, one too long for --timeout-minutes.
 */
export async function guardTip(ctx) {
  const branch = ctx.run.input('branch', ctx.env.CI_DEFAULT_BRANCH || 'main');
  const n = configNames(ctx.run.input('config', 'acns.yaml'));
  if (ctx.env.CI_COMMIT_BRANCH !== branch)
    throw new Refusal(
      `this pipeline is for ${ctx.env.CI_COMMIT_BRANCH ?? 'no branch'}; apply runs only on ${branch}`,
      `run it on ${branch}`,
    );
  checkGlueWait(ctx);
  const p = project(ctx);
  const tip = (await ctx.gitlab.get(`${p}/repository/branches/${encodeURIComponent(branch)}`)).commit.id;
  if (tip === ctx.sha) {
    checkPlanAge(ctx, FRESH_WAY_OUT);
    return ctx.run.info(`${ctx.sha.slice(0, 7)} is the tip of ${branch}`);
  }
  const blob = async (ref) => {
    try {
      return (await ctx.gitlab.get(`${p}/repository/files/${encodeURIComponent(n.config)}?ref=${ref}`)).blob_id;
    } catch (e) {
      if (e.status === 404) return null;
      throw e;
    }
  };
  if ((await blob(ctx.sha)) !== (await blob(tip)))
    throw new Refusal(
      `${branch} has moved on to ${tip.slice(0, 7)} and ${n.config} there differs from this pipeline's commit: ` +
        'applying this commit would roll the account back',
      `the pipeline for ${tip.slice(0, 7)} applies the newest config; if it failed, ${FRESH_WAY_OUT}`,
    );
  checkPlanAge(ctx, FRESH_WAY_OUT);
  ctx.run.info(`${branch} moved on to ${tip.slice(0, 7)}, but ${n.config} is the same there`);
}

/** Downloads the reviewed plan (the plan job's artifact in the merged MR's newest pipeline) to --out. */
export async function findReviewed(ctx) {
  const branch = ctx.run.input('branch', ctx.env.CI_DEFAULT_BRANCH || 'main');
  const job = ctx.run.input('plan-job', 'acns-plan');
  const artifact = ctx.run.input('artifact-path', 'plan.json');
  const out = ctx.run.input('out', 'reviewed/plan.json');
  const p = project(ctx);
  const mrs = await ctx.gitlab.get(`${p}/repository/commits/${ctx.sha}/merge_requests`);
  const mr = mrs.find(
    (m) =>
      m.state === 'merged' &&
      m.target_branch === branch &&
      [m.merge_commit_sha, m.squash_commit_sha, m.sha].includes(ctx.sha),
  );
  if (!mr)
    throw new Refusal(
      `commit ${ctx.sha.slice(0, 7)} is not the merge of a merge request into ${branch}: there is no reviewed plan`,
      `open a merge request; to apply ${branch} as it is, ${FRESH_WAY_OUT}`,
    );
  const pipelines = (await ctx.gitlab.get(`${p}/merge_requests/${mr.iid}/pipelines`)).sort((a, b) => b.id - a.id);
  const newest = pipelines[0];
  if (newest?.status !== 'success')
    throw new Refusal(
      newest
        ? `the newest pipeline of !${mr.iid} (${newest.web_url ?? newest.id}) is "${newest.status}", not a success`
        : `merge request !${mr.iid} has no pipeline`,
      `retry it until it passes, then retry this job; or ${FRESH_WAY_OUT}`,
    );
  const jobs = await ctx.gitlab.get(`${p}/pipelines/${newest.id}/jobs?per_page=100`);
  const planJob = jobs.find((j) => j.name === job && j.status === 'success');
  if (!planJob) throw new Refusal(`pipeline ${newest.id} of !${mr.iid} has no successful job ${job}`, FRESH_WAY_OUT);
  let plan;
  try {
    plan = await ctx.gitlab.get(`${p}/jobs/${planJob.id}/artifacts/${artifact}`);
  } catch (e) {
    if (e.status === 404) throw new Refusal(`job ${planJob.id} has no artifact ${artifact} (expired?)`, FRESH_WAY_OUT);
    throw e;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(plan, null, 2)}\n`);
  ctx.run.setOutput('mr', mr.iid);
  ctx.run.info(`reviewed plan of !${mr.iid} (pipeline ${newest.id}, job ${planJob.id}) saved to ${out}`);
}
