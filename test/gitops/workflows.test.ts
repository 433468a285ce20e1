/**
 * The GitOps files users copy — action.yml, gitops/action.yml, examples/github-actions/*.yml,
 * examples/gitlab-ci/*.yml — and this repository's release workflow, parsed with `yaml`: every action
 * pinned by commit SHA with a version comment, secrets only on the acns steps, the write secret only in
 * the environment-gated apply job, least-privilege permissions, no credentials left in checkouts, a
 * time limit on every job, ordered applies, and every acns command, flag, helper task and input real.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TASKS } from '../../gitops/main.mjs';
import type { CliIO } from '../../src/cli/io.js';
import { run } from '../../src/cli/program.js';
import { ROOT } from './helpers.js';

type Yaml = Record<string, any>;

const read = (path: string) => {
  const text = readFileSync(join(ROOT, path), 'utf8');
  return { path, text, doc: parse(text) as Yaml };
};
const EXAMPLES = 'examples/github-actions';
const WORKFLOW_FILES = readdirSync(join(ROOT, EXAMPLES))
  .filter((f) => f.endsWith('.yml') && f !== 'dependabot.yml')
  .sort();
const WF: Record<string, { path: string; text: string; doc: Yaml }> = Object.fromEntries(
  WORKFLOW_FILES.map((f) => [f, read(`${EXAMPLES}/${f}`)]),
);
const RELEASE = read('.github/workflows/release.yml');
const ACTION = read('action.yml');
const GITOPS = read('gitops/action.yml');
const GITLAB = read('examples/gitlab-ci/acns.gitlab-ci.yml');
const ALL_GITHUB = [...Object.values(WF), RELEASE, ACTION, GITOPS];

const isAcns = (uses: unknown) => typeof uses === 'string' && /^acns\/acns@/.test(uses);
const isGitops = (uses: unknown) => typeof uses === 'string' && /^acns\/acns\/gitops@/.test(uses);
const jobsOf = (doc: Yaml) => Object.entries(doc.jobs ?? {}) as [string, Yaml][];
const stepsOf = (doc: Yaml) =>
  jobsOf(doc).flatMap(([name, job]) => (job.steps as Yaml[]).map((s) => ({ job: name, s })));

describe('the example workflows', () => {
  test('plan on pull request, apply on merge, drift on a schedule (also for many accounts)', () => {
    expect(WORKFLOW_FILES).toEqual([
      'apply-on-merge.yml',
      'drift-many-accounts.yml',
      'drift-schedule.yml',
      'plan-on-pull-request.yml',
    ]);
  });

  test.each(WORKFLOW_FILES)('%s: name, on, no default permissions, every job scoped, timed, with steps', (f) => {
    const { doc } = WF[f]!;
    expect(typeof doc.name).toBe('string');
    expect(doc.on).toBeTruthy();
    expect(doc.permissions).toEqual({}); // each job asks for what it needs
    for (const [, job] of jobsOf(doc)) {
      expect(job['runs-on']).toBeTruthy();
      expect(job.permissions).toBeDefined();
      expect(job['timeout-minutes']).toBeGreaterThan(0);
      for (const s of job.steps as Yaml[]) expect(typeof s.uses === 'string' || typeof s.run === 'string').toBe(true);
    }
  });
});

describe('pins', () => {
  const pins = ALL_GITHUB.flatMap(({ path, text }) =>
    text
      .split('\n')
      .filter((l) => /^\s*(-\s+)?uses:/.test(l))
      .map((line) => ({ path, line: line.trim() })),
  );

  test('every action is pinned by a 40-hex commit SHA with a version comment', () => {
    expect(pins.length).toBeGreaterThan(20);
    for (const p of pins)
      expect({
        ...p,
        ok: /^(-\s+)?uses: [\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40} # v\d+(\.\d+)*$/.test(p.line),
      }).toEqual({ ...p, ok: true });
  });

  test('one action, one SHA everywhere (acns/acns and acns/acns/gitops at the same release)', () => {
    const shaOf = new Map<string, Set<string>>();
    for (const { line } of pins) {
      const m = /uses: ([\w.-]+\/[\w.-]+)(?:\/[\w./-]+)?@([0-9a-f]{40}) # (v\S+)/.exec(line)!;
      shaOf.set(m[1]!, (shaOf.get(m[1]!) ?? new Set()).add(`${m[2]} ${m[3]}`));
    }
    for (const [repo, shas] of shaOf) expect({ repo, shas: [...shas].length }).toEqual({ repo, shas: 1 });
    expect([...shaOf.keys()]).toEqual(expect.arrayContaining(['acns/acns', 'actions/checkout', 'actions/setup-node']));
  });

  test('Dependabot watches GitHub Actions, here and in the example for users', () => {
    for (const path of ['.github/dependabot.yml', `${EXAMPLES}/dependabot.yml`]) {
      const { doc } = read(path);
      expect(doc.updates.map((u: Yaml) => u['package-ecosystem'])).toContain('github-actions');
    }
  });
});

describe('secrets and tokens', () => {
  /** [yaml path, value] of every string scalar. */
  const scalars = (v: unknown, path: string[] = []): [string[], string][] =>
    typeof v === 'string'
      ? [[path, v]]
      : Array.isArray(v)
        ? v.flatMap((x, i) => scalars(x, [...path, String(i)]))
        : v && typeof v === 'object'
          ? Object.entries(v).flatMap(([k, x]) => scalars(x, [...path, k]))
          : [];

  test.each(WORKFLOW_FILES)('%s: secrets only in the env of acns steps (never job or workflow env, never run)', (f) => {
    const { doc } = WF[f]!;
    const uses = scalars(doc).filter(([, v]) => /secrets\./.test(v));
    expect(uses.length).toBeGreaterThan(0);
    for (const [path, v] of uses) {
      expect({
        path: path.join('.'),
        shape: path.length === 6 && path[0] === 'jobs' && path[2] === 'steps' && path[4] === 'env',
      }).toEqual({
        path: path.join('.'),
        shape: true,
      });
      const step = doc.jobs[path[1]!].steps[Number(path[3])];
      expect(isAcns(step.uses)).toBe(true);
      expect(v).toMatch(/^\$\{\{ secrets\.CLOUDFLARE_(READ|WRITE)_TOKEN \}\}$/);
      expect(path[5]).toBe('CLOUDFLARE_API_TOKEN');
    }
  });

  test('the write token: only in the apply job, which runs in the production environment', () => {
    const where = Object.entries(WF).flatMap(([f, { doc }]) =>
      scalars(doc)
        .filter(([, v]) => v.includes('CLOUDFLARE_WRITE_TOKEN'))
        .map(([p]) => `${f}:${p.slice(0, 2).join('.')}`),
    );
    expect(where).toEqual(['apply-on-merge.yml:jobs.apply']);
    const apply = WF['apply-on-merge.yml']!.doc.jobs.apply;
    expect(apply.environment).toBe('production');
    expect(apply.needs).toBe('prepare');
    // plan, drift and the prepare job read with the read token
    for (const [f, job] of [
      ['plan-on-pull-request.yml', 'plan'],
      ['drift-schedule.yml', 'drift'],
      ['drift-many-accounts.yml', 'drift'],
      ['apply-on-merge.yml', 'prepare'],
    ] as const) {
      const text = JSON.stringify(WF[f]!.doc.jobs[job]);
      expect(text).toContain('secrets.CLOUDFLARE_READ_TOKEN');
      expect(text).not.toContain('WRITE');
    }
  });

  test('the account id is a variable, not a secret', () => {
    for (const { doc } of Object.values(WF))
      for (const [path, v] of scalars(doc))
        if (path.at(-1) === 'CLOUDFLARE_ACCOUNT_ID') expect(v).toBe('${{ vars.CLOUDFLARE_ACCOUNT_ID }}');
  });

  test('every checkout leaves no credentials behind', () => {
    const checkouts = ALL_GITHUB.flatMap(({ doc }) =>
      doc.jobs ? stepsOf(doc).filter(({ s }) => String(s.uses).startsWith('actions/checkout@')) : [],
    );
    expect(checkouts.length).toBeGreaterThanOrEqual(5);
    for (const { s } of checkouts) expect(s.with['persist-credentials']).toBe(false);
  });

  test('no ${{ }} inside a run script (inputs reach scripts through env only)', () => {
    for (const { doc } of [...Object.values(WF), RELEASE])
      for (const { s } of stepsOf(doc)) if (typeof s.run === 'string') expect(s.run).not.toContain('${{');
    for (const s of ACTION.doc.runs.steps as Yaml[]) if (s.run) expect(s.run).not.toContain('${{');
  });

  test('the actions take no secret input and cannot read the secrets context', () => {
    for (const a of [ACTION, GITOPS]) {
      for (const [, v] of scalars(a.doc)) expect(v).not.toMatch(/\$\{\{[^}]*secrets\./);
      for (const name of Object.keys(a.doc.inputs))
        expect(name).not.toMatch(/^(?!github-token$).*(token|key|secret|password|email)/i);
    }
    expect(GITOPS.doc.inputs['github-token'].default).toBe('${{ github.token }}');
  });
});

describe('apply on merge', () => {
  const { doc } = WF['apply-on-merge.yml']!;
  const prepare = doc.jobs.prepare as Yaml;
  const apply = doc.jobs.apply as Yaml;
  const task = (job: Yaml, name: string) => (job.steps as Yaml[]).find((s) => isGitops(s.uses) && s.with.task === name);

  test('push to main touching the config, and a dispatch with fresh mode, glue-wait and allow-mass-change', () => {
    expect(doc.on.push).toEqual({ branches: ['main'], paths: ['acns.yaml'] });
    expect(doc.env.ACNS_CONFIG).toBe('acns.yaml');
    const inputs = doc.on.workflow_dispatch.inputs;
    expect(inputs.mode).toMatchObject({ type: 'choice', options: ['reviewed', 'fresh'], default: 'reviewed' });
    expect(inputs['glue-wait'].type).toBe('string');
    expect(inputs['allow-mass-change'].type).toBe('boolean');
    const step = (apply.steps as Yaml[]).find((s) => isAcns(s.uses))!;
    expect(step.with.command).toBe('apply plan/main-plan.json -c ${{ env.ACNS_CONFIG }}');
    expect(step.with.args).toContain("format('--glue-wait={0}', inputs.glue-wait)");
    expect(step.with.args).toContain("inputs.allow-mass-change && '--allow-mass-change'");
  });

  test('queued in order, never cancelled; drift has its own group', () => {
    expect(doc.concurrency).toEqual({ group: 'acns-apply-acns.yaml', 'cancel-in-progress': false, queue: 'max' });
    expect(WF['drift-schedule.yml']!.doc.concurrency.group).not.toBe(doc.concurrency.group);
  });

  test('prepare: guard, reviewed plan, plan on main with the read token, compare — in that order', () => {
    const order = (prepare.steps as Yaml[]).map((s) =>
      isGitops(s.uses) ? s.with.task : isAcns(s.uses) ? s.with.command.split(' ')[0] : s.uses.split('@')[0],
    );
    expect(order).toEqual([
      'names',
      'guard-tip',
      'actions/checkout',
      'find-reviewed',
      'actions/download-artifact',
      'actions/cache/restore',
      'plan',
      'actions/cache/save',
      'compare',
      'actions/upload-artifact',
    ]);
    const dl = (prepare.steps as Yaml[]).find((s) => String(s.uses).startsWith('actions/download-artifact'))!;
    expect(dl.with).toMatchObject({
      'artifact-ids': '${{ steps.reviewed.outputs.artifact-id }}',
      'run-id': '${{ steps.reviewed.outputs.run-id }}',
    });
    expect(task(prepare, 'compare')!.with).toMatchObject({
      mode: "${{ inputs.mode || 'reviewed' }}",
      'reviewed-plan': 'reviewed',
      'current-plan': '${{ steps.plan.outputs.plan-file }}',
    });
    expect(prepare.outputs.apply).toBe('${{ steps.compare.outputs.apply }}');
    // fresh mode skips the lookup; nothing else can skip the comparison
    expect(task(prepare, 'find-reviewed')!.if).toBe("inputs.mode != 'fresh'");
    expect(task(prepare, 'compare')!.if).toBeUndefined();
  });

  test("prepare saves the records its plan wrote, under its own key: else every plan's holds start anew", () => {
    // the plan that apply carries out is made here; when it first saw a delegation move (or found no
    // record of the moves) times its held deletions, and only a saved record keeps that start
    const steps = prepare.steps as Yaml[];
    const plan = steps.findIndex((s) => isAcns(s.uses));
    const save = steps.findIndex((s) => String(s.uses).startsWith('actions/cache/save'));
    expect(save).toBeGreaterThan(plan);
    expect(steps[save]!.if).toBe('always()');
    expect(steps[save]!.with.path).toBe(
      (apply.steps as Yaml[]).find((s) => String(s.uses).startsWith('actions/cache/save'))!.with.path,
    );
    // caches are immutable: apply saves under run id and attempt, so prepare needs a key of its own
    expect(steps[save]!.with.key).toBe(
      '${{ steps.names.outputs.cache-key-prefix }}${{ github.run_id }}-${{ github.run_attempt }}-plan',
    );
  });

  test('apply: only after compare said so, the plan made on main, the guard again, then report', () => {
    expect(apply.if).toBe("needs.prepare.outputs.apply == 'true'");
    const names = (apply.steps as Yaml[]).map((s) =>
      isGitops(s.uses) ? s.with.task : isAcns(s.uses) ? 'acns' : s.uses.split('@')[0],
    );
    expect(names.indexOf('guard-tip')).toBeLessThan(names.indexOf('acns'));
    expect(names.indexOf('actions/download-artifact')).toBeLessThan(names.indexOf('guard-tip'));
    expect(task(apply, 'guard-tip')!.with.plan).toBe('plan/main-plan.json');
    const dl = (apply.steps as Yaml[]).find((s) => String(s.uses).startsWith('actions/download-artifact'))!;
    expect(dl.with.name).toBe('${{ steps.names.outputs.apply-plan-artifact }}');
    expect(dl.with['run-id']).toBeUndefined(); // this run's own artifact, never another run's
    expect(task(apply, 'apply-report')!.if).toBe('always()');
    const journal = (apply.steps as Yaml[]).find((s) => s.with?.path === '.acns/journal.jsonl')!;
    expect(journal.with['include-hidden-files']).toBe(true);
  });

  test('timeout-minutes: longer than any glue-wait the guard allows, and the guard knows it', () => {
    expect(apply['timeout-minutes']).toBe(90);
    for (const job of [prepare, apply]) expect(Number(task(job, 'guard-tip')!.with['timeout-minutes'])).toBe(90);
  });

  test('open pull requests are marked outdated on every push', () => {
    expect(doc.jobs['mark-outdated'].if).toBe("github.event_name == 'push'");
    expect(task(doc.jobs['mark-outdated'], 'mark-outdated')).toBeDefined();
  });
});

describe('plan on pull request', () => {
  const { doc } = WF['plan-on-pull-request.yml']!;

  test('no paths filter (the required check must always report); the gate always runs after detect and plan', () => {
    expect(doc.on.pull_request).toEqual({ branches: ['main'] });
    expect(doc.jobs.gate).toMatchObject({ name: 'acns (required check)', needs: ['detect', 'plan'], if: 'always()' });
    expect(doc.jobs.gate.steps[0].with).toEqual({ task: 'gate', needs: '${{ toJSON(needs) }}' });
    expect(doc.jobs.plan.if).toBe("needs.detect.outputs.relevant == 'true' && needs.detect.outputs.fork == 'false'");
  });

  test('the plan report runs after a failure too (the comment must not keep an old plan), not after cancel', () => {
    const report = (doc.jobs.plan.steps as Yaml[]).find((s) => s.with?.task === 'plan-report')!;
    expect(report.if).toBe("${{ !cancelled() && steps.names.outcome == 'success' }}");
    expect(report.with.outcome).toBe('${{ steps.plan.outcome }}');
    const upload = (doc.jobs.plan.steps as Yaml[]).find((s) => String(s.uses).startsWith('actions/upload-artifact'))!;
    expect(upload.with.name).toBe('${{ steps.names.outputs.plan-artifact }}'); // derived from the config path
  });
});

describe('drift on a schedule', () => {
  const { doc } = WF['drift-schedule.yml']!;
  test('skipped while an apply runs; json report classified with the last-applied record; issue on failure too', () => {
    const steps = doc.jobs.drift.steps as Yaml[];
    expect(steps[0].with).toEqual({ task: 'drift-gate', 'apply-workflow': 'apply-on-merge.yml' });
    for (const s of steps.slice(1)) expect(s.if).toContain("steps.gate.outputs.skip != 'true'");
    expect(steps.find((s) => isAcns(s.uses))!.with.command).toBe('drift -c ${{ env.ACNS_CONFIG }} --format json');
    const report = steps.find((s) => s.with?.task === 'drift-report')!;
    expect(report.if).toContain('!cancelled()');
    expect(report.with['report-file']).toBe('${{ steps.drift.outputs.output-file }}');
    expect((doc.on.schedule[0].cron as string).split(/\s+/)).toHaveLength(5);
  });
});

describe('drift for many accounts', () => {
  const { doc } = WF['drift-many-accounts.yml']!;
  const job = doc.jobs.drift;
  const single = WF['drift-schedule.yml']!.doc.jobs.drift;

  test('one job per account: its own config, environment (secrets), concurrency group and apply gate', () => {
    expect(job.strategy['fail-fast']).toBe(false);
    expect(job.strategy.matrix.account.length).toBeGreaterThan(1);
    expect(job.env.ACNS_CONFIG).toBe('accounts/${{ matrix.account }}/acns.yaml');
    expect(job.environment).toBe('acns-${{ matrix.account }}');
    expect(job.concurrency).toEqual({
      group: 'acns-drift-accounts/${{ matrix.account }}/acns.yaml',
      'cancel-in-progress': false,
    });
    expect(doc.concurrency).toBeUndefined(); // a workflow-wide group would queue the accounts behind each other
    expect(job.steps[0].with).toEqual({ task: 'drift-gate', 'apply-workflow': 'apply-acns-${{ matrix.account }}.yml' });
  });

  test('the same steps as the single-account drift workflow', () => {
    const shape = (steps: Yaml[]) => steps.map((s) => [s.uses, s.if, Object.keys(s.with ?? {}), s.env]);
    expect(shape(job.steps.slice(1))).toEqual(shape(single.steps.slice(1)));
    expect(job.permissions).toEqual(single.permissions);
  });
});

describe('every helper task, input and output the workflows use exists', () => {
  const uses = [...Object.values(WF), RELEASE].flatMap(({ doc, path }) =>
    stepsOf(doc).map(({ job, s }) => ({ where: `${path} ${job}`, s })),
  );

  test('gitops steps name a real task and declared inputs; acns steps declared inputs', () => {
    for (const { where, s } of uses) {
      if (isGitops(s.uses)) {
        expect({ where, task: s.with.task, known: s.with.task in TASKS }).toEqual({
          where,
          task: s.with.task,
          known: true,
        });
        for (const k of Object.keys(s.with))
          expect({ where, k, declared: k in GITOPS.doc.inputs }).toEqual({ where, k, declared: true });
      }
      if (isAcns(s.uses))
        for (const k of Object.keys(s.with))
          expect({ where, k, declared: k in ACTION.doc.inputs }).toEqual({ where, k, declared: true });
    }
  });

  test('steps.X.outputs.Y of an action step is an output that action declares', () => {
    for (const { doc, text, path } of Object.values(WF)) {
      const byId = new Map(
        stepsOf(doc)
          .filter(({ s }) => s.id)
          .map(({ s }) => [s.id as string, s.uses as string]),
      );
      for (const m of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        const usesOf = byId.get(m[1]!);
        const declared = isGitops(usesOf) ? GITOPS.doc.outputs : isAcns(usesOf) ? ACTION.doc.outputs : undefined;
        expect({ path, ref: m[0], ok: declared ? m[2]! in declared : false }).toEqual({ path, ref: m[0], ok: true });
      }
    }
  });
});

describe('action.yml', () => {
  const steps = ACTION.doc.runs.steps as Yaml[];

  test('composite; Node LTS by default; outputs from the run step', () => {
    expect(ACTION.doc.runs.using).toBe('composite');
    expect(String(ACTION.doc.inputs['node-version'].default)).toBe('24');
    expect(ACTION.doc.inputs['allow-source-build'].default).toBe('false');
    for (const o of ['exit-code', 'output-file', 'plan-file'])
      expect(ACTION.doc.outputs[o].value).toBe(`\${{ steps.run.outputs.${o} }}`);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe('>=20.18.1'); // the package itself keeps working on Node 20
  });

  test('no npm at run time: one step decides how acns is present (action/install.mjs), then exec run.mjs', () => {
    expect(steps.map((s) => s.run ?? s.uses.split('@')[0])).toEqual([
      'actions/setup-node',
      'node action/install.mjs',
      'exec node "$GITHUB_ACTION_PATH/action/run.mjs"',
    ]);
    expect(steps[1]!['working-directory']).toBe('${{ github.action_path }}');
    for (const s of steps.filter((x) => x.run)) expect(s.shell).toBe('bash');
    for (const s of steps) expect(s.run ?? '').not.toMatch(/\bnpm\b/);
  });

  test('the package ships what a release needs', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'schemas', 'action.yml', 'action', 'gitops']));
    expect(GITOPS.doc.runs).toEqual({ using: 'node24', main: 'main.mjs' });
  });
});

describe('the release workflow', () => {
  const job = RELEASE.doc.jobs.release as Yaml;
  test('dispatched on main, tests on Node 20, builds the release tree, tags a commit of it', () => {
    expect(RELEASE.doc.on.workflow_dispatch.inputs.tag.required).toBe(true);
    expect(job.if).toBe("github.ref == 'refs/heads/main'");
    expect(job.permissions).toEqual({ contents: 'write' });
    const runs = (job.steps as Yaml[]).map((s) => s.run ?? '').join('\n');
    expect(runs).toMatch(/npm test/);
    expect(runs).toMatch(/scripts\/release-tree\.sh/);
    expect(runs).toMatch(/git commit-tree/);
    expect(runs).toMatch(/sha256sum/);
    expect(runs).toMatch(/npm pack --silent --pack-destination/); // the CLI package, for npm install -g
    const node = (job.steps as Yaml[]).find((s) => String(s.uses).startsWith('actions/setup-node'))!;
    expect(node.with['node-version']).toBe('20');
    const script = readFileSync(join(ROOT, 'scripts/release-tree.sh'), 'utf8');
    expect(script).toMatch(/npm ci --omit=dev --ignore-scripts/);
  });
});

describe('GitLab example', () => {
  const doc = GITLAB.doc;

  test('ordered: apply and drift share a resource group, set to oldest_first, outdated jobs prevented', () => {
    expect(doc['acns-apply'].resource_group).toBe('acns-apply-acns.yaml');
    expect(doc['acns-drift'].resource_group).toBe(doc['acns-apply'].resource_group);
    expect(GITLAB.text).toMatch(/process_mode=oldest_first/);
    expect(GITLAB.text).toMatch(/Prevent outdated deployment jobs/);
  });

  test('pinned code: the release tarball is checked against its sha256 before it runs; no clone', () => {
    const before = doc['.acns'].before_script as string[];
    const check = before.findIndex((l) => /sha256sum -c/.test(l));
    expect(check).toBe(1);
    expect(before.findIndex((l) => /tar -xzf/.test(l))).toBeGreaterThan(check);
    expect(GITLAB.text).not.toMatch(/git clone/);
    expect(doc.variables.ACNS_SHA256).toMatch(/^[0-9a-f]{64}$/);
  });

  test("prepare keeps its plan's records, in the apply resource group: else every plan's holds start anew", () => {
    const prepare = doc['acns-prepare'];
    expect(prepare.cache).toEqual({ ...doc['acns-apply'].cache, when: 'always' });
    expect(prepare.cache.policy).toBe('pull-push');
    // pushed while an apply runs, its older copy would erase what the apply recorded
    expect(prepare.resource_group).toBe(doc['acns-apply'].resource_group);
  });

  test('the reviewed plan: prepare compares, apply applies the plan prepare made, behind production', () => {
    const prepare = (doc['acns-prepare'].script as string[]).join('\n');
    expect(prepare).toMatch(/acns-gitops gitlab-guard-tip/);
    expect(prepare).toMatch(/acns-gitops gitlab-find-reviewed --out reviewed\/plan.json/);
    expect(prepare).toMatch(/acns-gitops compare .*--reviewed-plan reviewed\/plan.json --current-plan main-plan.json/);
    const apply = doc['acns-apply'];
    expect(apply.needs).toEqual(['acns-prepare']);
    expect(apply.environment).toEqual({ name: 'production' });
    expect((apply.script as string[]).join('\n')).toMatch(/set -- apply main-plan.json/);
    expect(apply.timeout).toBe('90 minutes');
  });

  test('the write token only in acns-apply; every acns-gitops task exists', () => {
    const jobs = Object.entries(doc).filter(([k]) => k.startsWith('acns-'));
    const withWrite = jobs.filter(([, j]) => JSON.stringify(j).includes('CLOUDFLARE_WRITE_TOKEN')).map(([k]) => k);
    expect(withWrite).toEqual(['acns-apply']);
    for (const m of GITLAB.text.matchAll(/acns-gitops ([a-z-]+)/g)) expect(Object.keys(TASKS)).toContain(m[1]);
  });
});

describe('every acns command and flag the files run is real', () => {
  let commands: string[] = [];
  const flagsOf = new Map<string, string>();
  beforeAll(async () => {
    commands = parseCommands(await help([]));
    for (const c of commands) flagsOf.set(c, await help([c]));
  });

  test('the workflows and the GitLab example run validate, plan, apply and drift with real flags', () => {
    const invocations = acnsInvocations();
    expect(new Set(invocations.map((i) => i.args[0]))).toEqual(new Set(['validate', 'plan', 'apply', 'drift']));
    for (const inv of invocations) {
      const [cmd, ...rest] = inv.args;
      expect({ where: inv.where, cmd, known: commands.includes(cmd!) }).toEqual({ where: inv.where, cmd, known: true });
      for (const tok of rest.filter((t) => t.startsWith('-'))) {
        const flag = tok.startsWith('--') ? tok.split('=')[0]! : tok.slice(0, 2);
        expect({ where: inv.where, flag, known: hasFlag(flagsOf.get(cmd!) ?? '', flag) }).toEqual({
          where: inv.where,
          flag,
          known: true,
        });
      }
    }
  });

  test('the flag check would catch a typo', () => {
    expect(hasFlag(flagsOf.get('plan') ?? '', '--detailed-exitcode')).toBe(true);
    expect(hasFlag(flagsOf.get('plan') ?? '', '--detailed-exit-code')).toBe(false);
    expect(hasFlag(flagsOf.get('apply') ?? '', '--glue-wait')).toBe(true);
  });
});

/** Every acns command line: the action's command (+ args lines) and `acns …` lines of GitLab scripts. */
function acnsInvocations(): { where: string; args: string[] }[] {
  const out: { where: string; args: string[] }[] = [];
  for (const { doc, path } of Object.values(WF))
    for (const { job, s } of stepsOf(doc))
      if (isAcns(s.uses)) {
        const extra = String(s.with.args ?? '').match(/'(--[a-z-]+)/g) ?? [];
        out.push({
          where: `${path} ${job}`,
          args: [...s.with.command.trim().split(/\s+/), ...extra.map((e) => e.slice(1))],
        });
      }
  for (const [name, job] of Object.entries(GITLAB.doc as Yaml))
    for (const line of (job?.script ?? []) as string[]) {
      const m = /(?:^|[\s;|])acns (?!"\$@")([a-z]+(?:\s+[^\s;|>]+)*)/.exec(line);
      if (m) out.push({ where: `gitlab ${name}`, args: m[1]!.replace(/"\$ACNS_CONFIG"/g, 'acns.yaml').split(/\s+/) });
      const set = /set -- ([a-z]+(?:\s+[^\s;|>]+)*)/.exec(line);
      if (set)
        out.push({ where: `gitlab ${name}`, args: set[1]!.replace(/"\$ACNS_CONFIG"/g, 'acns.yaml').split(/\s+/) });
    }
  return out;
}

async function help(argv: string[]): Promise<string> {
  const chunks: string[] = [];
  const io: CliIO = {
    stdout: { write: (s: string) => chunks.push(s) },
    stderr: { write: () => undefined },
    env: {},
    cwd: ROOT,
  };
  expect(await run([...argv, '--help'], io)).toBe(0);
  return chunks.join('');
}

function parseCommands(text: string): string[] {
  const section = text.split(/^Commands:\s*$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!);
}

function hasFlag(helpText: string, flag: string): boolean {
  const esc = flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s,])${esc}(?=[\\s,=]|$)`, 'm').test(helpText);
}

describe('docs/gitops.md is checked against the workflows', () => {
  const doc = readFileSync(join(ROOT, 'docs/gitops.md'), 'utf8');

  test('names every helper task, secret, variable, the required check, the environment and the files', () => {
    for (const task of Object.keys(TASKS)) expect(doc).toContain(`\`${task}\``);
    const all = [...Object.values(WF), GITLAB].map((f) => f.text).join('\n');
    for (const m of all.matchAll(/(secrets|vars)\.([A-Z_]+)/g)) expect(doc).toContain(m[2]);
    expect(doc).toContain(`**\`${WF['plan-on-pull-request.yml']!.doc.jobs.gate.name}\`**`);
    expect(doc).toContain(`\`${WF['apply-on-merge.yml']!.doc.jobs.apply.environment}\` environment`);
    expect(doc).toContain(`group: ${WF['apply-on-merge.yml']!.doc.concurrency.group}`);
    expect(doc).toContain('`queue: max`');
    for (const f of [...WORKFLOW_FILES.map((x) => `${EXAMPLES}/${x}`), GITLAB.path, '.github/workflows/release.yml'])
      expect(doc).toContain(f);
    expect(doc).toContain(
      `ACNS_MAX_PLAN_AGE\` (${WF['apply-on-merge.yml']!.doc.env.ACNS_MAX_PLAN_AGE.replace('d', ' days')})`,
    );
    expect(doc).toContain(`${WF['apply-on-merge.yml']!.doc.jobs.apply['timeout-minutes']} minutes`);
  });

  test('its recovery paths use the dispatch inputs the workflow has', () => {
    const inputs = WF['apply-on-merge.yml']!.doc.on.workflow_dispatch.inputs;
    for (const m of doc.matchAll(/`mode: (\w+)`/g)) expect(inputs.mode.options).toContain(m[1]);
    for (const name of ['glue-wait', 'allow-mass-change']) expect(doc).toContain(`\`${name}\``);
  });
});

describe('the records acns keeps between runs travel together in every cache', () => {
  // held deletions and a takeover's hold are timed from these; a cache without them restarts the clocks
  const RECORDS = ['.acns/last-applied.json', '.acns/delegation-moves.json', '.acns/takeovers.json'];
  const cacheSteps = Object.values(WF).flatMap((wf) =>
    stepsOf(wf.doc)
      .filter(({ s }) => typeof s.uses === 'string' && s.uses.startsWith('actions/cache'))
      .map(({ job, s }) => ({ where: `${wf.path} ${job}: ${s.name}`, paths: String(s.with?.path ?? '') })),
  );

  test('GitHub: every cache step of the examples lists all three records', () => {
    expect(cacheSteps.length).toBeGreaterThan(0);
    for (const { where, paths } of cacheSteps) {
      const listed = paths
        .split('\n')
        .map((p) => p.trim())
        .filter(Boolean);
      expect({ where, listed }).toEqual({ where, listed: RECORDS });
    }
  });

  test('scheduled drift saves the records it observed, only after a second gate found no apply since', () => {
    for (const file of ['drift-schedule.yml', 'drift-many-accounts.yml']) {
      const steps = stepsOf(WF[file]!.doc).map(({ s }) => s);
      const gates = steps.filter((s) => s.with?.task === 'drift-gate');
      expect(gates).toHaveLength(2);
      expect(gates[1]!.with.since).toBe(`\${{ steps.${gates[0]!.id}.outputs.newest-apply }}`);
      expect(gates[1]!.with['apply-workflow']).toBe(gates[0]!.with['apply-workflow']);
      const save = steps.find((s) => String(s.uses).startsWith('actions/cache/save'));
      expect(save?.if).toContain(`steps.${gates[1]!.id}.outputs.save == 'true'`);
      const drift = steps.findIndex((s) => String(s.with?.command ?? '').startsWith('drift'));
      expect(steps.indexOf(gates[1]!)).toBeGreaterThan(drift);
      expect(steps.indexOf(save!)).toBeGreaterThan(steps.indexOf(gates[1]!));
    }
    // GitLab: drift runs in the apply resource group, so it pushes its records like apply
    const drift = (GITLAB.doc as Yaml)['acns-drift'];
    expect(drift.resource_group).toBe((GITLAB.doc as Yaml)['acns-apply'].resource_group);
    expect(drift.cache).toMatchObject({ policy: 'pull-push', when: 'always' });
  });

  test('GitLab: every cache lists all three records', () => {
    const caches = Object.values(GITLAB.doc as Yaml)
      .map((job) => (job as Yaml)?.cache)
      .filter((c): c is Yaml => c !== undefined);
    expect(caches.length).toBeGreaterThan(0);
    for (const c of caches) expect(c.paths).toEqual(RECORDS);
  });
});
