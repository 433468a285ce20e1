/**
 * The workflow helpers' tasks against the stub GitHub API: every fail-closed path says why and how to go
 * on, and the happy paths set the outputs the workflows read.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configNames } from '../../gitops/lib/names.mjs';
import { githubEnv, runTask } from './helpers.js';
import { BOT, REPO, startStubApi, type StubApi } from './stub-api.js';

const MAIN = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const NEWER = 'c'.repeat(40);
const NAMES = configNames('acns.yaml');
const NOW = Date.parse('2026-08-20T10:00:00Z');

let api: StubApi;
let dir: string;
beforeEach(async () => {
  api = await startStubApi();
  dir = mkdtempSync(join(tmpdir(), 'acns-tasks-'));
});
afterEach(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => githubEnv(api, { GITHUB_SHA: MAIN, ...extra });

function mergedPr(n = 7) {
  api.gh.commitPulls[MAIN] = [
    {
      number: n,
      merged_at: '2026-08-20T09:30:00Z',
      base: { ref: 'main' },
      merge_commit_sha: MAIN,
      head: { sha: HEAD },
    },
  ];
}
function planRun(id: number, conclusion: string | null, created: string, status = 'completed') {
  api.gh.runs.push({
    id,
    workflow: 'plan-on-pull-request.yml',
    event: 'pull_request',
    head_sha: HEAD,
    status,
    conclusion,
    created_at: created,
    html_url: `https://github.com/${REPO}/actions/runs/${id}`,
    head_repository: { full_name: REPO },
  });
}

describe('guard-tip', () => {
  test('the tip of main passes', async () => {
    api.gh.branches.main = MAIN;
    expect((await runTask('guard-tip', {}, env())).code).toBe(0);
  });

  test('an old commit whose config differs from the tip is refused (re-run, overtaken): reason, way out', async () => {
    api.gh.branches.main = NEWER;
    api.gh.blobs[`${MAIN}:acns.yaml`] = 'blob-old';
    api.gh.blobs[`${NEWER}:acns.yaml`] = 'blob-new';
    const r = await runTask('guard-tip', {}, env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error title=acns%3A guard-tip refused::main has moved on to ccccccc/);
    expect(r.stdout).toMatch(/roll the account back/);
    expect(r.stdout).toMatch(/Way out: .*mode "fresh"/);
    expect(r.summary).toMatch(/Way out/);
  });

  test('main moved on without touching the config: going on', async () => {
    api.gh.branches.main = NEWER;
    api.gh.blobs[`${MAIN}:acns.yaml`] = 'same';
    api.gh.blobs[`${NEWER}:acns.yaml`] = 'same';
    const r = await runTask('guard-tip', {}, env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/::notice/);
  });

  test('a run on another branch is refused', async () => {
    const r = await runTask('guard-tip', {}, env({ GITHUB_REF: 'refs/heads/feature' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/apply runs only on main/);
  });

  test('a plan older than max-plan-age is refused; a glue-wait that outlasts the job is refused', async () => {
    api.gh.branches.main = MAIN;
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ created_at: '2026-08-10T00:00:00Z' }));
    const old = await runTask('guard-tip', { plan: join(dir, 'p.json'), 'max-plan-age': '2d' }, env(), { now: NOW });
    expect(old.code).toBe(1);
    expect(old.stdout).toMatch(/the plan to apply is 10d10h old/);
    const fresh = await runTask('guard-tip', { plan: join(dir, 'p.json'), 'max-plan-age': '14d' }, env(), { now: NOW });
    expect(fresh.code).toBe(0);
    const wait = await runTask('guard-tip', { 'glue-wait': '80m', 'timeout-minutes': '90' }, env());
    expect(wait.code).toBe(1);
    expect(wait.stdout).toMatch(/choose at most 1h15m/);
    expect((await runTask('guard-tip', { 'glue-wait': '75m', 'timeout-minutes': '90' }, env())).code).toBe(0);
  });
});

describe('find-reviewed', () => {
  test('the newest plan run of the merged pull request and its artifact', async () => {
    mergedPr();
    planRun(501, 'success', '2026-08-20T09:00:00Z');
    api.gh.artifacts.push({ id: 9001, run_id: 501, name: NAMES.planArtifact, expired: false });
    api.gh.artifacts.push({ id: 9002, run_id: 501, name: configNames('other.yaml').planArtifact, expired: false });
    const r = await runTask('find-reviewed', {}, env());
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ pr: '7', 'run-id': '501', 'artifact-id': '9001' });
  });

  test('a newer failed plan run wins over an older green one: refused', async () => {
    mergedPr();
    planRun(501, 'success', '2026-08-20T08:00:00Z');
    planRun(502, 'failure', '2026-08-20T09:00:00Z');
    api.gh.artifacts.push({ id: 9001, run_id: 501, name: NAMES.planArtifact, expired: false });
    const r = await runTask('find-reviewed', {}, env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/newest plan run for #7 .*runs\/502\) is "failure"/);
    expect(r.outputs['artifact-id']).toBeUndefined();
  });

  test.each([
    ['no merged pull request (a direct push)', () => undefined, /not the merge of a pull request/],
    ['no plan run', () => mergedPr(), /no run of plan-on-pull-request.yml planned pull request #7/],
    [
      'a plan run still in progress',
      () => (mergedPr(), planRun(501, null, '2026-08-20T09:00:00Z', 'in_progress')),
      /still in_progress/,
    ],
    [
      'a skipped or cancelled plan run',
      () => (mergedPr(), planRun(501, 'cancelled', '2026-08-20T09:00:00Z')),
      /"cancelled", not a success/,
    ],
    [
      'no artifact (the config was not planned)',
      () => (mergedPr(), planRun(501, 'success', '2026-08-20T09:00:00Z')),
      /has no artifact acns-plan-/,
    ],
    [
      'an expired artifact',
      () => (
        mergedPr(),
        planRun(501, 'success', '2026-08-20T09:00:00Z'),
        api.gh.artifacts.push({ id: 9, run_id: 501, name: NAMES.planArtifact, expired: true })
      ),
      /has expired/,
    ],
    [
      'a plan run from a fork',
      () => {
        mergedPr();
        planRun(501, 'success', '2026-08-20T09:00:00Z');
        api.gh.runs[0].head_repository = { full_name: 'mallory/dns' };
      },
      /no run of/,
    ],
  ])('fails closed: %s', async (_what, setup, message) => {
    setup();
    const r = await runTask('find-reviewed', {}, env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(message);
    expect(r.stdout).toMatch(/Way out: /);
  });
});

describe('compare', () => {
  function planFile(name: string, doc: Record<string, unknown>): string {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(doc));
    return p;
  }
  const doc = (steps: unknown[], extra: Record<string, unknown> = {}) => ({
    format_version: 1,
    created_at: '2026-08-20T09:00:00Z',
    account_id: 'acc',
    config: { file: 'acns.yaml', digest: 'sha256:aa' },
    glue_policy: 'enforce',
    endpoints: 'dns_settings',
    zone_filter: null,
    safe: true,
    guards: [],
    steps,
    ...extra,
  });
  const step = { id: 'assign_zone:a', kind: 'assign_zone', target: 'a', zone_id: 'z', before: null, after: null };

  test('nothing to apply on main: apply=false, success', async () => {
    const r = await runTask('compare', { 'current-plan': planFile('m.json', doc([])) }, env(), { now: NOW });
    expect(r.code).toBe(0);
    expect(r.outputs.apply).toBe('false');
    expect(r.summary).toMatch(/nothing to apply/);
  });

  test('matching plans: apply=true and the plan in the job summary', async () => {
    const md = join(dir, 'm.md');
    writeFileSync(md, 'PLAN MARKDOWN');
    const r = await runTask(
      'compare',
      {
        'current-plan': planFile('m.json', doc([step])),
        'reviewed-plan': planFile('r.json', doc([step])),
        'markdown-file': md,
      },
      env(),
      { now: NOW },
    );
    expect(r.code).toBe(0);
    expect(r.outputs.apply).toBe('true');
    expect(r.summary).toContain('PLAN MARKDOWN');
  });

  test('the reviewed plan in a downloaded artifact directory is found as plan.json', async () => {
    mkdirSync(join(dir, 'reviewed'));
    writeFileSync(join(dir, 'reviewed/plan.json'), JSON.stringify(doc([step])));
    const r = await runTask(
      'compare',
      { 'current-plan': planFile('m.json', doc([step])), 'reviewed-plan': join(dir, 'reviewed') },
      env(),
      { now: NOW },
    );
    expect(r.outputs.apply).toBe('true');
  });

  test('a mismatch, a missing reviewed plan, an unknown mode: refused with apply=false', async () => {
    const current = planFile('m.json', doc([step]));
    const other = planFile('r.json', doc([{ ...step, zone_id: 'other' }]));
    const r = await runTask('compare', { 'current-plan': current, 'reviewed-plan': other }, env(), { now: NOW });
    expect(r.code).toBe(1);
    expect(r.outputs.apply).toBe('false');
    expect(r.stdout).toMatch(/zone_id "other" in the reviewed plan, "z" on main/);
    const missing = await runTask('compare', { 'current-plan': current, 'reviewed-plan': join(dir, 'nope') }, env());
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/the reviewed plan .* cannot be read/);
    const mode = await runTask('compare', { 'current-plan': current, mode: 'yolo' }, env());
    expect(mode.code).toBe(1);
  });

  test('mode fresh publishes main plan for approval without a reviewed plan', async () => {
    const r = await runTask('compare', { 'current-plan': planFile('m.json', doc([step])), mode: 'fresh' }, env());
    expect(r.code).toBe(0);
    expect(r.outputs.apply).toBe('true');
    expect(r.summary).toMatch(/fresh plan made on main/);
  });
});

describe('plan comment, gate, detect, outdated, apply report', () => {
  function event(pr: Record<string, unknown>) {
    const p = join(dir, 'event.json');
    writeFileSync(p, JSON.stringify({ pull_request: pr }));
    return p;
  }
  const pr = { number: 7, head: { sha: HEAD, repo: { full_name: REPO } }, base: { sha: MAIN } };

  test('plan-report posts one comment, updates only its own, and replaces it with a failure notice', async () => {
    const planPath = join(dir, 'plan.json');
    writeFileSync(planPath, JSON.stringify({ safe: true, guards: [] }));
    const md = join(dir, 'plan.md');
    writeFileSync(md, '<!-- acns-plan -->\nPlan: 1 to change');
    api.gh.comments.push({ id: 1, issue: 7, body: NAMES.planMarker, user: { login: 'mallory', type: 'User' } });
    const e = env({ GITHUB_EVENT_PATH: event(pr) });
    const inputs = { outcome: 'success', 'plan-file': planPath, 'markdown-file': md };
    expect((await runTask('plan-report', inputs, e)).code).toBe(0);
    expect((await runTask('plan-report', inputs, e)).code).toBe(0);
    const ours = api.gh.comments.filter((c) => c.user.login === BOT.login);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toContain('Plan: 1 to change');
    expect(ours[0]!.body).toContain('https://github.com/octo/dns/actions/runs/777');
    expect(api.gh.comments[0]!.body).toBe(NAMES.planMarker); // the person's comment is untouched
    const failed = await runTask('plan-report', { outcome: 'failure' }, e);
    expect(failed.code).toBe(1);
    expect(ours[0]!.body).toContain('no current plan');
    expect(ours[0]!.body).not.toContain('Plan: 1 to change');
  });

  test('plan-report goes red on an unsafe plan, one annotation per guard', async () => {
    const planPath = join(dir, 'plan.json');
    writeFileSync(
      planPath,
      JSON.stringify({ safe: false, guards: [{ kind: 'mass_change', message: '60 zones change', steps: [] }] }),
    );
    const r = await runTask(
      'plan-report',
      { outcome: 'success', 'plan-file': planPath },
      env({ GITHUB_EVENT_PATH: event(pr) }),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error title=acns guard mass_change::60 zones change/);
    expect(api.gh.comments[0]!.body).toMatch(/policy.max_zone_changes/);
  });

  test.each([
    [{ detect: { result: 'success', outputs: { relevant: 'false', fork: 'false' } }, plan: { result: 'skipped' } }, 0],
    [{ detect: { result: 'success', outputs: { relevant: 'true', fork: 'false' } }, plan: { result: 'success' } }, 0],
    [{ detect: { result: 'success', outputs: { relevant: 'true', fork: 'true' } }, plan: { result: 'skipped' } }, 1],
    [{ detect: { result: 'success', outputs: { relevant: 'true', fork: 'false' } }, plan: { result: 'failure' } }, 1],
    [{ detect: { result: 'success', outputs: { relevant: 'true', fork: 'false' } }, plan: { result: 'cancelled' } }, 1],
    [{ detect: { result: 'failure', outputs: {} }, plan: { result: 'skipped' } }, 1],
  ])('gate %j → exit %d', async (needs: any, code) => {
    const r = await runTask('gate', { needs: JSON.stringify(needs) }, env());
    expect(r.code).toBe(code);
    if (needs.detect.outputs.fork === 'true') expect(r.stdout).toMatch(/fork/);
  });

  test('detect: relevant only when the config or a watched path changes; forks are flagged', async () => {
    api.gh.files[7] = [{ filename: 'README.md' }, { filename: 'docs/x.md' }];
    const e = env({ GITHUB_EVENT_PATH: event(pr) });
    expect((await runTask('detect', {}, e)).outputs).toEqual({ relevant: 'false', fork: 'false' });
    api.gh.files[7].push({ filename: 'acns.yaml' });
    expect((await runTask('detect', {}, e)).outputs.relevant).toBe('true');
    api.gh.files[7] = [{ filename: 'new.yaml', previous_filename: 'acns.yaml' }];
    expect((await runTask('detect', {}, e)).outputs.relevant).toBe('true');
    api.gh.files[7] = [{ filename: '.github/workflows/plan-on-pull-request.yml' }];
    expect((await runTask('detect', { watch: '.github/workflows/' }, e)).outputs.relevant).toBe('true');
    api.gh.files[7] = Array.from({ length: 150 }, (_, i) => ({ filename: `f${i}` })).concat({ filename: 'acns.yaml' });
    expect((await runTask('detect', {}, e)).outputs.relevant).toBe('true'); // on the second page
    const fork = { ...pr, head: { sha: HEAD, repo: { full_name: 'mallory/dns' } } };
    expect((await runTask('detect', {}, env({ GITHUB_EVENT_PATH: event(fork) }))).outputs.fork).toBe('true');
  });

  test('mark-outdated marks our plan comments on open pull requests once per main commit', async () => {
    api.gh.openPulls = [{ number: 7 }, { number: 8 }];
    const body = `${NAMES.planMarker}\n<!-- acns-gitops-meta {"sha":"x","base":"${'0'.repeat(40)}"} -->\nPlan`;
    api.gh.comments.push({ id: 1, issue: 7, body, user: BOT });
    api.gh.comments.push({ id: 2, issue: 8, body, user: { login: 'mallory', type: 'User' } });
    expect((await runTask('mark-outdated', {}, env())).code).toBe(0);
    expect(api.gh.comments[0]!.body).toMatch(/Outdated:\*\* main moved to aaaaaaa/);
    expect(api.gh.comments[1]!.body).toBe(body);
    const writes = api.writes().length;
    await runTask('mark-outdated', {}, env());
    expect(api.writes().length).toBe(writes); // already marked for this commit
  });

  test('apply-report writes the summary and one result comment on the pull request', async () => {
    const out = join(dir, 'out.txt');
    writeFileSync(out, 'Apply complete: 3 done');
    const r = await runTask('apply-report', { 'exit-code': '0', 'output-file': out, pr: '7' }, env());
    expect(r.code).toBe(0);
    expect(r.summary).toMatch(/✅ applied/);
    expect(api.gh.comments).toHaveLength(1);
    expect(api.gh.comments[0]!.body).toContain('Apply complete: 3 done');
    await runTask('apply-report', { 'exit-code': '3', 'output-file': out, pr: '7' }, env());
    expect(api.gh.comments).toHaveLength(1);
    expect(api.gh.comments[0]!.body).toMatch(/refused for safety/);
    const none = await runTask('apply-report', { 'exit-code': '', pr: '' }, env());
    expect(none.summary).toMatch(/acns did not run/);
  });
});

describe('drift', () => {
  function report(items: unknown[]): string {
    const p = join(dir, 'drift.json');
    writeFileSync(p, JSON.stringify({ account_id: 'acc', items }));
    return p;
  }
  const item = {
    key: 'zone:a.example',
    kind: 'zone',
    object: 'a.example',
    live: { type: 'cloudflare.standard' },
    desired: { type: 'custom.account', set: 1 },
    source: 'acns.yaml:9',
    message: '',
  };
  const record = (value: unknown) => {
    const p = join(dir, 'record.json');
    writeFileSync(p, JSON.stringify({ format_version: 1, account_id: 'acc', values: { 'zone:a.example': value } }));
    return p;
  };

  test('drift-gate skips while an apply run is not completed', async () => {
    api.gh.runs.push({
      id: 1,
      workflow: 'apply-on-merge.yml',
      status: 'completed',
      created_at: '2026-08-20T08:00:00Z',
    });
    expect((await runTask('drift-gate', {}, env())).outputs.skip).toBe('false');
    api.gh.runs.push({ id: 2, workflow: 'apply-on-merge.yml', status: 'waiting', created_at: '2026-08-20T09:00:00Z' });
    expect((await runTask('drift-gate', {}, env())).outputs.skip).toBe('true');
  });

  test('drift-gate after the check: drift may save its records only if no apply ran since the first gate', async () => {
    api.gh.runs.push({
      id: 1,
      workflow: 'apply-on-merge.yml',
      status: 'completed',
      created_at: '2026-08-20T08:00:00Z',
    });
    const first = await runTask('drift-gate', {}, env());
    expect(first.outputs).toMatchObject({ skip: 'false', 'newest-apply': '1.1' });
    const since = first.outputs['newest-apply']!;
    expect((await runTask('drift-gate', { since }, env())).outputs.save).toBe('true');
    // an apply that started and finished during the check saved newer records: drift's would hide them
    api.gh.runs.push({
      id: 2,
      workflow: 'apply-on-merge.yml',
      status: 'completed',
      created_at: '2026-08-20T09:00:00Z',
    });
    const after = await runTask('drift-gate', { since }, env());
    expect(after.outputs.save).toBe('false');
    expect(after.stdout).toMatch(/an apply ran during this drift check/);
    // one still running will save its own at its end
    const again = (await runTask('drift-gate', {}, env())).outputs['newest-apply']!;
    api.gh.runs.push({
      id: 3,
      workflow: 'apply-on-merge.yml',
      status: 'in_progress',
      created_at: '2026-08-20T10:00:00Z',
    });
    expect((await runTask('drift-gate', { since: again }, env())).outputs.save).toBe('false');
  });

  test('drift-gate after the check: an apply re-run (same id, next attempt) during it is an apply', async () => {
    const run = {
      id: 1,
      workflow: 'apply-on-merge.yml',
      status: 'completed',
      created_at: '2026-08-20T08:00:00Z',
      run_started_at: '2026-08-20T08:00:05Z',
      run_attempt: 1,
    };
    api.gh.runs.push(run, {
      ...run,
      id: 0,
      created_at: '2026-08-19T08:00:00Z',
      run_started_at: '2026-08-19T08:00:05Z',
    });
    const since = (await runTask('drift-gate', {}, env())).outputs['newest-apply']!;
    // "Re-run jobs" keeps the run id and its created_at; the re-run saved its records under a new attempt
    Object.assign(run, { run_attempt: 2, run_started_at: '2026-08-20T12:00:00Z' });
    expect((await runTask('drift-gate', { since }, env())).outputs.save).toBe('false');
    // so does re-running an older run (the same config as the tip passes the apply's tip guard)
    const since2 = (await runTask('drift-gate', {}, env())).outputs['newest-apply']!;
    expect((await runTask('drift-gate', { since: since2 }, env())).outputs.save).toBe('true');
    Object.assign(api.gh.runs[1], { run_attempt: 2, run_started_at: '2026-08-20T13:00:00Z' });
    expect((await runTask('drift-gate', { since: since2 }, env())).outputs.save).toBe('false');
  });

  test('drift-gate when the apply workflow never ran: newest-apply none, and drift may save', async () => {
    const first = await runTask('drift-gate', {}, env());
    expect(first.outputs).toMatchObject({ skip: 'false', 'newest-apply': 'none' });
    expect((await runTask('drift-gate', { since: 'none' }, env())).outputs.save).toBe('true');
  });

  test('outside change opens the issue; pending apply closes it; a failed check reopens one and fails', async () => {
    const opened = await runTask(
      'drift-report',
      { 'exit-code': '2', 'report-file': report([item]), record: record({ type: 'custom.account', set: 1 }) },
      env(),
    );
    expect(opened.code).toBe(0);
    expect(opened.outputs.status).toBe('drift');
    expect(api.gh.issues).toHaveLength(1);
    expect(api.gh.issues[0]!.body).toMatch(/changed outside acns/);

    const pending = await runTask(
      'drift-report',
      { 'exit-code': '2', 'report-file': report([item]), record: record({ type: 'cloudflare.standard' }) },
      env(),
    );
    expect(pending.outputs.status).toBe('pending');
    expect(api.gh.issues[0]!.state).toBe('closed');

    const failed = await runTask('drift-report', { 'exit-code': '1' }, env());
    expect(failed.code).toBe(1);
    expect(failed.outputs.status).toBe('error');
    expect(api.gh.issues).toHaveLength(2);
    expect(api.gh.issues[1]!.title).toMatch(/drift check of acns.yaml is failing/);
  });

  test('a zone the token cannot see: the issue says so and the job fails', async () => {
    const r = await runTask(
      'drift-report',
      { 'exit-code': '2', 'report-file': report([{ ...item, live: null }]) },
      env(),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/does not show to the token/);
    expect(api.gh.issues[0]!.body).toMatch(/not visible to the token/);
  });

  test("an issue another user opened with the marker is not the bot's: a new one is opened", async () => {
    api.gh.issues.push({
      number: 5,
      title: 'x',
      body: NAMES.driftMarker,
      state: 'open',
      user: { login: 'mallory', type: 'User' },
    });
    await runTask('drift-report', { 'exit-code': '2', 'report-file': report([item]) }, env());
    expect(api.gh.issues[0]!.body).toBe(NAMES.driftMarker);
    expect(api.gh.issues).toHaveLength(2);
  });
});

test('an unknown task and a missing token fail with a message, never a stack trace', async () => {
  const r = await runTask('nope', {}, env());
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/unknown task "nope"; the tasks are: names, detect/);
  const t = await runTask('drift-gate', {}, { ...env(), 'INPUT_GITHUB-TOKEN': '' });
  expect(t.code).toBe(1);
  expect(t.stdout).toMatch(/no GitHub token/);
  const bad = await runTask('drift-gate', {}, { ...env(), 'INPUT_GITHUB-TOKEN': 'wrong-token' });
  expect(bad.stdout).toMatch(/answered 401: Bad credentials/);
  expect(bad.stdout).not.toContain('wrong-token');
});
