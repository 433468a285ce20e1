import { buildPlan } from '../../src/plan/build.js';
import { MARKDOWN_BUDGET, PLAN_MARKER, renderPlanMarkdown } from '../../src/render/markdown.js';
import { desired, live } from '../plan/fixtures.js';
import { expectGolden } from './golden.js';
import { richPlan } from './rich.js';

function bigPlan(n: number) {
  const zones: Record<string, number> = {};
  const liveZones: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const name = `customer-zone-number-${String(i).padStart(5, '0')}.example`;
    zones[name] = 2;
    liveZones[name] = 1;
  }
  const d = desired({ sets: { 2: ['ns1.example.net', 'ns2.example.net'] }, zones, prune: true, maxZoneChanges: 50 });
  return buildPlan(d, live({ sets: { 1: ['ns1.example.com', 'ns2.example.com'] }, zones: liveZones }), {});
}

describe('renderPlanMarkdown', () => {
  test('the rich plan matches its golden file', () => {
    expectGolden('plan.md', renderPlanMarkdown(richPlan()));
  });

  test('marker, verdict, summary, unsafe then destructive first, glue instructions', () => {
    const md = renderPlanMarkdown(richPlan());
    const lines = md.split('\n');
    expect(lines[0]).toBe(PLAN_MARKER);
    expect(md).toContain('⛔ **Unsafe plan** — 3 guards failed');
    const sections = ['| Create |', '#### ⛔ Unsafe', '#### Destructive changes', '#### Glue to publish', '<details>'];
    const order = sections.map((s) => md.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(md).toContain('Cloudflare Registrar: ask Cloudflare Support');
    expect(md).toContain('ns1.example.com.  IN  A     192.0.2.1');
  });

  test('verdicts for no changes and safe changes', () => {
    const S1 = ['ns1.example.com', 'ns2.example.com'];
    const none = buildPlan(
      desired({ sets: { 1: S1 }, zones: { 'a.example': 1 } }),
      live({ sets: { 1: S1 }, zones: { 'a.example': 1 } }),
    );
    expect(renderPlanMarkdown(none).split('\n')[3]).toBe('✅ **No changes.** Live account matches `acns.yaml`.');
    const some = buildPlan(
      desired({ sets: { 1: S1 }, zones: { 'a.example': 1 } }),
      live({ sets: { 1: S1 }, zones: { 'a.example': 'standard' } }),
    );
    expect(renderPlanMarkdown(some).split('\n')[3]).toBe(
      '⚠️ **Changes:** 0 to create, 1 to change, 0 to delete, 1 check.',
    );
  });

  test('a 3,000-zone plan stays under the budget and says what was cut', () => {
    const plan = bigPlan(3000);
    // 3,000 switches, 2 creates, 1 glue check; set 1's deletions are held (zones leave it in this run)
    expect(plan.steps.length).toBe(3000 + 2 + 1);
    const md = renderPlanMarkdown(plan);
    expect(md.length).toBeLessThan(MARKDOWN_BUDGET);
    expect(md).toMatch(/_… \d+ more lines? of steps cut to stay under GitHub's comment limit/);
    expect(md).toContain('**mass_change**');
    expect(md).toContain('#### Glue to publish');
    expect(md.trimEnd().endsWith('_Plan: 2 to create, 3000 to change, 0 to delete, 1 check._')).toBe(true);
    expect(md.split('<details>').length).toBe(md.split('</details>').length);
  });

  test('a small budget is respected too', () => {
    const md = renderPlanMarkdown(bigPlan(200), { budget: 8000 });
    expect(md.length).toBeLessThan(8000);
    expect(md).toContain('cut to stay under');
  });
});
