/**
 * The plan's safety summary for two windows no order of steps can close: a set that becomes a
 * fallback of the custom.account default before its glue check, and a zone moving between sets
 * before its registrar change. And the hold when the parent still delegates to names the plan deletes.
 */
import { executePlan } from '../../src/apply/executor.js';
import { buildPlan } from '../../src/plan/build.js';
import { addDelegationFindings, type DelegationFinding } from '../../src/plan/delegation.js';
import { type DelegationRead, evaluateLeaving, type LeavingContext, leavingQuestions } from '../../src/plan/leaving.js';
import { splitNotes } from '../../src/plan/notes.js';
import type { Plan } from '../../src/plan/types.js';
import { renderPlanMarkdown } from '../../src/render/markdown.js';
import { renderPlanText } from '../../src/render/text.js';
import { MemoryApi } from '../apply/memory-api.js';
import { desired, live } from './fixtures.js';

const SET1 = ['ns1.one.com', 'ns2.one.com'];
const SET2 = ['ns1.two.net', 'ns2.two.net'];

describe('a set that becomes usable while the default is custom.account', () => {
  const plan = (): Plan =>
    buildPlan(
      desired({ sets: { 1: SET1, 2: SET2 }, zones: { 'a.example': 1 }, accountDefault: 'custom.account' }),
      live({ sets: { 1: SET1 }, zones: { 'a.example': 1 }, accountDefault: 'custom.account' }),
    );

  test('its glue check gates nothing, and the plan cautions that the set serves new zones before it runs', () => {
    const p = plan();
    const check = p.steps.find((s) => s.id === 'glue_check:2');
    expect(check?.reasonCode).toBe('glue_set_becomes_usable');
    expect(p.steps.filter((s) => s.dependsOn.includes('glue_check:2'))).toEqual([]);
    const { cautions } = splitNotes(p.notes);
    expect(cautions).toHaveLength(1);
    expect(cautions[0]).toMatch(/^set 2 can serve new zones as soon as its second name is created/);
    expect(cautions[0]).toContain('before its glue check runs');
    expect(p.safe).toBe(true); // a caution, not a guard: apply carries the plan out
  });

  test('a failed check says the set already serves as a fallback, not that nothing was switched', async () => {
    const res = await executePlan(
      plan(),
      new MemoryApi().addZone('z-a', 'a.example', { type: 'custom.account', set: 1 }),
      {
        checkGlue: async () => ({ blocking: true, verdict: 'failed' }),
      },
    );
    expect(res.exitCode).toBe(3);
    const failed = res.results.find((r) => r.id === 'glue_check:2');
    expect(failed?.outcome).toBe('failed');
    expect(failed?.error?.message).toContain("set 2's names exist, so the custom.account account default can already");
    expect(failed?.error?.message).not.toMatch(/not switched|not changed/);
  });

  test('no caution when the default is not custom.account', () => {
    const p = buildPlan(
      desired({ sets: { 1: SET1, 2: SET2 }, zones: { 'a.example': 1 }, accountDefault: 'cloudflare.standard' }),
      live({ sets: { 1: SET1 }, zones: { 'a.example': 1 }, accountDefault: 'cloudflare.standard' }),
    );
    expect(splitNotes(p.notes).cautions).toEqual([]);
  });
});

describe('a zone moving from one set to another', () => {
  /** a.example moves from set 1 to set 2; with prune, set 1's names go too. */
  const plan = (prune: boolean): Plan =>
    buildPlan(
      desired({ sets: prune ? { 2: SET2 } : { 1: SET1, 2: SET2 }, zones: { 'a.example': 2 }, prune }),
      live({ sets: { 1: SET1, 2: SET2 }, zones: { 'a.example': 1 } }),
    );
  const finding = (nameservers: string[]): DelegationFinding => ({
    zone: 'a.example',
    stepId: 'assign_zone:a.example',
    direction: 'to_custom',
    customNames: SET2,
    status: 'elsewhere',
    nameservers,
    detail: 'd',
  });

  test('the safety summary says the zone is served by names its parent does not delegate to', () => {
    const out = addDelegationFindings(plan(false), [finding(SET1)]);
    const { cautions, notes } = splitNotes(out.notes);
    expect(cautions).toEqual([
      'a.example moves from set 1 to set 2: from the switch until its NS are changed at the registrar, Cloudflare ' +
        'serves it under ns1.two.net, ns2.two.net while its parent still delegates it to ns1.one.com, ns2.one.com, ' +
        'names the zone no longer uses',
    ]);
    expect(notes.some((n) => n.startsWith('next step for a.example at your registrar'))).toBe(true);
    expect(out.safe).toBe(true);

    const text = renderPlanText(out, { colour: false });
    expect(text.indexOf('Caution')).toBeGreaterThan(-1);
    expect(text.indexOf('Caution')).toBeLessThan(text.indexOf('Steps, in execution order'));
    expect(text).toContain('  ! a.example moves from set 1 to set 2');
    expect(text.slice(text.indexOf('Notes:'))).not.toContain('moves from set 1');
    const md = renderPlanMarkdown(out);
    expect(md.indexOf('#### ⚠️ Caution')).toBeLessThan(md.indexOf('<details>'));
  });

  test("the leaving set's names are never deleted in the run that moves the zone: held, no guard needed", () => {
    const p = plan(true);
    expect(p.steps.filter((s) => s.kind === 'delete_nameserver')).toEqual([]);
    expect(p.held?.map((h) => `${h.name} ${h.cause}`)).toEqual(SET1.map((n) => `${n} same_run`));
    expect(addDelegationFindings(p, [finding(SET1)]).safe).toBe(true);
  });

  test('a zone whose parent delegates to names of another set the plan deletes: one rule holds the deletion', () => {
    const SET3 = ['ns1.three.org', 'ns2.three.org'];
    const p = buildPlan(
      desired({ sets: { 1: SET1, 2: SET2 }, zones: { 'a.example': 2 }, prune: true }),
      live({ sets: { 1: SET1, 2: SET2, 3: SET3 }, zones: { 'a.example': 1 } }),
    );
    expect(p.steps.filter((s) => s.kind === 'delete_nameserver').map((s) => s.target)).toEqual(SET3);
    const ctx: LeavingContext = {
      zonesOnSet: new Map([[1, ['a.example']]]),
      domainOf: (n) => n.split('.').slice(-2).join('.'),
      addresses: new Map(),
      moves: [],
    };
    // the leaving rule reads the switched zone too, not only the zones on set 3
    expect(leavingQuestions(p, ctx).map((q) => `${q.subject} ${q.kind}`)).toEqual([
      'a.example zone',
      'three.org names_domain',
    ]);
    const reads = new Map<string, DelegationRead>([
      ['a.example', { subject: 'a.example', status: 'elsewhere', nameservers: SET3, detail: '', where: 'at X' }],
      ['three.org', { subject: 'three.org', status: 'elsewhere', nameservers: ['ns.other.org'], detail: '' }],
    ]);
    const v = evaluateLeaving(p, ctx, reads, new Date('2025-01-01T00:00:00Z'));
    expect(v.guards).toEqual([]);
    expect(v.hold.map((h) => `${h.name} ${h.cause}`)).toEqual(SET3.map((n) => `${n} listed`));
    expect(v.hold[0]!.message).toBe(
      'deleting ns1.three.org, ns2.three.org (set 3) is held: the parent still delegates a.example to them. ' +
        'Change those NS first (at X), then plan again: acns deletes them once no parent lists them and the ' +
        'caches have expired',
    );
    // recorded, so that once its NS move the deletion still waits for the caches
    expect(v.moves).toEqual([{ subject: 'a.example', set: 3, names: SET3 }]);
    // the delegation findings add no second guard for the same thing
    const out = addDelegationFindings(p, [finding(SET3)]);
    expect(out.guards.filter((g) => g.kind === 'delegation')).toEqual([]);
  });

  test('no caution and no guard once the parent already delegates to the new set', () => {
    const out = addDelegationFindings(plan(true), [{ ...finding(SET2), status: 'delegated' }]);
    expect(splitNotes(out.notes).cautions).toEqual([]);
    expect(out.guards).toEqual([]);
  });

  test('a zone first switched from standard gets the registrar note only: that gap is the documented order', () => {
    const p = buildPlan(
      desired({ sets: { 2: SET2 }, zones: { 'a.example': 2 } }),
      live({ sets: { 2: SET2 }, zones: { 'a.example': 'standard' } }),
    );
    const out = addDelegationFindings(p, [finding(['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'])]);
    expect(splitNotes(out.notes).cautions).toEqual([]);
    expect(out.notes.some((n) => n.startsWith('next step for a.example at your registrar'))).toBe(true);
  });
});
