/**
 * Tasks of the drift workflow: skip while an apply is queued or running (its changes are not drift),
 * then classify `acns drift --format json` with the last-applied record and keep one issue per config
 * up to date — opened on drift and on a failed check, closed when the account matches again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { classifyDrift, driftMarkdown } from '../lib/drift.mjs';
import { configNames } from '../lib/names.mjs';
import { Refusal } from '../lib/runner.mjs';
import { DEFAULT_BOT } from './plan.mjs';

/** Outputs skip=true when a run of the apply workflow has not completed yet. */
export async function driftGate(ctx) {
  const workflow = ctx.run.input('apply-workflow', 'apply-on-merge.yml');
  const { workflow_runs: runs } = await ctx.github.get(
    `/repos/${ctx.repo}/actions/workflows/${encodeURIComponent(workflow)}/runs?per_page=20`,
  );
  const busy = runs.find((r) => r.status !== 'completed');
  const newest = latestStart(runs);
  const since = ctx.run.input('since');
  if (!since) {
    ctx.run.setOutput('skip', busy ? 'true' : 'false');
    ctx.run.setOutput('newest-apply', newest);
    if (busy)
      ctx.run.notice(`an apply is ${busy.status} (${busy.html_url}): drift check skipped, the next one will run`);
    return;
  }
  // After the check: drift's records (when it first saw a takeover's glue re-pointed) may be saved
  // only if no apply ran since the first gate; saved after one, they would hide what it recorded.
  const save = !busy && newest === since;
  ctx.run.setOutput('save', save ? 'true' : 'false');
  if (!save) ctx.run.notice('an apply ran during this drift check: its records stay the newest, this run saves none');
}

/**
 * The run of the apply workflow that started last, as `<id>.<attempt>` ('none' before the first):
 * "Re-run jobs" keeps a run's id and creation time, so the newest id alone would miss an apply
 * re-run (and its saved records) during the check.
 */
function latestStart(runs) {
  let latest;
  for (const r of runs) {
    const t = Date.parse(r.run_started_at ?? r.created_at);
    if (!latest || t > latest.t) latest = { t, r };
  }
  return latest ? `${latest.r.id}.${latest.r.run_attempt ?? 1}` : 'none';
}

/** Classifies the report, writes the summary, opens / updates / closes the drift issue. */
export async function driftReport(ctx) {
  const { n, result, failure, body } = classified(ctx);
  const issue = await ownIssue(ctx, n.driftMarker);
  if (result.status === 'drift' || result.status === 'error') {
    const title =
      result.status === 'drift'
        ? `acns: the account drifted from ${n.config}`
        : `acns: the drift check of ${n.config} is failing`;
    if (issue) await ctx.github.request('PATCH', `/repos/${ctx.repo}/issues/${issue.number}`, { title, body });
    else await ctx.github.request('POST', `/repos/${ctx.repo}/issues`, { title, body });
    ctx.run.info(`${issue ? 'updated' : 'opened'} the drift issue`);
  } else if (issue) {
    const why =
      result.status === 'pending' ? 'only changes waiting for the apply workflow remain' : 'no drift any more';
    await ctx.github.request('POST', `/repos/${ctx.repo}/issues/${issue.number}/comments`, {
      body: `${why} ([run](${ctx.runUrl})). Closing.\n\n${body}`,
    });
    await ctx.github.request('PATCH', `/repos/${ctx.repo}/issues/${issue.number}`, {
      state: 'closed',
      state_reason: 'completed',
    });
    ctx.run.info(`closed drift issue #${issue.number}`);
  }
  if (failure)
    throw new Refusal(
      failure,
      'see the drift step of this run; the drift issue says the same and stays open until it passes',
    );
}

/**
 * The same classification without an issue tracker (GitLab, a terminal): the summary, the output
 * status, and a failure on an error — and on drift outside acns, so a scheduled pipeline goes red.
 */
export async function driftClassify(ctx) {
  const { result, failure } = classified(ctx);
  if (failure) throw new Refusal(failure, 'see the drift job log');
  if (result.status === 'drift')
    throw new Refusal(
      'the live account was changed outside acns (see the table above)',
      're-run the apply pipeline to undo it, or put the change in the config to keep it',
    );
}

function classified(ctx) {
  const n = configNames(ctx.run.input('config', 'acns.yaml'));
  const code = ctx.run.input('exit-code');
  const reportPath = ctx.run.input('report-file');
  const recordPath = ctx.run.input('record', '.acns/last-applied.json');
  let result;
  let failure;
  if (code !== '0' && code !== '2') {
    failure = `acns drift ended with exit code ${code || 'unknown'} (an error: credentials, network or the config)`;
    result = { status: 'error', recordUsed: false, items: [] };
  } else {
    const report = reportPath && existsSync(reportPath) ? safeJson(readFileSync(reportPath, 'utf8')) : undefined;
    const record = existsSync(recordPath) ? safeJson(readFileSync(recordPath, 'utf8')) : undefined;
    result = Array.isArray(report?.items)
      ? classifyDrift(report, record)
      : { status: 'error', recordUsed: false, items: [] };
    if (!Array.isArray(report?.items)) failure = `the drift report (${reportPath || 'none'}) is missing or not JSON`;
    else if (result.status === 'error')
      failure =
        'the config names zones the account does not show to the token: grant the token those zones ' +
        '(Zone Read), or remove them from the config';
  }
  const body = driftMarkdown({ names: n, result, runUrl: ctx.runUrl, at: ctx.at(), failure });
  ctx.run.summary(body);
  ctx.run.setOutput('status', result.status);
  return { n, result, failure, body };
}

async function ownIssue(ctx, marker) {
  const bot = ctx.run.input('bot-login', DEFAULT_BOT);
  const open = await ctx.github.all(`/repos/${ctx.repo}/issues?state=open&creator=${encodeURIComponent(bot)}`);
  return open.find((i) => !i.pull_request && i.user?.login === bot && i.body?.includes(marker));
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
