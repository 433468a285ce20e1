/**
 * The GitLab example, run: the script lines of its jobs in bash (as the runner joins them), with `acns`
 * and `acns-gitops` on PATH as its before_script installs them, against the stub GitLab API and the
 * emulator. The merge request's plan is the reviewed plan; the default branch re-plans, compares and
 * applies its own plan — and a crafted artifact stops the pipeline before the apply job.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BASE_CONFIG, isWrite, startWorld, TOKEN, type World } from '../e2e/harness.js';
import { reseal } from '../render/reseal.js';
import { MAIN } from './action-run.js';
import { GITOPS_MAIN, ROOT } from './helpers.js';
import { GL_TOKEN, startStubApi, type StubApi } from './stub-api.js';

const CI = parse(readFileSync(join(ROOT, 'examples/gitlab-ci/acns.gitlab-ci.yml'), 'utf8'));
const SHA = '3'.repeat(40);
const MR_HEAD = '4'.repeat(40);

let w: World;
let api: StubApi;
let bin: string;
beforeAll(async () => {
  w = await startWorld();
  w.writeConfig(BASE_CONFIG);
  api = await startStubApi();
  bin = join(w.dir, '.bin');
  mkdirSync(bin);
  for (const [name, target] of [
    ['acns', MAIN],
    ['acns-gitops', GITOPS_MAIN],
  ]) {
    writeFileSync(join(bin, name!), `#!/bin/sh\nexec "${process.execPath}" "${target}" "$@"\n`);
    chmodSync(join(bin, name!), 0o755);
  }
  api.gl.branches.main = SHA;
  api.gl.commitMrs[SHA] = [{ iid: 3, state: 'merged', target_branch: 'main', merge_commit_sha: SHA, sha: MR_HEAD }];
  api.gl.mrPipelines[3] = [{ id: 55, status: 'success', sha: MR_HEAD }];
  api.gl.pipelineJobs[55] = [{ id: 66, name: 'acns-plan', status: 'success' }];
});
afterAll(async () => {
  await api.close();
  await w.close();
});

/**
 * Runs one job's script lines; job variables are resolved as GitLab would from `vars`. Asynchronous:
 * the emulator answers from this process.
 */
async function job(name: string, vars: Record<string, string> = {}) {
  const j = CI[name];
  const resolved: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...CI.variables, ...(j.variables ?? {}) }) as [string, string][])
    resolved[k] = String(v).replace(/^\$(\w+)$/, (_m, ref: string) => vars[ref] ?? '');
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', (j.script as string[]).join('\n')], {
    cwd: w.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      ...w.env,
      ...resolved,
      CI_API_V4_URL: api.gitlabUrl,
      CI_PROJECT_ID: '42',
      CI_COMMIT_SHA: SHA,
      CI_COMMIT_BRANCH: 'main',
      CI_DEFAULT_BRANCH: 'main',
      CI_JOB_URL: 'https://gitlab.example/job/1',
      ACNS_GITLAB_TOKEN: GL_TOKEN,
      ...vars,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { status, stdout, stderr };
}

const tokens = { CLOUDFLARE_READ_TOKEN: TOKEN, CLOUDFLARE_WRITE_TOKEN: TOKEN };

function dotenv(): Record<string, string> {
  const p = join(w.dir, 'acns.env');
  if (!existsSync(p)) return {};
  return Object.fromEntries(
    readFileSync(p, 'utf8')
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

test('MR plan → the default branch refuses a crafted artifact, then applies the reviewed one', async () => {
  const mr = await job('acns-plan', tokens);
  expect({ status: mr.status, err: mr.stderr }).toMatchObject({ status: 0 });
  const reviewed = JSON.parse(readFileSync(join(w.dir, 'plan.json'), 'utf8'));

  // a crafted artifact: another zone's id, no glue checks, glue policy off, resealed
  const legacy = w.emu.state.zones.find((z) => z.name === 'legacy.example')!.id;
  api.gl.jobArtifacts['66:plan.json'] = reseal({
    ...reviewed,
    glue_policy: 'off',
    steps: reviewed.steps
      .filter((s: any) => s.kind !== 'glue_check')
      .map((s: any) => ({
        ...s,
        depends_on: s.depends_on.filter((d: string) => !d.startsWith('glue_check')),
        ...(s.target === 'example.org' ? { zone_id: legacy } : {}),
      })),
  });
  rmSync(join(w.dir, 'acns.env'), { force: true });
  const writes = w.emu.requests().filter(isWrite).length;
  const crafted = await job('acns-prepare', tokens);
  expect(crafted.status).not.toBe(0);
  expect(crafted.stdout).toContain(`zone_id "${legacy}" in the reviewed plan`);
  expect(dotenv().APPLY).toBe('false');
  expect(w.emu.requests().filter(isWrite).length).toBe(writes);

  api.gl.jobArtifacts['66:plan.json'] = reviewed;
  rmSync(join(w.dir, 'acns.env'), { force: true });
  const prepared = await job('acns-prepare', tokens);
  expect({ status: prepared.status, out: prepared.stdout }).toMatchObject({ status: 0 });
  expect(dotenv().APPLY).toBe('true');

  const applied = await job('acns-apply', { ...tokens, ...dotenv(), ACNS_GLUE_WAIT: '1s' });
  expect({ status: applied.status, err: applied.stderr }).toMatchObject({ status: 0 });
  expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
  expect(w.zone('legacy.example').type).toBe('cloudflare.standard');
});

test('the apply job refuses when the default branch moved on to another config', async () => {
  api.gl.branches.main = '5'.repeat(40);
  api.gl.blobs[`${SHA}:acns.yaml`] = 'old';
  api.gl.blobs[`${'5'.repeat(40)}:acns.yaml`] = 'new';
  const r = await job('acns-apply', { ...tokens, APPLY: 'true' });
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/has moved on to 5555555/);
  api.gl.branches.main = SHA;
});
