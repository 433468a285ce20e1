import { checkName, isWithin, normaliseName } from '../../src/config/names.js';
import { normName } from '../../src/dns/names.js';

describe('checkName', () => {
  test.each([
    ['ns1.example.com', 'ns1.example.com'],
    ['NS1.Example.COM.', 'ns1.example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['NS.Bücher.Example.', 'ns.xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['113.0.203.in-addr.arpa', '113.0.203.in-addr.arpa'],
    ['a-b.c0.example', 'a-b.c0.example'],
  ])('%s → %s', (raw, want) => {
    expect(checkName(raw)).toEqual({ ok: true, name: want });
  });

  test.each([
    ['localhost', 'single label'],
    ['1.2.3.4', 'IP address'],
    ['2001:db8::1', 'IP address'],
    ['ns1.example.123', 'numeric label'],
    ['ns_1.example.net', 'underscore'],
    ['*.example.com', 'wildcard'],
    ['-ns.example', 'hyphen'],
    ['a..b', 'empty label'],
    ['', 'empty'],
    ['.', 'only a dot'],
    [`${'a'.repeat(64)}.example`, '63'],
    [`${'a.'.repeat(127)}com`, '253'],
    ['ns1 .example.com', 'character " "'],
  ])('%j is rejected (%s)', (raw, word) => {
    const c = checkName(raw);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.reason).toContain(word);
  });
});

describe('isWithin', () => {
  test('label-wise containment', () => {
    expect(isWithin('ns1.example.com', 'example.com')).toBe(true);
    expect(isWithin('example.com', 'example.com')).toBe(true);
    expect(isWithin('ns1.notexample.com', 'example.com')).toBe(false);
  });
});

describe('punycode labels must be valid IDNA', () => {
  test.each(['xn--bcher-kva.example', 'XN--BCHER-KVA.Example.', 'ns.xn--55qx5d.cn'])('%s is accepted', (raw) => {
    expect(checkName(raw).ok).toBe(true);
  });
  test.each([
    ['ns1.xn--zzzz.example', 'xn--zzzz'],
    ['xn--wca.example', 'xn--wca'], // encodes a capital Ü, which IDNA maps: never what a registry holds
    ['ns.xn--a.example', 'xn--a'],
  ])('%s is refused, naming the label', (raw, label) => {
    const c = checkName(raw);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.reason).toContain(`"${label}", which is not valid punycode`);
  });
});

describe('normaliseName: the one normaliser', () => {
  test.each([
    ['NS1.Example.COM.', 'ns1.example.com'],
    [' example.org.. ', 'example.org'],
    ['.', ''],
    ['', ''],
    ['Bücher.Example.', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['Not A Name!', 'not a name!'], // total: invalid text is still lower-cased, never thrown on
  ])('%j → %j', (raw, want) => {
    expect(normaliseName(raw)).toBe(want);
  });

  test('the DNS layer and --zone filtering use it (an IDN --zone matches its A-label)', () => {
    for (const raw of ['NS1.Example.COM.', 'Bücher.Example.', '.', 'a.b.'])
      expect(normName(raw)).toBe(normaliseName(raw));
  });
});
