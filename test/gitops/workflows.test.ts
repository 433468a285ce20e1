/**
 * The GitOps files users copy: action.yml and examples/github-actions/*.yml. Parsed with `yaml`,
 * checked for the keys GitHub needs, for secrets only through `secrets.*`, and for every acns command
 * and flag they run being real — the command list comes from the CLI's own --help, in-process.
 * The action's run script is executed with bash against a stub CLI to check exit codes and outputs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { CliIO } from '../../src/cli/io.js';
import { run } from '../../src/cli/program.js';
import { DRIFT_MARKER } from '../../src/render/drift.js';
import { PLAN_MARKER } from '../../src/render/markdown.js';

type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples/github-actions');
const WORKFLOW_FILES = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.yml'))
  .sort();
const ACTION_TEXT = readFileSync(join(ROOT, 'action.yml'), 'utf8');
const ACTION: Yaml = parse(ACTION_TEXT);
const WORKFLOWS: Record<string, { text: string; doc: Yaml }> = Object.fromEntries(
  WORKFLOW_FILES.map((f) => {
    const text = readFileSync(join(EXAMPLES, f), 'utf8');
    return [f, { text, doc: parse(text) as Yaml }];
  }),
);

/** A step that runs this repository's action (published name or `./` when used inside the repo). */
const isAcnsAction = (uses: unknown): boolean =>
  typeof uses === 'string' && (/^acns\/acns@/.test(uses) || uses === './');

describe('the three example workflows', () => {
  test('exist: plan on pull request, apply on merge, drift on a schedule', () => {
    expect(WORKFLOW_FILES).toEqual(['apply-on-merge.yml', 'drift-schedule.yml', 'plan-on-pull-request.yml']);
  });

  test.each(WORKFLOW_FILES)('%s has name, on, permissions and jobs whose steps all use or run something', (f) => {
    const { doc } = WORKFLOWS[f];
    expect(typeof doc.name).toBe('string');
    expect(doc.on).toBeTruthy(); // YAML 1.2: `on` stays a key, not the boolean true
    expect(doc.permissions).toBeTruthy();
    const jobs = Object.values(doc.jobs ?? {}) as Yaml[];
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      expect(job['runs-on']).toBeTruthy();
      expect(Array.isArray(job.steps) && job.steps.length > 0).toBe(true);
      for (const step of job.steps as Yaml[])
        expect(typeof step.uses === 'string' || typeof step.run === 'string').toBe(true);
      expect(job.steps.some((s: Yaml) => isAcnsAction(s.uses))).toBe(true);
    }
  });

  test('plan on pull request: plan flags, one comment by marker, artifact, summary, fails when unsafe', () => {
    // the flags: -o plan.json --format markdown --detailed-exitcode
    const { doc, text } = WORKFLOWS['plan-on-pull-request.yml'];
    expect(doc.on.pull_request).toBeDefined();
    const steps = doc.jobs.plan.steps as Yaml[];
    const plan = steps.find((s) => isAcnsAction(s.uses) && /^plan\b/.test(s.with?.command));
    expect(plan?.with.command.split(/\s+/)).toEqual(
      expect.arrayContaining(['-o', 'plan.json', '--format', 'markdown', '--detailed-exitcode']),
    );
    expect(steps.some((s) => isAcnsAction(s.uses) && /^validate\b/.test(s.with?.command))).toBe(true);
    // The comment is found by the very marker the renderer writes.
    expect(text).toContain(`'${PLAN_MARKER}'`);
    const script = steps.find((s) => String(s.uses).startsWith('actions/github-script'))?.with.script as string;
    expect(script).toMatch(/updateComment/);
    expect(script).toMatch(/createComment/);
    const upload = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact'));
    expect(upload?.with).toMatchObject({ name: 'acns-plan', path: '${{ steps.plan.outputs.plan-file }}' });
    expect(steps.some((s) => typeof s.run === 'string' && s.run.includes('$GITHUB_STEP_SUMMARY'))).toBe(true);
    const unsafe = steps.find((s) => typeof s.run === 'string' && /plan\.safe/.test(s.run));
    expect(unsafe?.run).toMatch(/process\.exit\(1\)/);
  });

  test('apply on merge: push to main, acns-apply never cancelled, the reviewed artifact, else --auto-approve', () => {
    const { doc } = WORKFLOWS['apply-on-merge.yml'];
    const planDoc = WORKFLOWS['plan-on-pull-request.yml'].doc;
    expect(doc.on.push.branches).toEqual(['main']);
    expect(doc.concurrency).toEqual({ group: 'acns-apply', 'cancel-in-progress': false });
    const steps = doc.jobs.apply.steps as Yaml[];
    const finder = steps.find((s) => String(s.uses).startsWith('actions/github-script'))?.with.script as string;
    expect(finder).toContain("workflow_id: 'plan-on-pull-request.yml'"); // the plan example's file name
    const uploaded = (planDoc.jobs.plan.steps as Yaml[]).find((s) =>
      String(s.uses).startsWith('actions/upload-artifact'),
    )?.with.name;
    expect(finder).toContain(`name: '${uploaded}'`);
    const download = steps.find((s) => String(s.uses).startsWith('actions/download-artifact'));
    expect(download?.with.name).toBe(uploaded);
    const commands = steps.filter((s) => isAcnsAction(s.uses)).map((s) => s.with.command as string);
    expect(commands).toEqual(['apply reviewed/plan.json', 'apply -c acns.yaml --auto-approve']);
    // Exactly one of the two apply steps runs.
    const conds = steps.filter((s) => isAcnsAction(s.uses)).map((s) => s.if);
    expect(conds).toEqual(["steps.choose.outputs.plan != ''", "steps.choose.outputs.plan == ''"]);
  });

  test('drift on a schedule: valid cron, acns drift --format markdown, issue by marker on exit 2, closed on 0', () => {
    const { doc, text } = WORKFLOWS['drift-schedule.yml'];
    const cron = doc.on.schedule[0].cron as string;
    expect(cron.trim().split(/\s+/)).toHaveLength(5);
    const steps = doc.jobs.drift.steps as Yaml[];
    expect(steps.find((s) => isAcnsAction(s.uses))?.with.command).toBe('drift -c acns.yaml --format markdown');
    expect(text).toContain(`'${DRIFT_MARKER}'`);
    const script = steps.find((s) => String(s.uses).startsWith('actions/github-script'))?.with.script as string;
    expect(script).toMatch(/DRIFT_EXIT_CODE === '2'[\s\S]*issues\.create/);
    expect(script).toMatch(/DRIFT_EXIT_CODE === '0'[\s\S]*state: 'closed'/);
  });

  test.each(WORKFLOW_FILES)('%s reads only outputs the action declares', (f) => {
    const { doc, text } = WORKFLOWS[f];
    const actionStepIds = new Set(
      (Object.values(doc.jobs) as Yaml[]).flatMap((j) =>
        (j.steps as Yaml[]).filter((s) => isAcnsAction(s.uses) && s.id).map((s) => s.id as string),
      ),
    );
    const used = [...text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)]
      .filter((m) => actionStepIds.has(m[1]))
      .map((m) => m[2]);
    for (const o of used) expect(Object.keys(ACTION.outputs)).toContain(o);
  });
});

describe('secrets', () => {
  const files: [string, string, Yaml][] = [
    ...WORKFLOW_FILES.map((f): [string, string, Yaml] => [f, WORKFLOWS[f].text, WORKFLOWS[f].doc]),
    ['action.yml', ACTION_TEXT, ACTION],
  ];

  test.each(WORKFLOW_FILES)('%s passes Cloudflare credentials only as ${{ secrets.NAME }}', (f) => {
    const { doc } = WORKFLOWS[f];
    const creds = scalarsWithKeys(doc).filter(([k]) => /^CLOUDFLARE_(API_TOKEN|API_KEY|EMAIL|ACCOUNT_ID)$/.test(k));
    expect(creds.map(([k]) => k)).toEqual(expect.arrayContaining(['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ACCOUNT_ID']));
    for (const [k, v] of creds) expect(v).toBe(`\${{ secrets.${k} }}`);
  });

  test.each(files)('%s holds no literal credential and no secret outside ${{ secrets.* }}', (_f, text, doc) => {
    expect(text).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
    for (const [key, value] of scalarsWithKeys(doc)) {
      if (key === 'uses') continue; // action@<commit sha> pins are not secrets
      expect(value).not.toMatch(/\b[A-Za-z0-9_-]{40}\b/); // API token shape
      expect(value).not.toMatch(/\b[0-9a-f]{32,37}\b/i); // account id / global API key shape
      if (/token|api_key|secret|password/i.test(key) && value.trim() !== '' && !/^\d+$/.test(value)) {
        expect(value).toMatch(/^\$\{\{\s*(secrets\.[A-Z0-9_]+|github\.token)\s*\}\}$/);
      }
    }
    // Every expression that names a credential reads it from the secret store.
    for (const m of text.matchAll(/\$\{\{([^}]*)\}\}/g)) {
      if (/TOKEN|API_KEY|ACCOUNT_ID/.test(m[1]) && !/^\s*github\.token\s*$/.test(m[1]))
        expect(m[1]).toMatch(/^\s*secrets\.[A-Z0-9_]+\s*$/);
    }
  });

  test('the composite action takes no secret input and cannot read the secrets context', () => {
    // (the header comment shows the caller's side; the action's own values never read secrets)
    for (const [, value] of scalarsWithKeys(ACTION)) expect(value).not.toMatch(/\$\{\{[^}]*secrets\./);
    for (const name of Object.keys(ACTION.inputs)) expect(name).not.toMatch(/token|key|secret|password|email/i);
  });
});

describe('every acns command and flag the files run is real', () => {
  let commands: string[] = [];
  const flagsOf = new Map<string, string>();

  beforeAll(async () => {
    const top = await help([]);
    commands = parseCommands(top);
    for (const c of commands) flagsOf.set(c, await help([c]));
  });

  test('the command list comes from the CLI (sanity: the core commands are found)', () => {
    expect(commands).toEqual(expect.arrayContaining(['validate', 'plan', 'apply', 'drift', 'show', 'glue']));
  });

  test('the workflows run validate, plan, apply and drift', () => {
    expect(new Set(acnsInvocations().map((i) => i.args[0]))).toEqual(new Set(['validate', 'plan', 'apply', 'drift']));
  });

  test('each invocation names a command and only flags that command accepts', () => {
    for (const inv of acnsInvocations()) {
      const [cmd, ...rest] = inv.args;
      expect({ where: inv.where, cmd, known: commands.includes(cmd) }).toEqual({ where: inv.where, cmd, known: true });
      const text = flagsOf.get(cmd) ?? '';
      for (const tok of rest.filter((t) => t.startsWith('-'))) {
        const flag = tok.startsWith('--') ? tok.split('=')[0] : tok.slice(0, 2);
        expect({ where: inv.where, flag, known: hasFlag(text, flag) }).toEqual({ where: inv.where, flag, known: true });
      }
    }
  });

  test('the flag check would catch a typo', () => {
    expect(hasFlag(flagsOf.get('plan') ?? '', '--detailed-exitcode')).toBe(true);
    expect(hasFlag(flagsOf.get('plan') ?? '', '--detailed-exit-code')).toBe(false);
    expect(hasFlag(flagsOf.get('apply') ?? '', '--auto-approve')).toBe(true);
    expect(hasFlag(flagsOf.get('drift') ?? '', '-o')).toBe(false);
  });
});

describe('action.yml', () => {
  test('is a composite action with the command, working-directory and node-version inputs', () => {
    expect(ACTION.runs.using).toBe('composite');
    expect(ACTION.inputs.command.required).toBe(true);
    expect(ACTION.inputs['working-directory'].default).toBe('.');
    expect(String(ACTION.inputs['node-version'].default)).toBe('20');
    for (const o of ['exit-code', 'output-file', 'plan-file'])
      expect(ACTION.outputs[o].value).toBe(`\${{ steps.run.outputs.${o} }}`);
  });

  test('sets up node, npm ci in the action directory, runs dist/cli/main.js; every run step names its shell', () => {
    const steps = ACTION.runs.steps as Yaml[];
    expect(steps[0].uses).toMatch(/^actions\/setup-node@v\d+$/);
    expect(steps[0].with['node-version']).toBe('${{ inputs.node-version }}');
    const install = steps.find((s) => typeof s.run === 'string' && /\bnpm ci\b/.test(s.run));
    expect(install?.['working-directory']).toBe('${{ github.action_path }}');
    const runStep = steps.find((s) => s.id === 'run');
    expect(runStep?.env.ACNS_ACTION_MAIN).toBe('${{ github.action_path }}/dist/cli/main.js');
    expect(runStep?.['working-directory']).toBe('${{ inputs.working-directory }}');
    for (const s of steps.filter((x) => typeof x.run === 'string')) expect(s.shell).toBe('bash');
    // Inputs reach the script through env only: no ${{ }} inside the script (no injection).
    expect(runStep?.run).not.toContain('${{');
  });

  describe('the run script, executed with bash against a stub CLI', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'acns-action-'));
      writeFileSync(
        join(dir, 'stub.mjs'),
        [
          "import { writeFileSync } from 'node:fs';",
          'const args = process.argv.slice(2);',
          "const o = args.indexOf('-o');",
          "const eq = args.find((a) => a.startsWith('--out='));",
          "if (o >= 0) writeFileSync(args[o + 1], '{}');",
          "if (eq) writeFileSync(eq.slice(6), '{}');",
          "process.stdout.write(JSON.stringify(args) + '\\n');",
          "process.stderr.write('progress on stderr\\n');",
          'process.exit(Number(process.env.STUB_EXIT));',
        ].join('\n'),
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function runAction(command: string, stubExit: number, okCodes = '0 2') {
      const work = mkdtempSync(join(dir, 'work-'));
      const outputs = join(work, '.github_output');
      writeFileSync(outputs, '');
      const script = join(work, '.step.sh');
      writeFileSync(script, (ACTION.runs.steps as Yaml[]).find((s) => s.id === 'run')?.run as string);
      // GitHub runs `shell: bash` as: bash --noprofile --norc -eo pipefail {0}
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
        cwd: work,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          ACNS_ACTION_COMMAND: command,
          ACNS_ACTION_MAIN: join(dir, 'stub.mjs'),
          ACNS_ACTION_OK_CODES: okCodes,
          GITHUB_OUTPUT: outputs,
          RUNNER_TEMP: work,
          STUB_EXIT: String(stubExit),
        },
      });
      const out = Object.fromEntries(
        readFileSync(outputs, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      return { status: r.status, stdout: r.stdout, outputs: out, work };
    }

    test('exit 2 (changes) passes the step; outputs carry the code, the stdout file and the absolute plan path', () => {
      const r = runAction('plan -c acns.yaml -o plan.json --format markdown --detailed-exitcode', 2);
      expect(r.status).toBe(0);
      expect(r.outputs['exit-code']).toBe('2');
      expect(r.outputs['plan-file']).toBe(join(r.work, 'plan.json'));
      const argv = ['plan', '-c', 'acns.yaml', '-o', 'plan.json', '--format', 'markdown', '--detailed-exitcode'];
      expect(readFileSync(r.outputs['output-file'], 'utf8')).toBe(`${JSON.stringify(argv)}\n`); // stdout only
      expect(r.stdout).toContain(JSON.stringify(argv)); // and the log shows it too
    });

    test('exit 3 (refused for safety) fails the step with that code, and the outputs are still set', () => {
      const r = runAction('apply plan.json', 3);
      expect(r.status).toBe(3);
      expect(r.outputs['exit-code']).toBe('3');
      expect(r.outputs['plan-file']).toBe('');
      expect(r.stdout).toContain('::error');
    });

    test('exit 1 fails the step; ok-exit-codes can let it pass', () => {
      expect(runAction('drift', 1).status).toBe(1);
      expect(runAction('drift', 2, '0').status).toBe(2);
      expect(runAction('drift', 0).status).toBe(0);
    });

    test('the command is split into arguments, never run by a shell', () => {
      const r = runAction('validate; touch pwned $(touch pwned2)', 0);
      expect(r.status).toBe(0);
      expect(JSON.parse(readFileSync(r.outputs['output-file'], 'utf8'))).toEqual([
        'validate;',
        'touch',
        'pwned',
        '$(touch',
        'pwned2)',
      ]);
      expect(existsSync(join(r.work, 'pwned'))).toBe(false);
      expect(existsSync(join(r.work, 'pwned2'))).toBe(false);
    });

    test('--out=FILE is recognised as the plan file too; a plan file that was not written gives an empty path', () => {
      const r = runAction('plan --out=p.json', 0);
      expect(r.outputs['plan-file']).toBe(join(r.work, 'p.json'));
      const r2 = runAction('plan -o', 1);
      expect(r2.outputs['plan-file']).toBe('');
    });
  });
});

/** Every `acns …` the workflows run: the action's `command` input, and `acns …` lines in run scripts. */
function acnsInvocations(): { where: string; args: string[] }[] {
  const out: { where: string; args: string[] }[] = [];
  for (const [f, { doc }] of Object.entries(WORKFLOWS)) {
    for (const [jobName, job] of Object.entries(doc.jobs as Record<string, Yaml>)) {
      (job.steps as Yaml[]).forEach((s, i) => {
        const where = `${f} jobs.${jobName}.steps[${i}]`;
        if (isAcnsAction(s.uses))
          out.push({
            where,
            args: String(s.with?.command ?? '')
              .trim()
              .split(/\s+/),
          });
        if (typeof s.run === 'string') {
          for (const line of s.run.split('\n')) {
            if (/^\s*#/.test(line)) continue;
            const m = /(?:^|[\s;&|(])(?:npx\s+)?acns\s+([a-z][a-z-]*(?:\s+[^\s;&|)]+)*)/.exec(line);
            if (m) out.push({ where, args: m[1].split(/\s+/) });
          }
        }
      });
    }
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

/** Command names from the `Commands:` section of the top-level help. */
function parseCommands(text: string): string[] {
  const section = text.split(/^Commands:\s*$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]);
}

function hasFlag(helpText: string, flag: string): boolean {
  const esc = flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s,])${esc}(?=[\\s,=]|$)`, 'm').test(helpText);
}

/** [key, value] for every string scalar of a parsed YAML document (array items get their parent's key). */
function scalarsWithKeys(v: unknown, key = ''): [string, string][] {
  if (typeof v === 'string') return [[key, v]];
  if (Array.isArray(v)) return v.flatMap((x) => scalarsWithKeys(x, key));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => scalarsWithKeys(x, k));
  return [];
}
