/**
 * Hand-built plans for the apply tests, shaped like the planner's output (steps in topological
 * order, stable ids, depends_on edges).
 */
import type { GlueExpectation, Plan, Step, StepKind, StepReason, StepValue } from '../../src/plan/types.js';
import type { GluePolicy } from '../../src/config/types.js';

export function step(
  kind: StepKind,
  target: string,
  before: StepValue,
  after: StepValue,
  dependsOn: string[] = [],
  extra: Partial<Step> = {},
): Step {
  const id =
    kind === 'set_account_default'
      ? kind
      : kind === 'glue_check'
        ? `glue_check:${(after as { set: number }).set}`
        : `${kind}:${target}`;
  const reasonCode: StepReason = {
    create_nameserver: 'name_missing',
    delete_nameserver: 'name_pruned',
    assign_zone: 'zone_setting_differs',
    set_account_default: 'default_differs',
    glue_check: 'glue_zones_switch',
  }[kind] as StepReason;
  return { id, kind, target, before, after, reasonCode, reason: `test ${id}`, class: 'config', dependsOn, ...extra };
}

export const create = (name: string, set = 1, deps: string[] = []): Step =>
  step('create_nameserver', name, null, { set }, deps);
export const remove = (name: string, set = 1, deps: string[] = []): Step =>
  step('delete_nameserver', name, { set }, null, deps);
export const glue = (set: number, names: string[], deps = names.map((n) => `create_nameserver:${n}`)): Step =>
  step('glue_check', `set ${set}`, null, { set, names }, deps);
export const toSet = (
  zone: string,
  zoneId: string,
  set: number,
  deps: string[] = [],
  from: StepValue = { type: 'cloudflare.standard' },
): Step => step('assign_zone', zone, from, { type: 'custom.account', set }, deps, { zoneId });
export const toStandard = (zone: string, zoneId: string, fromSet: number, deps: string[] = []): Step =>
  step('assign_zone', zone, { type: 'custom.account', set: fromSet }, { type: 'cloudflare.standard' }, deps, {
    zoneId,
  });
export const setDefault = (before: string, after: string, deps: string[] = []): Step =>
  step('set_account_default', 'account default', { value: before }, { value: after }, deps);

export function makePlan(steps: Step[], opts: { gluePolicy?: GluePolicy; glue?: GlueExpectation[] } = {}): Plan {
  const glue =
    opts.glue ??
    steps
      .filter((s) => s.kind === 'glue_check')
      .map((s) => {
        const a = s.after as { set: number; names: string[] };
        return {
          set: a.set,
          registrar: 'external' as const,
          hostZone: 'example.com',
          names: a.names.map((name) => ({ name })),
        };
      });
  const count = (k: StepKind[]): number => steps.filter((s) => k.includes(s.kind)).length;
  return {
    accountId: '372e67954025e0ba6aaa6d586b9e0b59',
    configFile: 'acns.yaml',
    configDigest: 'sha256:00',
    endpoints: 'dns_settings',
    gluePolicy: opts.gluePolicy ?? 'enforce',
    steps,
    guards: [],
    safe: true,
    summary: {
      create: count(['create_nameserver']),
      change: count(['assign_zone', 'set_account_default']),
      delete: count(['delete_nameserver']),
      checks: count(['glue_check']),
    },
    glue,
    unmanaged: { nameservers: [], zones: [] },
    notes: [],
  };
}

/**
 * The seed's path: create ns1+ns2 (set 1) → glue check → a.example and b.example on set 1 →
 * account default custom.account; plus legacy.example back to standard, independent of all that.
 */
export function seedPlan(gluePolicy: GluePolicy = 'enforce'): Plan {
  const names = ['ns1.example.com', 'ns2.example.com'];
  const creates = names.map((n) => create(n));
  const g = glue(1, names);
  return makePlan(
    [
      ...creates,
      g,
      toSet('a.example', 'z-a', 1, [...creates.map((c) => c.id), g.id]),
      toSet('b.example', 'z-b', 1, [...creates.map((c) => c.id), g.id]),
      toStandard('legacy.example', 'z-legacy', 1),
      setDefault('cloudflare.standard', 'custom.account', [...creates.map((c) => c.id), g.id]),
    ],
    { gluePolicy },
  );
}

/** The account seedPlan was made against. */
export function seedAccount<T extends { addZone(id: string, name: string, ns?: { type: string; set?: number }): T }>(
  api: T,
): T {
  return api
    .addZone('z-a', 'a.example')
    .addZone('z-b', 'b.example')
    .addZone('z-legacy', 'legacy.example', { type: 'custom.account', set: 1 })
    .addZone('z-other', 'other.example');
}
