import { addDelegationFindings, type DelegationFinding } from '../../src/plan/delegation.js';
import { buildPlan } from '../../src/plan/build.js';
import { splitNotes } from '../../src/plan/notes.js';
import type { Plan } from '../../src/plan/types.js';
import { desired, live } from './fixtures.js';

const SET1 = ['ns1.example.com', 'ns2.example.com'];

/** A real plan: example.org joins set 1, legacy.example leaves set 1 for standard. */
function basePlan(): Plan {
  return buildPlan(
    desired({ sets: { 1: SET1 }, zones: { 'example.org': 1, 'legacy.example': 'standard' } }),
    live({ sets: { 1: SET1 }, zones: { 'example.org': 'standard', 'legacy.example': 1 } }),
  );
}

function finding(
  p: Partial<DelegationFinding> & Pick<DelegationFinding, 'zone' | 'direction' | 'status'>,
): DelegationFinding {
  return { stepId: `assign_zone:${p.zone}`, customNames: SET1, nameservers: [], detail: 'd', ...p };
}

test('a zone already delegated to the set names adds nothing; the plan stays safe and is not mutated', () => {
  const plan = basePlan();
  expect(plan.safe).toBe(true);
  const before = JSON.stringify(plan);
  const out = addDelegationFindings(plan, [
    finding({ zone: 'example.org', direction: 'to_custom', status: 'delegated', nameservers: SET1 }),
  ]);
  expect(out.notes).toEqual(plan.notes);
  expect(out.guards).toEqual([]);
  expect(out.safe).toBe(true);
  expect(JSON.stringify(plan)).toBe(before);
});

test('a switched zone delegated elsewhere: a "next step at your registrar" note with set names and today\'s NS', () => {
  const plan = basePlan();
  const out = addDelegationFindings(plan, [
    finding({
      zone: 'example.org',
      direction: 'to_custom',
      status: 'elsewhere',
      nameservers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
    }),
  ]);
  const added = out.notes.slice(plan.notes.length);
  expect(added).toHaveLength(1);
  expect(added[0]).toContain('next step for example.org at your registrar');
  expect(added[0]).toContain('ns1.example.com, ns2.example.com');
  expect(added[0]).toContain('ada.ns.cloudflare.com, bob.ns.cloudflare.com');
  expect(out.safe).toBe(true);
});

test('a switched zone its parent does not delegate at all says so', () => {
  const out = addDelegationFindings(basePlan(), [
    finding({ zone: 'example.org', direction: 'to_custom', status: 'elsewhere', nameservers: [] }),
  ]);
  expect(out.notes.at(-1)).toMatch(/next step for example\.org at your registrar.*does not delegate it today/);
});

test('back to standard while delegated to the custom names is a delegation guard: the plan is unsafe', () => {
  const plan = basePlan();
  const out = addDelegationFindings(plan, [
    finding({ zone: 'legacy.example', direction: 'to_standard', status: 'delegated', nameservers: SET1 }),
  ]);
  expect(out.safe).toBe(false);
  expect(out.guards).toEqual([
    expect.objectContaining({
      id: 'delegation:legacy.example',
      kind: 'delegation',
      steps: ['assign_zone:legacy.example'],
    }),
  ]);
  expect(out.guards[0]!.message).toContain('ns1.example.com, ns2.example.com');
  expect(out.guards[0]!.message).toMatch(/registrar/);
  expect(out.guards[0]!.override).toBeUndefined(); // no flag skips it
  expect(plan.guards).toEqual([]); // input untouched
});

test('half-propagated delegation still pointing partly at the custom names is guarded too', () => {
  const out = addDelegationFindings(basePlan(), [
    finding({
      zone: 'legacy.example',
      direction: 'to_standard',
      status: 'elsewhere',
      nameservers: ['ada.ns.cloudflare.com', 'ns1.example.com'],
    }),
  ]);
  expect(out.guards.map((g) => g.id)).toEqual(['delegation:legacy.example']);
});

test('going back to standard after the registrar moved away: no guard, no note', () => {
  const plan = basePlan();
  const out = addDelegationFindings(plan, [
    finding({
      zone: 'legacy.example',
      direction: 'to_standard',
      status: 'elsewhere',
      nameservers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
    }),
  ]);
  expect(out.guards).toEqual([]);
  expect(out.notes).toEqual(plan.notes);
  expect(out.safe).toBe(true);
});

test('unknown delegation: leaving a set is a guard with a named override (never a pass); joining a note', () => {
  const plan = basePlan();
  const out = addDelegationFindings(plan, [
    finding({
      zone: 'legacy.example',
      direction: 'to_standard',
      status: 'unknown',
      detail: 'no parent server answered',
    }),
    finding({ zone: 'example.org', direction: 'to_custom', status: 'unknown', detail: 'timeout' }),
  ]);
  expect(out.safe).toBe(false);
  expect(out.guards).toEqual([
    expect.objectContaining({
      id: 'delegation_unknown:zones',
      kind: 'delegation_unknown',
      override: 'delegation_unknown',
      steps: ['assign_zone:legacy.example'],
    }),
  ]);
  expect(out.guards[0]!.message).toMatch(/no parent server answered.*legacy\.example.*--allow-unknown-delegation/);
  expect(out.notes.slice(plan.notes.length)).toEqual([
    expect.stringMatching(/could not read the delegation of 1 zone from DNS \(timeout\): example\.org/),
  ]);
});

test('custom to another set: unknown is a guard; a parent naming the old set is a caution about the check', () => {
  const old = ['ns1.old.example', 'ns2.old.example'];
  const plan = buildPlan(
    desired({ sets: { 1: SET1, 2: old }, zones: { 'example.org': 1 } }),
    live({ sets: { 1: SET1, 2: old }, zones: { 'example.org': 2 } }),
  );
  const unknown = addDelegationFindings(plan, [
    finding({ zone: 'example.org', direction: 'to_custom', status: 'unknown', leavingNames: old }),
  ]);
  expect(unknown.guards.map((g) => g.id)).toEqual(['delegation_unknown:zones']);
  const listed = addDelegationFindings(plan, [
    finding({ zone: 'example.org', direction: 'to_custom', status: 'elsewhere', nameservers: old, leavingNames: old }),
  ]);
  expect(listed.safe).toBe(true);
  expect(splitNotes(listed.notes).cautions).toEqual([
    expect.stringMatching(
      /^example\.org moves from set 2 to set 1: .*; apply checks right after the switch that those names still answer/,
    ),
  ]);
});

test('the to-standard guard names the Cloudflare pair of the zone and where the change is made', () => {
  const out = addDelegationFindings(basePlan(), [
    finding({
      zone: 'legacy.example',
      direction: 'to_standard',
      status: 'delegated',
      nameservers: SET1,
      cloudflarePair: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
      where: "in the Cloudflare zone example (NS records for legacy.example in that zone's DNS records)",
    }),
  ]);
  expect(out.guards[0]!.message).toMatch(
    /in the Cloudflare zone example .*set its NS to ada\.ns\.cloudflare\.com, bob\.ns\.cloudflare\.com first/,
  );
});

test('existing guards are kept and the plan stays unsafe', () => {
  const plan = buildPlan(
    desired({ sets: { 1: SET1 }, zones: { 'example.org': 1, 'exmaple.org': 1 } }),
    live({ sets: { 1: SET1 }, zones: { 'example.org': 'standard' }, missing: ['exmaple.org'] }),
  );
  expect(plan.safe).toBe(false);
  const out = addDelegationFindings(plan, []);
  expect(out.guards).toEqual(plan.guards);
  expect(out.safe).toBe(false);
});
