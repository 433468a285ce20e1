import { buildPlan } from '../../src/plan/build.js';
import { renderPlanText } from '../../src/render/text.js';
import { desired, live } from '../plan/fixtures.js';
import { expectGolden } from './golden.js';
import { richPlan } from './rich.js';

describe('renderPlanText', () => {
  test('the rich plan matches its golden file', () => {
    expectGolden('plan.txt', renderPlanText(richPlan(), { colour: false }));
  });

  test('unsafe reasons come first, steps follow in plan order, the last line counts them', () => {
    const p = richPlan();
    const text = renderPlanText(p, { colour: false });
    const lines = text.trimEnd().split('\n');
    expect(lines[2]).toMatch(/^UNSAFE: apply will refuse this plan \(3 guards\):$/);
    const notesAt = lines.indexOf('Notes:');
    const stepLines = lines.slice(0, notesAt < 0 ? undefined : notesAt).filter((l) => /^ {2}[+\-~?] /.test(l));
    expect(stepLines).toHaveLength(p.steps.length);
    p.steps.forEach((s, i) =>
      expect(
        stepLines[i].startsWith(
          `  ${{ create_nameserver: '+', delete_nameserver: '-', glue_check: '?' }[s.kind as string] ?? '~'} ` +
            `${s.kind} ${s.target}  `,
        ),
      ).toBe(true),
    );
    expect(lines[lines.length - 1]).toBe(
      `Plan: ${p.summary.create} to create, ${p.summary.change} to change, ` +
        `${p.summary.delete} to delete, ${p.summary.checks} check${p.summary.checks === 1 ? '' : 's'}.`,
    );
    expect(text).toMatch(/override: acns apply --allow-mass-change/);
    expect(text).not.toMatch(/\u001b\[/);
  });

  test('colour only when asked', () => {
    expect(renderPlanText(richPlan(), { colour: true })).toMatch(/\u001b\[3\dm/);
  });

  test('a no-change plan says so', () => {
    const d = desired({ sets: { 1: ['ns1.example.com', 'ns2.example.com'] }, zones: { 'example.org': 1 } });
    const text = renderPlanText(
      buildPlan(d, live({ sets: { 1: ['ns1.example.com', 'ns2.example.com'] }, zones: { 'example.org': 1 } })),
      { colour: false },
    );
    expect(text.trimEnd().split('\n').pop()).toBe('No changes. Live account matches acns.yaml.');
    expect(text).not.toMatch(/UNSAFE|Steps/);
  });
});
