#!/usr/bin/env node
/**
 * The acns workflow helpers: one task per call, named by the input `task` (GitHub: the action
 * acns/acns/gitops) or the first argument (`node gitops/main.mjs compare --reviewed r.json …`).
 * Each task prints what it found, sets step outputs, and on anything it cannot vouch for fails
 * closed (exit 1) with the reason and the way out. Node built-ins only: nothing to install.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { githubClient, gitlabClient } from './lib/http.mjs';
import { argvInputs, createRunner, Refusal } from './lib/runner.mjs';
import * as applyTasks from './tasks/apply.mjs';
import * as driftTasks from './tasks/drift.mjs';
import * as gitlabTasks from './tasks/gitlab.mjs';
import * as planTasks from './tasks/plan.mjs';

export const TASKS = {
  names: planTasks.names,
  detect: planTasks.detect,
  'plan-report': planTasks.planReport,
  gate: planTasks.gate,
  'guard-tip': applyTasks.guardTip,
  'find-reviewed': applyTasks.findReviewed,
  compare: applyTasks.compare,
  'apply-report': applyTasks.applyReport,
  'mark-outdated': applyTasks.markOutdatedTask,
  'drift-gate': driftTasks.driftGate,
  'drift-report': driftTasks.driftReport,
  'drift-classify': driftTasks.driftClassify,
  'gitlab-guard-tip': gitlabTasks.guardTip,
  'gitlab-find-reviewed': gitlabTasks.findReviewed,
};

/**
 * Runs one task; returns the exit code. Never throws: a refusal or an error becomes an annotation.
 * @param {string[]} argv
 * @param {Record<string, string | undefined>} env
 * @param {{ write(s: string): unknown }} stdout
 * @param {() => number} now
 */
export async function main(argv, env, stdout = process.stdout, now = () => Date.now()) {
  let given;
  let task;
  try {
    const [first, ...rest] = argv;
    task = first && !first.startsWith('--') ? first : undefined;
    given = argvInputs(task ? rest : argv);
  } catch (e) {
    stdout.write(`::error title=acns gitops::${e.message}\n`);
    return 1;
  }
  const run = createRunner(env, stdout, given);
  task ??= run.input('task');
  const fn = TASKS[task];
  if (!fn) {
    run.error(`unknown task "${task ?? ''}"; the tasks are: ${Object.keys(TASKS).join(', ')}`, 'acns gitops');
    return 1;
  }
  const ctx = context(run, env, now);
  try {
    await fn(ctx);
    return 0;
  } catch (e) {
    if (e instanceof Refusal) {
      run.error(`${e.message}\nWay out: ${e.wayOut}`, `acns: ${task} refused`);
      run.summary(`### ⛔ acns ${task}: refused\n\n${e.message}\n\n**Way out:** ${e.wayOut}\n`);
    } else {
      run.error(`${task} failed: ${e.message}`, 'acns gitops');
    }
    return 1;
  }
}

function context(run, env, now) {
  const repo = env.GITHUB_REPOSITORY ?? '';
  let gh;
  let gl;
  return {
    run,
    env,
    now,
    repo,
    sha: env.GITHUB_SHA ?? env.CI_COMMIT_SHA ?? '',
    runUrl: env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${repo}/actions/runs/${env.GITHUB_RUN_ID}`
      : (env.CI_JOB_URL ?? ''),
    get github() {
      gh ??= githubClient({ token: run.input('github-token'), apiUrl: env.GITHUB_API_URL });
      return gh;
    },
    get gitlab() {
      gl ??= gitlabClient({ token: env.ACNS_GITLAB_TOKEN ?? '', apiUrl: env.CI_API_V4_URL });
      return gl;
    },
    /** The webhook event that started the run (GitHub), or {}. */
    event() {
      return env.GITHUB_EVENT_PATH ? JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) : {};
    },
    readJson(path, what) {
      let text;
      try {
        text = readFileSync(resolve(path), 'utf8');
      } catch (e) {
        throw new Refusal(`${what} (${path}) cannot be read: ${e.code ?? e.message}`, 'see the earlier steps');
      }
      try {
        return JSON.parse(text);
      } catch {
        throw new Refusal(`${what} (${path}) is not JSON`, 'see the earlier steps');
      }
    },
    /** UTC time for people: 2026-08-20 10:04 UTC */
    at() {
      return `${new Date(now()).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
