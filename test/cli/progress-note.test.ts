import { progressNote } from '../../src/operations/connect.js';
import type { DesiredState } from '../../src/config/types.js';

const cf: DesiredState['cloudflare'] = {
  endpoints: 'dns_settings',
  requestsPerWindow: 1000,
  windowSeconds: 300,
  requestsPerSecond: 200,
  concurrency: 64,
};

test('each wait the client announces is one line on stderr, with how long', () => {
  expect(progressNote({ kind: 'waiting', reason: 'rate_limited', waitMs: 299_500, untilMs: 0 }, cf)).toBe(
    'Cloudflare answered 429 (rate limited); pausing every request for 300 s',
  );
  expect(progressNote({ kind: 'waiting', reason: 'server_window', waitMs: 12_000, untilMs: 0 }, cf)).toBe(
    'Cloudflare says this rate window is spent: waiting 12 s for it to reset',
  );
  expect(progressNote({ kind: 'waiting', reason: 'window', waitMs: 1000, untilMs: 0 }, cf)).toBe(
    'request budget for this window spent (1000 per 300 s): waiting 1 s',
  );
  expect(progressNote({ kind: 'resumed' }, cf)).toBeUndefined();
  expect(progressNote({ kind: 'requests', done: 1, total: 2 }, cf)).toBeUndefined();
});

test('a configured budget above what Cloudflare states is said once; a smaller one is silent', () => {
  const policy = (quota: number, exceeds: boolean) =>
    progressNote(
      {
        kind: 'policy',
        quota,
        windowSeconds: 300,
        configured: { requests: 1000, seconds: 300 },
        configuredExceedsServer: exceeds,
      },
      cf,
    );
  expect(policy(600, true)).toBe(
    'cloudflare.requests_per_window (1000 per 300 s) exceeds what Cloudflare allows this user (600 per 300 s); ' +
      "using Cloudflare's figure",
  );
  expect(policy(1200, false)).toBeUndefined();
});
