import { buildDriftReport, delegationFindings, delegationTargets } from '../../src/plan/drift.js';
import { desired, live } from './fixtures.js';

const S1 = ['ns1.example.com', 'ns2.example.com'];

describe('buildDriftReport', () => {
  test('no drift when live matches the file; unmanaged objects are information', () => {
    const d = desired({
      sets: { 1: S1 },
      zones: { 'example.org': 1, 'big.example': 'advanced' },
      accountDefault: 'custom.account',
    });
    const l = live({
      sets: { 1: [...S1, 'ns9.example.com'] },
      zones: { 'example.org': 1, 'big.example': 'standard' },
      other: { 'x.example': 1 },
      accountDefault: 'custom.account',
    });
    const r = buildDriftReport(d, l);
    expect(r.hasDrift).toBe(false);
    expect(r.items).toEqual([]);
    expect(r.unmanaged.nameservers.map((n) => n.name)).toEqual(['ns9.example.com']);
    expect(r.unmanaged.zones).toEqual([{ name: 'x.example', nameservers: { type: 'custom.account', set: 1 } }]);
  });

  test('every difference, with live value, desired value and file:line', () => {
    const d = desired({
      sets: { 1: [...S1, 'ns3.example.com'], 2: ['ns4.example.com', 'ns1.example.net'] },
      zones: { 'a.example': 1, 'gone.example': 1 },
      accountDefault: 'custom.account',
      prune: true,
    });
    const l = live({
      sets: { 1: S1, 3: ['ns4.example.com', 'ns8.example.com'] },
      zones: { 'a.example': 'standard' },
      missing: ['gone.example'],
      accountDefault: 'cloudflare.standard',
    });
    const r = buildDriftReport(d, l);
    expect(r.hasDrift).toBe(true);
    expect(r.items.map((i) => [i.key, i.live, i.desired, i.source])).toEqual([
      ['ns:ns1.example.net', null, { set: 2 }, 'acns.yaml:9'],
      ['ns:ns3.example.com', null, { set: 1 }, 'acns.yaml:6'],
      ['ns:ns4.example.com', { set: 3 }, { set: 2 }, 'acns.yaml:8'],
      ['ns:ns8.example.com', { set: 3 }, null, undefined],
      ['zone:a.example', { type: 'cloudflare.standard' }, { type: 'custom.account', set: 1 }, 'acns.yaml:11'],
      ['zone:gone.example', null, { type: 'custom.account', set: 1 }, 'acns.yaml:12'],
      ['default', { value: 'cloudflare.standard' }, { value: 'custom.account' }, 'acns.yaml:13'],
    ]);
    expect(r.items[4].message).toBe('zone a.example uses standard nameservers live but set 1 in the file');
    expect(r.unmanaged.nameservers).toEqual([]);
  });

  test('delegation: which zones are read (on the same custom set in file and account), and what is reported', () => {
    const d = desired({
      sets: { 1: S1, 2: ['ns1.example.net'] },
      zones: { 'a.example': 1, 'b.example': 2, 'c.example': 'standard', 'd.example': 1, 'gone.example': 1 },
    });
    const l = live({
      sets: { 1: S1, 2: ['ns1.example.net'] },
      zones: { 'a.example': 1, 'b.example': 2, 'c.example': 'standard', 'd.example': 'standard' },
      missing: ['gone.example'],
    });
    expect(delegationTargets(d, l)).toEqual([
      { zone: 'a.example', customNames: S1 },
      { zone: 'b.example', customNames: ['ns1.example.net'] },
    ]);
    const found = delegationFindings([
      { zone: 'b.example', status: 'unknown', nameservers: [], detail: 'no answer', customNames: ['ns1.example.net'] },
      { zone: 'z.example', status: 'delegated', nameservers: S1, detail: 'ok', customNames: S1 },
      {
        zone: 'a.example',
        status: 'elsewhere',
        nameservers: ['x.ns.cloudflare.com'],
        detail: 'the parent delegates a.example to x.ns.cloudflare.com',
        customNames: S1,
      },
    ]);
    expect(found).toEqual([
      {
        zone: 'a.example',
        status: 'elsewhere',
        nameservers: ['x.ns.cloudflare.com'],
        expected: S1,
        detail: 'the parent delegates a.example to x.ns.cloudflare.com',
      },
      { zone: 'b.example', status: 'unknown', nameservers: [], expected: ['ns1.example.net'], detail: 'no answer' },
    ]);
    const r = buildDriftReport(d, l);
    expect(r.delegation).toBeUndefined(); // filled in by the command, from DNS
  });
});
