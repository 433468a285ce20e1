import { buildDriftReport } from '../../src/plan/drift.js';
import { DRIFT_MARKER, driftToDocument, renderDriftJson, renderDriftMarkdown, renderDriftText } from '../../src/render/drift.js';
import { desired, live } from '../plan/fixtures.js';
import { expectGolden } from './golden.js';
import { META, richDrift } from './rich.js';

describe('drift renderers', () => {
  test('text, json and markdown of the rich drift report match their golden files', () => {
    const r = richDrift();
    expectGolden('drift.txt', renderDriftText(r, { colour: false }));
    expectGolden('drift.json', renderDriftJson(r, META));
    expectGolden('drift.md', renderDriftMarkdown(r));
  });

  test('each difference shows live, desired and file:line', () => {
    const r = richDrift();
    const text = renderDriftText(r, { colour: false });
    expect(text).toContain('  ~ example.org\n      live:    standard nameservers\n      desired: set 1  (acns.yaml:12)');
    expect(text.trimEnd().split('\n').pop()).toMatch(/^Drift: \d+ differences\./);
    const doc = driftToDocument(r, META);
    expect(doc.has_drift).toBe(true);
    expect(doc.items.find((i) => i.key === 'zone:example.org')).toEqual({
      key: 'zone:example.org',
      kind: 'zone',
      object: 'example.org',
      live: { type: 'cloudflare.standard' },
      desired: { type: 'custom.account', set: 1 },
      source: 'acns.yaml:12',
      message: 'zone example.org uses standard nameservers live but set 1 in the file',
    });
    expect(renderDriftMarkdown(r).split('\n')[0]).toBe(DRIFT_MARKER);
  });

  test('no drift', () => {
    const S1 = ['ns1.example.com', 'ns2.example.com'];
    const r = buildDriftReport(desired({ sets: { 1: S1 }, zones: { 'a.example': 1 } }), live({ sets: { 1: S1 }, zones: { 'a.example': 1 } }));
    expect(renderDriftText(r, { colour: false }).trimEnd().split('\n').pop()).toBe('No drift. Live account matches acns.yaml.');
    expect(renderDriftMarkdown(r)).toContain('✅ **No drift.**');
  });

  test('a huge drift report stays under the markdown budget', () => {
    const zones: Record<string, number> = {};
    const liveZones: Record<string, 'standard'> = {};
    for (let i = 0; i < 5000; i++) {
      zones[`zone-${i}.example`] = 1;
      liveZones[`zone-${i}.example`] = 'standard';
    }
    const S1 = ['ns1.example.com', 'ns2.example.com'];
    const md = renderDriftMarkdown(buildDriftReport(desired({ sets: { 1: S1 }, zones }), live({ sets: { 1: S1 }, zones: liveZones })));
    expect(md.length).toBeLessThan(65_000);
    expect(md).toMatch(/more differences cut/);
  });
});
