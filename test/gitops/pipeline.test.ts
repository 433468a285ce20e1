/**
 * The apply pipeline's logic end to end: the workflow helpers as processes against the stub GitHub API,
 * the acns action's run step (bash + action/run.mjs + the built CLI) against the emulator.
 *
 * The crafted-plan reproduction: a pull-request run may upload any artifact (its workflow file is the
 * pull request's). A resealed plan whose assign_zone step for example.org carries legacy.example's
 * zone_id, with glue_policy off and the glue steps removed, passes acns's digest check — and the
 * workflow refuses it, because it applies only its own plan made on main, and only when the reviewed
 * plan has the same steps, zone ids and glue policy.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configNames } from '../../gitops/lib/names.mjs';
import { BASE_CONFIG, isWrite, startWorld, type World } from '../e2e/harness.js';
import { reseal } from '../render/reseal.js';
import { runAction } from './action-run.js';
import { githubEnv, spawnTask } from './helpers.js';
import { REPO, startStubApi, type StubApi } from './stub-api.js';

const MERGE = '1'.repeat(40);
const HEAD = '2'.repeat(40);

let w: World;
let api: StubApi;
beforeAll(async () => {
  w = await startWorld();
  w.writeConfig(BASE_CONFIG);
  api = await startStubApi();
  api.gh.branches.main = MERGE;
  api.gh.commitPulls[MERGE] = [
    {
      number: 7,
      merged_at: new Date().toISOString(),
      base: { ref: 'main' },
      merge_commit_sha: MERGE,
      head: { sha: HEAD },
    },
  ];
  api.gh.runs.push({
    id: 501,
    workflow: 'plan-on-pull-request.yml',
    event: 'pull_request',
    head_sha: HEAD,
    status: 'completed',
    conclusion: 'success',
    created_at: new Date().toISOString(),
    html_url: `https://github.com/${REPO}/actions/runs/501`,
    head_repository: { full_name: REPO },
  });
  api.gh.artifacts.push({ id: 9001, run_id: 501, name: configNames('acns.yaml').planArtifact, expired: false });
});
afterAll(async () => {
  await api.close();
  await w.close();
});

const gh = () => githubEnv(api, { GITHUB_SHA: MERGE });

/** The prepare job up to the comparison, with `reviewed` as the downloaded artifact. */
async function prepare(reviewed: Record<string, unknown>) {
  const tip = await spawnTask('guard-tip', {}, gh(), w.dir);
  expect(tip.code).toBe(0);
  const found = await spawnTask('find-reviewed', {}, gh(), w.dir);
  expect(found.code).toBe(0);
  expect(found.outputs).toMatchObject({ pr: '7', 'run-id': '501', 'artifact-id': '9001' });
  mkdirSync(join(w.dir, 'reviewed'), { recursive: true });
  writeFileSync(join(w.dir, 'reviewed/plan.json'), JSON.stringify(reviewed, null, 2)); // download-artifact
  const plan = await runAction(w.dir, w.env, { command: 'plan -c acns.yaml -o main-plan.json --format markdown' });
  expect(plan.code).toBe(0);
  return spawnTask(
    'compare',
    {
      'reviewed-plan': 'reviewed',
      'current-plan': plan.outputs['plan-file']!,
      'markdown-file': plan.outputs['output-file']!,
    },
    gh(),
    w.dir,
  );
}

test('the crafted plan passes the digest check but the workflow refuses it; nothing is written', async () => {
  const honest = await runAction(w.dir, w.env, { command: 'plan -c acns.yaml -o pr-plan.json' });
  expect(honest.code).toBe(0);
  const doc = JSON.parse(readFileSync(join(w.dir, 'pr-plan.json'), 'utf8'));
  const legacyId = w.emu.state.zones.find((z) => z.name === 'legacy.example')!.id;
  const glueIds = new Set(doc.steps.filter((s: any) => s.kind === 'glue_check').map((s: any) => s.id));
  expect(glueIds.size).toBeGreaterThan(0);
  const crafted = reseal({
    ...doc,
    glue_policy: 'off',
    summary: { ...doc.summary, checks: 0 },
    steps: doc.steps
      .filter((s: any) => s.kind !== 'glue_check')
      .map((s: any) => ({
        ...s,
        depends_on: s.depends_on.filter((d: string) => !glueIds.has(d)),
        ...(s.id === 'assign_zone:example.org' ? { zone_id: legacyId } : {}),
      })),
  });
  // The seal is no protection: anyone can recompute it, and the plan still renders as example.org.
  writeFileSync(join(w.dir, 'crafted.json'), JSON.stringify(crafted));
  expect((await w.cli(['show', 'crafted.json'])).stdout).toContain('example.org');

  const before = w.emu.requests().filter(isWrite).length;
  const r = await prepare(crafted);
  expect(r.code).toBe(1);
  expect(r.outputs.apply).toBe('false');
  expect(r.stdout).toContain('glue policy: "off" in the reviewed plan, "enforce" on main');
  expect(r.stdout).toContain(`step assign_zone:example.org: zone_id "${legacyId}" in the reviewed plan`);
  expect(r.stdout).toMatch(/step glue_check:1 is in the plan made on main but was not in the reviewed plan/);
  expect(r.stdout).toMatch(/Way out: .*mode "fresh"/);
  expect(r.summary).toMatch(/⛔ acns: the plan made on main is not the reviewed plan/);
  expect(w.emu.requests().filter(isWrite).length).toBe(before);
  expect(w.zone('legacy.example').type).toBe('cloudflare.standard');
});

test('the honest reviewed plan matches; the apply step applies the plan made on main', async () => {
  const reviewed = JSON.parse(readFileSync(join(w.dir, 'pr-plan.json'), 'utf8'));
  const r = await prepare(reviewed);
  expect(r.code).toBe(0);
  expect(r.outputs.apply).toBe('true');
  expect(r.summary).toMatch(/matches the reviewed plan/);
  expect(r.summary).toContain('<!-- acns-plan -->'); // the plan, rendered, for the approver

  cpSync(join(w.dir, 'main-plan.json'), join(w.dir, 'plan.json'));
  const applied = await runAction(w.dir, w.env, {
    command: 'apply plan.json -c acns.yaml',
    args: '--glue-wait=1s\n',
  });
  expect(applied.code).toBe(0);
  expect(applied.outputs['exit-code']).toBe('0');
  expect(w.zone('example.org')).toEqual({ type: 'custom.account', ns_set: 1 });
  expect(w.zone('legacy.example').type).toBe('cloudflare.standard');
  const report = await spawnTask(
    'apply-report',
    { 'exit-code': applied.outputs['exit-code']!, 'output-file': applied.outputs['output-file']!, pr: '7' },
    gh(),
    w.dir,
  );
  expect(report.code).toBe(0);
  expect(api.gh.comments.find((c) => c.issue === 7)?.body).toMatch(/✅ applied/);
});

test('drift after the apply, with the record acns wrote: outside change, pending apply, invisible zone', async () => {
  expect(existsSync(join(w.dir, '.acns/last-applied.json'))).toBe(true);
  // someone switches shop.example.org back in the dashboard; main stops using set 1 for the reverse zone
  const shop = w.emu.state.zones.find((z) => z.name === 'shop.example.org')!;
  shop.nameservers = { type: 'cloudflare.standard' };
  w.writeConfig(BASE_CONFIG.replace('  113.0.203.in-addr.arpa: 1\n', '  113.0.203.in-addr.arpa: standard\n'));
  const drift = await runAction(w.dir, w.env, { command: 'drift -c acns.yaml --format json' });
  expect(drift.code).toBe(0);
  expect(drift.outputs['exit-code']).toBe('2');
  const report = await spawnTask(
    'drift-report',
    { 'exit-code': '2', 'report-file': drift.outputs['output-file']! },
    gh(),
    w.dir,
  );
  expect(report.code).toBe(0);
  expect(report.outputs.status).toBe('drift');
  const issue = api.gh.issues.at(-1)!;
  expect(issue.body).toMatch(/\| shop\.example\.org \| changed outside acns \|/);
  expect(issue.body).toMatch(/\| 113\.0\.203\.in-addr\.arpa \| pending apply \|/);

  // a zone the token cannot see: an error, reported through the same issue, and the job fails
  w.writeConfig(`${BASE_CONFIG.replace('zones:\n', 'zones:\n  ghost.example: 1\n')}`);
  const ghost = await runAction(w.dir, w.env, { command: 'drift -c acns.yaml --format json' });
  const failed = await spawnTask(
    'drift-report',
    { 'exit-code': ghost.outputs['exit-code']!, 'report-file': ghost.outputs['output-file']! },
    gh(),
    w.dir,
  );
  expect(failed.code).toBe(1);
  expect(failed.outputs.status).toBe('error');
  expect(api.gh.issues.at(-1)!.body).toMatch(/ghost\.example \| error: not visible to the token/);
  w.writeConfig(BASE_CONFIG);
});
