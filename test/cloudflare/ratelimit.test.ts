import { parseRateLimitHeaders, retryAfterMs } from '../../src/cloudflare/ratelimit.js';

const NOW = 1_700_000_000_000;

describe('Ratelimit and Ratelimit-Policy (structured fields)', () => {
  test('remaining and reset from Ratelimit, quota and window from the policy of the same name', () => {
    expect(
      parseRateLimitHeaders({ ratelimit: '"default";r=50;t=30', 'ratelimit-policy': '"default";q=1200;w=300' }, NOW),
    ).toEqual({ remaining: 50, resetMs: 30_000, quota: 1200, windowSeconds: 300 });
  });

  test('the policy name and numbers are not assumed ("burst";q=100;w=60)', () => {
    expect(
      parseRateLimitHeaders({ ratelimit: '"burst";r=7;t=12', 'ratelimit-policy': '"burst";q=100;w=60' }, NOW),
    ).toEqual({ remaining: 7, resetMs: 12_000, quota: 100, windowSeconds: 60 });
  });

  test('several policies: the one with the least remaining binds, with its own policy', () => {
    const info = parseRateLimitHeaders(
      {
        ratelimit: '"hour";r=900;t=1800, "burst";r=3;t=5',
        'ratelimit-policy': '"hour";q=4000;w=3600, "burst";q=100;w=60',
      },
      NOW,
    );
    expect(info).toEqual({ remaining: 3, resetMs: 5000, quota: 100, windowSeconds: 60 });
  });

  test('a policy alone (no Ratelimit) still teaches the quota: the tightest rate', () => {
    expect(parseRateLimitHeaders({ 'ratelimit-policy': '"a";q=5000;w=300, "b";q=100;w=60' }, NOW)).toEqual({
      quota: 100,
      windowSeconds: 60,
    });
  });

  test('parameters in any order, extra parameters and a token name are accepted', () => {
    expect(
      parseRateLimitHeaders(
        { ratelimit: 'default;t=9;r=4;pk=:YWJj:', 'ratelimit-policy': 'default;w=10;qu="requests";q=20' },
        NOW,
      ),
    ).toEqual({ remaining: 4, resetMs: 9000, quota: 20, windowSeconds: 10 });
  });

  test('a header split over two lines is one list', () => {
    expect(parseRateLimitHeaders({ ratelimit: ['"a";r=10;t=1', '"b";r=2;t=3'] }, NOW)).toEqual({
      remaining: 2,
      resetMs: 3000,
    });
  });

  test.each([
    ['not a structured field', 'r=50, t=30 (remaining)'],
    ['a regex would take it, a parser does not', '"default";r=50;t=30;;'],
    ['negative remaining', '"default";r=-1;t=30'],
    ['no r parameter', '"default";t=30'],
  ])('malformed Ratelimit (%s) is ignored', (_why, value) => {
    expect(parseRateLimitHeaders({ ratelimit: value }, NOW)).toEqual({});
  });

  test('the new headers win over the old ones', () => {
    expect(
      parseRateLimitHeaders({ ratelimit: '"default";r=5;t=10', 'x-ratelimit-remaining': '900' }, NOW).remaining,
    ).toBe(5);
  });
});

describe('x-ratelimit-* (the older form, still accepted)', () => {
  test('remaining with a reset date, seconds or epoch; else retry-after', () => {
    const inOneMinute = new Date(NOW + 60_000).toUTCString();
    expect(parseRateLimitHeaders({ 'x-ratelimit-remaining': '12', 'x-ratelimit-reset': inOneMinute }, NOW)).toEqual({
      remaining: 12,
      resetMs: 60_000,
    });
    expect(parseRateLimitHeaders({ 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '20' }, NOW).resetMs).toBe(
      20_000,
    );
    expect(
      parseRateLimitHeaders({ 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': String(NOW / 1000 + 7) }, NOW).resetMs,
    ).toBe(7000);
    expect(parseRateLimitHeaders({ 'x-ratelimit-remaining': '0', 'retry-after': '4' }, NOW)).toEqual({
      remaining: 0,
      resetMs: 4000,
      retryAfterMs: 4000,
    });
  });

  test('x-ratelimit-limit alone teaches nothing (its window is not stated)', () => {
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '1200' }, NOW)).toEqual({});
  });
});

test('retry-after as seconds or HTTP date', () => {
  expect(retryAfterMs({ 'retry-after': '2' }, NOW)).toBe(2000);
  expect(retryAfterMs({ 'retry-after': '0.25' }, NOW)).toBe(250);
  expect(retryAfterMs({}, NOW)).toBeUndefined();
  expect(retryAfterMs({ 'retry-after': new Date(NOW + 60_000).toUTCString() }, NOW)).toBe(60_000);
  expect(retryAfterMs({ 'retry-after': 'soon' }, NOW)).toBeUndefined();
});
