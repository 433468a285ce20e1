import { count, didYouMean } from '../../src/config/words.js';

describe('count', () => {
  test.each([
    [0, 'name', '0 names'],
    [1, 'name', '1 name'],
    [2, 'name', '2 names'],
    [1200, 'zone', '1,200 zones'],
  ])('%d %s → %s', (n, noun, want) => {
    expect(count(n, noun)).toBe(want);
  });
  test('digits are grouped as en-US groups them, for any whole number', () => {
    const samples = [0, 7, 999, 1000, 12345, 999999, 1000000, 1234567890, Number.MAX_SAFE_INTEGER, -1200];
    for (const n of samples) expect(count(n, 'zone')).toBe(`${n.toLocaleString('en-US')} zones`);
  });
  test('an irregular plural', () => {
    expect(count(2, 'entry', 'entries')).toBe('2 entries');
  });
});

describe('didYouMean: one rule for keys, values and zone names', () => {
  test.each([
    ['registar', ['names', 'registrar', 'host_zone'], 'registrar'],
    ['cloudflair', ['external', 'cloudflare'], 'cloudflare'],
    ['Zones', ['zones', 'policy'], 'zones'],
    ['exmaple.org', ['example.org', 'example.net', 'other.io'], 'example.org'],
    ['typo.exmple', ['typo.example', 'example.org'], 'typo.example'],
  ])('%s → %s', (word, candidates, want) => {
    expect(didYouMean(word, candidates)).toBe(want);
  });
  test.each([
    ['zzzz.test', ['example.org', 'example.net', 'other.io']],
    ['custom', ['cloudflare.standard', 'cloudflare.standard.random', 'custom.account']],
    ['xy', ['ab', 'dns']], // two edits, but as many as the word has letters: not a typo
    ['anything', []],
    ['', ['zones']],
  ])('%s suggests nothing', (word, candidates) => {
    expect(didYouMean(word, candidates)).toBeUndefined();
  });
  test('returns the candidate as written, whatever the case of the word', () => {
    expect(didYouMean('EXAMPLE.ORG', ['Example.org'])).toBe('Example.org');
  });
});
