import { buildDriftReport, type DriftReport } from '../../src/plan/drift.js';
import {
  DRIFT_MARKER,
  driftToDocument,
  renderDriftJson,
  renderDriftMarkdown,
  renderDriftText,
} from '../../src/render/drift.js';
import { desired, live } from '../plan/fixtures.js';
import { expectGolden } from './golden.js';
import { META, richDrift } from './rich.js';

/** The rich report with what DNS said about the zones on their set (as `acns drift` fills it in). */
function withDelegation(): DriftReport {
  return {
    ...richDrift(),
    delegation: [
      {
        zone: 'example.org',
        status: 'elsewhere',
        nameservers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
        expected: ['ns1.example.com', 'ns2.example.com', 'ns3.example.com'],
        detail: 'the parent delegates example.org to ada.ns.cloudflare.com, bob.ns.cloudflare.com',
        where: 'at the registrar of example.org',
      },
      {
        zone: 'fresh.example',
        status: 'elsewhere',
        nameservers: [],
        expected: ['ns1.example.com'],
        detail: 'fresh.example is not delegated: the parent zone says NXDOMAIN',
      },
      {
        zone: 'shop.example.org',
        status: 'unknown',
        nameservers: [],
        expected: ['ns1.example.net', 'ns2.example.net'],
        detail:
          'no parent server answered for shop.example.org (192.0.2.53:53: NXDOMAIN: answer not authoritative (AA=0))',
      },
    ],
  };
}

describe('drift renderers', () => {
  test('text, json and markdown of the rich drift report match their golden files', () => {
    const r = withDelegation();
    expectGolden('drift.txt', renderDriftText(r, { colour: false }));
    expectGolden('drift.json', renderDriftJson(r, META));
    expectGolden('drift.md', renderDriftMarkdown(r));
  });

  test('each difference shows live, desired and file:line', () => {
    const r = richDrift();
    const text = renderDriftText(r, { colour: false });
    expect(text).toContain(
      '  ~ example.org\n      live:    standard nameservers\n      desired: set 1  (acns.yaml:12)',
    );
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

  test('delegation findings are information in all three forms, never drift', () => {
    const r = withDelegation();
    const text = renderDriftText(r, { colour: false });
    expect(text).toContain(
      'Delegation at the parent zone (information, not drift):\n' +
        '  zone example.org uses its custom set, ' +
        'but its parent still delegates it to ada.ns.cloudflare.com, ' +
        'bob.ns.cloudflare.com: next step at the registrar of example.org: set NS to ns1.example.com, ' +
        'ns2.example.com, ns3.example.com\n' +
        '  zone fresh.example uses its custom set, ' +
        'but its parent zone does not delegate it (fresh.example is not delegated: ' +
        'the parent zone says NXDOMAIN): next step at your registrar: ' +
        'set NS to ns1.example.com\n' +
        '  zone shop.example.org: could not read its delegation from DNS (no parent ' +
        'server answered for shop.example.org (192.0.2.53:53: NXDOMAIN: ' +
        'answer not authoritative (AA=0)))\n',
    );
    const doc = driftToDocument(r, META);
    expect(doc.delegation).toEqual(r.delegation);
    expect(doc.has_drift).toBe(true);
    const md = renderDriftMarkdown(r);
    expect(md).toContain(
      '- zone example.org uses its custom set, but its parent still delegates it to ada.ns.cloudflare.com',
    );
    expect(md).toContain('- zone shop.example.org: could not read its delegation from DNS');

    const S1 = ['ns1.example.com', 'ns2.example.com'];
    const clean = buildDriftReport(
      desired({ sets: { 1: S1 }, zones: { 'a.example': 1 } }),
      live({ sets: { 1: S1 }, zones: { 'a.example': 1 } }),
    );
    clean.delegation = [
      {
        zone: 'a.example',
        status: 'elsewhere',
        nameservers: ['x.ns.cloudflare.com'],
        expected: S1,
        detail: 'the parent delegates a.example to x.ns.cloudflare.com',
      },
    ];
    expect(clean.hasDrift).toBe(false);
    expect(renderDriftText(clean, { colour: false })).toMatch(
      new RegExp(
        /zone a\.example uses its custom set, but its parent still delegates it to /.source +
          /x\.ns\.cloudflare\.com[^\n]*\n\nNo drift\./.source,
      ),
    );
    expect(driftToDocument(clean, META)).toMatchObject({
      has_drift: false,
      delegation: [{ zone: 'a.example', status: 'elsewhere' }],
    });
    expect(renderDriftMarkdown(clean)).toContain('✅ **No drift.**');
  });

  test('delegation not checked (glue_check: off) → null in json, nothing in text', () => {
    const r = richDrift();
    expect(driftToDocument(r, META).delegation).toBeNull();
    expect(renderDriftText(r, { colour: false })).not.toContain('Delegation');
    const empty = { ...r, delegation: [] };
    expect(driftToDocument(empty, META).delegation).toEqual([]);
    expect(renderDriftText(empty, { colour: false })).not.toContain('Delegation');
  });

  test('no drift', () => {
    const S1 = ['ns1.example.com', 'ns2.example.com'];
    const r = buildDriftReport(
      desired({ sets: { 1: S1 }, zones: { 'a.example': 1 } }),
      live({ sets: { 1: S1 }, zones: { 'a.example': 1 } }),
    );
    expect(renderDriftText(r, { colour: false }).trimEnd().split('\n').pop()).toBe(
      'No drift. Live account matches acns.yaml.',
    );
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
    const md = renderDriftMarkdown(
      buildDriftReport(desired({ sets: { 1: S1 }, zones }), live({ sets: { 1: S1 }, zones: liveZones })),
    );
    expect(md.length).toBeLessThan(65_000);
    expect(md).toMatch(/more differences cut/);
  });
});
