/**
 * The pure parts of the workflow helpers: the plan comparison, derived names, comments, drift
 * classification, durations, and the runner I/O (annotations cannot be forged by a message).
 */
import { actionArgs, planFileOf } from '../../action/run.mjs';
import { ageProblems, comparePlans } from '../../gitops/lib/compare.mjs';
import {
  commentMeta,
  findOwnComment,
  guardWayOut,
  isMarkedOutdatedFor,
  markOutdated,
  planCommentBody,
} from '../../gitops/lib/comment.mjs';
import { classifyDrift } from '../../gitops/lib/drift.mjs';
import { formatDuration, parseDuration } from '../../gitops/lib/duration.mjs';
import { configNames } from '../../gitops/lib/names.mjs';
import { argvInputs, escapeData } from '../../gitops/lib/runner.mjs';

const NOW = Date.parse('2026-08-20T10:00:00Z');
const DAY = 86_400_000;

function plan(overrides: Record<string, unknown> = {}): any {
  return {
    format_version: 1,
    created_at: '2026-08-20T09:00:00Z',
    account_id: 'acc',
    config: { file: 'acns.yaml', digest: 'sha256:aa' },
    endpoints: 'dns_settings',
    glue_policy: 'enforce',
    settings: { cloudflare: { endpoints: 'dns_settings' }, dns: { parent_servers: [] } },
    zone_filter: null,
    safe: true,
    guards: [],
    steps: [
      { id: 'glue_check:1', kind: 'glue_check', target: 'set 1', before: null, after: { set: 1 }, depends_on: [] },
      {
        id: 'assign_zone:example.org',
        kind: 'assign_zone',
        target: 'example.org',
        zone_id: 'zone-org',
        before: { type: 'cloudflare.standard' },
        after: { type: 'custom.account', set: 1 },
        depends_on: ['glue_check:1'],
      },
    ],
    ...overrides,
  };
}

describe('comparePlans', () => {
  const opts = { maxAgeMs: 7 * DAY, now: NOW };

  test('the same plan (key order aside) matches', () => {
    const a = plan();
    const b = JSON.parse(JSON.stringify(plan()));
    b.steps[1] = Object.fromEntries(Object.entries(b.steps[1]).reverse());
    expect(comparePlans(a, b, opts)).toEqual({ ok: true, problems: [] });
  });

  test("the crafted plan: another zone's zone_id, glue policy off, glue steps removed — each named", () => {
    const crafted = plan({ glue_policy: 'off' });
    crafted.steps = crafted.steps.filter((s: any) => s.kind !== 'glue_check');
    crafted.steps[0] = { ...crafted.steps[0], zone_id: 'zone-legacy', depends_on: [] };
    const r = comparePlans(crafted, plan(), opts);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(
      expect.arrayContaining([
        'glue policy: "off" in the reviewed plan, "enforce" on main',
        'step assign_zone:example.org: zone_id "zone-legacy" in the reviewed plan, "zone-org" on main',
        'step assign_zone:example.org: depends on [] in the reviewed plan, ["glue_check:1"] on main',
        'step glue_check:1 is in the plan made on main but was not in the reviewed plan',
      ]),
    );
  });

  test.each([
    ['target', (p: any) => (p.steps[1].target = 'legacy.example'), /target "legacy.example"/],
    ['after', (p: any) => (p.steps[1].after = { type: 'custom.account', set: 2 }), /after .*"set":2/],
    ['before (the account changed since review)', (p: any) => (p.steps[1].before = { type: 'x' }), /before/],
    ['kind', (p: any) => (p.steps[0].kind = 'create_nameserver'), /kind "create_nameserver"/],
    ['reason_code', (p: any) => (p.steps[1].reason_code = 'name_missing'), /reason_code "name_missing"/],
    [
      'an extra step',
      (p: any) => p.steps.push({ id: 'x', kind: 'glue_check' }),
      /step x is in the reviewed plan but not/,
    ],
    ['the account', (p: any) => (p.account_id = 'other'), /^account:/],
    ['the config digest', (p: any) => (p.config.digest = 'sha256:bb'), /config digest/],
    ['the settings', (p: any) => (p.settings.dns.parent_servers = ['192.0.2.1:53']), /^settings:/],
    ['the endpoints', (p: any) => (p.endpoints = 'legacy'), /^endpoints:/],
    ['a zone filter', (p: any) => (p.zone_filter = ['example.org']), /^zone filter:/],
    ['safe/guards', (p: any) => ((p.safe = false), (p.guards = [{ kind: 'mass_change', steps: [] }])), /^safe:/],
  ])('a difference in %s is refused', (_what, change, message) => {
    const reviewed = plan();
    change(reviewed);
    const r = comparePlans(reviewed, plan(), opts);
    expect(r.ok).toBe(false);
    expect(r.problems.some((p) => message.test(p))).toBe(true);
  });

  test('an old reviewed plan, one from the future, or one without a time is refused', () => {
    expect(comparePlans(plan({ created_at: '2026-08-01T00:00:00Z' }), plan(), opts).problems[0]).toMatch(
      /reviewed plan is 19d10h old .* the limit is 7d/,
    );
    expect(comparePlans(plan({ created_at: '2026-08-21T00:00:00Z' }), plan(), opts).problems[0]).toMatch(/future/);
    expect(comparePlans(plan({ created_at: 'soon' }), plan(), opts).problems[0]).toMatch(/no valid created_at/);
    expect(ageProblems('2026-08-20T09:59:00Z', { maxAgeMs: 120_000, now: NOW }, 'p')).toEqual([]);
  });

  test('documents that are not plans are refused before anything else', () => {
    expect(comparePlans(null, plan(), opts).problems).toEqual(['the reviewed plan is not a plan document']);
    expect(comparePlans(plan({ format_version: 3 }), plan(), opts).problems[0]).toMatch(/format_version 3, which/);
    expect(comparePlans(plan({ format_version: 2 }), plan(), opts).problems).toEqual([
      'format version: 2 in the reviewed plan, 1 on main',
    ]);
    const dup = plan();
    dup.steps.push(dup.steps[0]);
    expect(comparePlans(dup, plan(), opts).problems[0]).toMatch(/twice/);
  });
});

describe('configNames', () => {
  test('derived from the path, distinct for paths that slug alike, stable', () => {
    const a = configNames('accounts/prod/acns.yaml');
    expect(a.config).toBe('accounts/prod/acns.yaml');
    expect(a.planArtifact).toMatch(/^acns-plan-accounts-prod-acns-yaml-[0-9a-f]{8}$/);
    expect(a.planMarker).toBe(`<!-- acns-gitops plan ${a.id} -->`);
    expect(configNames('./accounts/prod/acns.yaml')).toEqual(a);
    expect(configNames('accounts-prod/acns.yaml').id).not.toBe(a.id);
    const names = Object.values(configNames('acns.yaml'));
    const other = Object.values(configNames('b/acns.yaml'));
    for (let i = 1; i < names.length; i++) expect(names[i]).not.toBe(other[i]);
  });

  test('paths outside the repository are refused', () => {
    expect(() => configNames('../acns.yaml')).toThrow(/inside the repository/);
    expect(() => configNames('/etc/acns.yaml')).toThrow(/inside the repository/);
  });
});

describe('comments', () => {
  const names = configNames('acns.yaml');
  const base = {
    names,
    sha: 'a'.repeat(40),
    baseSha: 'b'.repeat(40),
    runUrl: 'https://run/1',
    at: '2026-08-20 10:00 UTC',
  };

  test('the plan comment carries the marker, commit, run link and time; meta reads back', () => {
    const body = planCommentBody({
      ...base,
      outcome: 'planned',
      markdown: '<!-- acns-plan -->\nPlan: 1 to change',
      plan: plan(),
    });
    expect(body.split('\n')[0]).toBe(names.planMarker);
    expect(body).toContain('`acns.yaml` at aaaaaaa · [workflow run](https://run/1) · 2026-08-20 10:00 UTC');
    expect(body).toContain('Plan: 1 to change');
    expect(commentMeta(body)).toEqual({ sha: base.sha, base: base.baseSha, run: base.runUrl, at: base.at });
  });

  test('a failed re-plan replaces the plan with a notice, keeping the marker', () => {
    const body = planCommentBody({ ...base, outcome: 'failed' });
    expect(body).toContain(names.planMarker);
    expect(body).toContain('no current plan');
    expect(body).not.toContain('Plan:');
  });

  test('an unsafe plan names the override that works in this pipeline', () => {
    const text = guardWayOut([{ kind: 'mass_change' }, { kind: 'set_in_use' }]).join('\n');
    expect(text).toMatch(/raise `policy.max_zone_changes`/);
    expect(text).toMatch(/apply workflow run by hand/);
    expect(text).toMatch(/no override/);
    expect(guardWayOut([])).toEqual([]);
  });

  test("found only among the bot's comments: a person's or another bot's comment with the marker is ignored", () => {
    const comments = [
      { id: 1, body: names.planMarker, user: { login: 'mallory', type: 'User' } },
      { id: 2, body: names.planMarker, user: { login: 'other-app[bot]', type: 'Bot' } },
      { id: 3, body: 'hello', user: { login: 'github-actions[bot]', type: 'Bot' } },
      { id: 4, body: `x ${names.planMarker}`, user: { login: 'github-actions[bot]', type: 'Bot' } },
    ];
    expect(findOwnComment(comments, names.planMarker, 'github-actions[bot]')?.id).toBe(4);
    expect(findOwnComment(comments.slice(0, 3), names.planMarker, 'github-actions[bot]')).toBeUndefined();
  });

  test('outdated banner: added once per main commit, replaced when main moves again', () => {
    const body = planCommentBody({ ...base, outcome: 'planned', markdown: 'Plan', plan: plan() });
    const once = markOutdated(body, { mainSha: 'c'.repeat(40), runUrl: 'https://run/2' });
    expect(once).toContain('**Outdated:** main moved to ccccccc');
    expect(isMarkedOutdatedFor(once, 'c'.repeat(40))).toBe(true);
    expect(isMarkedOutdatedFor(body, 'c'.repeat(40))).toBe(false);
    const twice = markOutdated(once, { mainSha: 'd'.repeat(40), runUrl: 'https://run/3' });
    expect(twice.match(/Outdated/g)).toHaveLength(1);
    expect(twice).toContain('ddddddd');
    expect(twice.split('\n')[0]).toBe(names.planMarker);
  });
});

describe('classifyDrift', () => {
  const report = (items: any[]) => ({ account_id: 'acc', items });
  const record = (values: Record<string, unknown>) => ({ format_version: 1, account_id: 'acc', values });
  const zone = (name: string, live: unknown, desired: unknown) => ({
    key: `zone:${name}`,
    kind: 'zone',
    object: name,
    live,
    desired,
    source: 'acns.yaml:9',
    message: '',
  });

  test("a format 2 record (one section per account) gives this account its values, never another one's", () => {
    const std = { type: 'cloudflare.standard' };
    const set1 = { type: 'custom.account', set: 1 };
    const both = {
      format_version: 2,
      accounts: { other: { values: { 'zone:a.example': set1 } }, acc: { values: { 'zone:a.example': std } } },
    };
    const r = classifyDrift(report([zone('a.example', std, set1)]), both);
    expect(r).toMatchObject({ status: 'pending', recordUsed: true, items: [{ class: 'pending_apply' }] });
    const none = classifyDrift(report([zone('a.example', std, set1)]), {
      ...both,
      accounts: { other: both.accounts.other },
    });
    expect(none).toMatchObject({ recordUsed: false, items: [{ class: 'unknown' }] });
  });

  test('live still what acns applied → pending apply; live otherwise → changed outside acns', () => {
    const std = { type: 'cloudflare.standard' };
    const set1 = { type: 'custom.account', set: 1 };
    const r = classifyDrift(report([zone('a.example', std, set1)]), record({ 'zone:a.example': std }));
    expect(r).toMatchObject({ status: 'pending', recordUsed: true, items: [{ class: 'pending_apply' }] });
    const o = classifyDrift(report([zone('a.example', std, set1)]), record({ 'zone:a.example': set1 }));
    expect(o).toMatchObject({ status: 'drift', items: [{ class: 'outside' }] });
  });

  test('a name the file adds and acns never created is pending; another object acns never set counts as drift', () => {
    const ns = (live: unknown) => ({
      key: 'ns:ns3.example.com',
      kind: 'nameserver',
      object: 'ns3',
      live,
      desired: { set: 1 },
    });
    expect(classifyDrift(report([ns(null)]), record({})).status).toBe('pending');
    expect(classifyDrift(report([ns({ set: 2 })]), record({}))).toMatchObject({
      status: 'drift',
      items: [{ class: 'unknown' }],
    });
  });

  test('a zone the token cannot see is an error, not drift', () => {
    const r = classifyDrift(report([zone('gone.example', null, { type: 'custom.account', set: 1 })]), record({}));
    expect(r.status).toBe('error');
    expect(r.items[0]!.class).toBe('invisible');
  });

  test('without a usable record (none, another account) every difference is drift', () => {
    const items = [zone('a.example', { type: 'cloudflare.standard' }, { type: 'custom.account', set: 1 })];
    expect(classifyDrift(report(items), undefined)).toMatchObject({ status: 'drift', recordUsed: false });
    const otherAccount = { ...record({ 'zone:a.example': { type: 'cloudflare.standard' } }), account_id: 'x' };
    expect(classifyDrift(report(items), otherAccount).status).toBe('drift');
    expect(classifyDrift(report([]), undefined).status).toBe('clean');
  });
});

describe('small parts', () => {
  test('durations', () => {
    expect(parseDuration('7d')).toBe(7 * DAY);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('7 days')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
  });

  test('annotation text cannot start a new workflow command', () => {
    expect(escapeData('a\n::error::forged %')).toBe('a%0A::error::forged %25');
  });

  test('command-line inputs for GitLab jobs', () => {
    expect(argvInputs(['--config', 'a.yaml', '--mode=fresh', '--glue-wait', ''])).toEqual({
      config: 'a.yaml',
      mode: 'fresh',
      'glue-wait': '',
    });
    expect(() => argvInputs(['stray'])).toThrow(/--name value/);
  });

  test('action arguments: every line of command, args verbatim one per line, nothing globbed', () => {
    expect(actionArgs('plan -c acns.yaml\n  -o plan.json\n--format markdown', '')).toEqual([
      'plan',
      '-c',
      'acns.yaml',
      '-o',
      'plan.json',
      '--format',
      'markdown',
    ]);
    expect(actionArgs('apply p.json', '--glue-wait=30m\n\n  *.json  \n--allow-mass-change\n')).toEqual([
      'apply',
      'p.json',
      '--glue-wait=30m',
      '*.json',
      '--allow-mass-change',
    ]);
    expect(planFileOf(['plan', '-o', 'a.json', '--out=b.json'])).toBe('b.json');
    expect(planFileOf(['plan', '-oc.json'])).toBe('c.json');
    expect(planFileOf(['plan'])).toBe('');
  });
});
