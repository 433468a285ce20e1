import { findHierarchyConflicts } from '../../src/config/hierarchy.js';

describe('findHierarchyConflicts', () => {
  test('a.example.org vs example.org on the same set', () => {
    expect(
      findHierarchyConflicts([
        { name: 'example.org', set: 1 },
        { name: 'a.example.org', set: 1 },
      ]),
    ).toEqual([{ child: 'a.example.org', ancestor: 'example.org', set: 1 }]);
  });
  test('different sets do not conflict', () => {
    expect(
      findHierarchyConflicts([
        { name: 'example.org', set: 1 },
        { name: 'a.example.org', set: 2 },
      ]),
    ).toEqual([]);
  });
  test('example.org vs notexample.org are not related', () => {
    expect(
      findHierarchyConflicts([
        { name: 'example.org', set: 1 },
        { name: 'notexample.org', set: 1 },
      ]),
    ).toEqual([]);
  });
  test('reverse zones: 1.168.192.in-addr.arpa vs 168.192.in-addr.arpa', () => {
    expect(
      findHierarchyConflicts([
        { name: '168.192.in-addr.arpa', set: 3 },
        { name: '1.168.192.in-addr.arpa', set: 3 },
      ]),
    ).toEqual([{ child: '1.168.192.in-addr.arpa', ancestor: '168.192.in-addr.arpa', set: 3 }]);
    expect(
      findHierarchyConflicts([
        { name: '168.192.in-addr.arpa', set: 3 },
        { name: '11.168.192.in-addr.arpa', set: 4 },
        { name: '1.68.192.in-addr.arpa', set: 3 },
      ]),
    ).toEqual([]);
  });
  test('every ancestor counts, not only the parent; a middle zone on another set does not shield', () => {
    expect(
      findHierarchyConflicts([
        { name: 'c.b.a.example', set: 1 },
        { name: 'b.a.example', set: 2 },
        { name: 'a.example', set: 1 },
        { name: 'example', set: 1 },
      ]),
    ).toEqual([
      { child: 'a.example', ancestor: 'example', set: 1 },
      { child: 'c.b.a.example', ancestor: 'a.example', set: 1 },
      { child: 'c.b.a.example', ancestor: 'example', set: 1 },
    ]);
  });
  test('zones not on a custom set (null) never conflict', () => {
    expect(
      findHierarchyConflicts([
        { name: 'example.org', set: null },
        { name: 'a.example.org', set: null },
        { name: 'b.example.org', set: 1 },
      ]),
    ).toEqual([]);
  });
  test('duplicates (file + live) are reported once per pair and set', () => {
    const zones = [
      { name: 'example.org', set: 1 },
      { name: 'example.org', set: 2 },
      { name: 'a.example.org', set: 2 },
      { name: 'a.example.org', set: 2 },
    ];
    expect(findHierarchyConflicts(zones)).toEqual([{ child: 'a.example.org', ancestor: 'example.org', set: 2 }]);
  });
  test('siblings and a zone equal to itself are not conflicts', () => {
    expect(
      findHierarchyConflicts([
        { name: 'a.example.org', set: 1 },
        { name: 'b.example.org', set: 1 },
        { name: 'a.example.org', set: 1 },
      ]),
    ).toEqual([]);
  });
  test('scales: 10,000 zones under 100 parents find exactly the same-set children', () => {
    const zones: { name: string; set: number }[] = [];
    for (let p = 0; p < 100; p++) {
      zones.push({ name: `p${p}.example`, set: 1 });
      for (let c = 0; c < 99; c++) zones.push({ name: `c${c}.p${p}.example`, set: c === 0 ? 1 : 2 });
    }
    const out = findHierarchyConflicts(zones);
    expect(out).toHaveLength(100);
    expect(out.every((x) => x.child.startsWith('c0.') && x.set === 1)).toBe(true);
  });
});
