/**
 * `acns doctor` against the emulator and the fake DNS hierarchy: the operation's findings for each
 * thing it is meant to catch, the exact number of requests, and the command's exit codes and formats.
 */
import { MockAgent } from 'undici';
import { systemClock } from '../../src/cloudflare/clock.js';
import { FakeDnsServer } from '../../src/dns/fakeserver.js';
import { DEMO_TOKEN } from '../../src/emulator/model.js';
import { runDoctor, type DoctorRequest } from '../../src/operations/doctor.js';
import { SILENT_PROGRESS, type Session } from '../../src/operations/session.js';
import type { CheckId, DoctorReport } from '../../src/render/doctor.js';
import { ACCOUNT, BASE_CONFIG, startWorld, type World } from './harness.js';

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(() => w.close());

function session(env: Record<string, string | undefined> = {}): Session {
  return {
    env: { ...w.env, CLOUDFLARE_ACCOUNT_ID: ACCOUNT, ...env },
    cwd: w.dir,
    progress: SILENT_PROGRESS,
    warn: () => {},
  };
}

function doctor(env: Record<string, string | undefined> = {}, req: DoctorRequest = {}): Promise<DoctorReport> {
  return runDoctor(session(env), req);
}

function check(r: DoctorReport, id: CheckId) {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
}

function statuses(r: DoctorReport): Record<string, string> {
  return Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
}

test('all good: every check passes in exactly six read-only requests', async () => {
  const r = await doctor();
  expect(statuses(r)).toEqual({
    settings: 'ok',
    credentials: 'ok',
    account: 'ok',
    entitlement: 'ok',
    zones: 'ok',
    zone_settings: 'ok',
    account_settings: 'ok',
    rate_limits: 'ok',
    clock: 'ok',
    dns_udp: 'ok',
    dns_tcp: 'ok',
    dns_interception: 'ok',
    dns_ipv6: 'skip', // the fake hierarchy's root is IPv4 only
  });
  expect(r.ok).toBe(true);
  expect(r.requests).toBe(6);
  const sent = w.emu.requests();
  expect(sent).toHaveLength(6);
  expect(sent.every((x) => x.method === 'GET')).toBe(true);
  expect(sent.map((x) => x.path.split('?')[0]).sort()).toEqual(
    [
      '/user/tokens/verify',
      `/accounts/${ACCOUNT}`,
      `/accounts/${ACCOUNT}/custom_ns`,
      `/accounts/${ACCOUNT}/dns_settings`,
      '/zones',
      expect.stringMatching(/^\/zones\/[0-9a-f]{32}\/dns_settings$/),
    ].sort(),
  );
  expect(check(r, 'credentials').detail).toMatch(/user API token, active/);
  expect(check(r, 'rate_limits').detail).toMatch(/Ratelimit-Policy 1200 requests per 300 s; Ratelimit \d+ remaining/);
  expect(check(r, 'rate_limits').facts).toMatchObject({ quota: 1200, window_seconds: 300 });
  expect(check(r, 'dns_udp').detail).toMatch(/referral to com/);
});

test('an account API token verifies at the account endpoint after the user endpoint answers 401', async () => {
  w.emu.state.accountTokens = ['acct-token-1'];
  const r = await doctor({ CLOUDFLARE_API_TOKEN: 'acct-token-1' });
  expect(check(r, 'credentials')).toMatchObject({ status: 'ok', facts: { owner: 'account' } });
  expect(check(r, 'credentials').detail).toMatch(/account API token, active/);
  expect(r.ok).toBe(true);
  expect(r.requests).toBe(7);
  expect(
    w.emu
      .requests()
      .slice(0, 2)
      .map((x) => `${x.path} ${x.status}`),
  ).toEqual(['/user/tokens/verify 401', `/accounts/${ACCOUNT}/tokens/verify 200`]);
});

test('not entitled: the entitlement check fails with 1002 and the fix', async () => {
  w.emu.state.entitled = false;
  const r = await doctor();
  const c = check(r, 'entitlement');
  expect(c.status).toBe('fail');
  expect(c.detail).toMatch(/not entitled to account custom nameservers/);
  expect(c.detail).toMatch(/1002/);
  expect(c.fix).toMatch(/Enterprise/);
  expect(r.ok).toBe(false);
  expect(check(r, 'zones').status).toBe('ok'); // the rest is still checked
  expect(r.requests).toBe(6);
});

test('a token Cloudflare does not know (10000): credentials fail, the reads are skipped, two requests', async () => {
  const r = await doctor({ CLOUDFLARE_API_TOKEN: 'not-a-known-token' });
  const c = check(r, 'credentials');
  expect(c.status).toBe('fail');
  expect(c.detail).toMatch(/10000/);
  expect(c.detail).toMatch(/nor as an account API token/);
  expect(c.fix).toMatch(/CLOUDFLARE_API_TOKEN/);
  for (const id of ['account', 'entitlement', 'zones', 'zone_settings', 'account_settings'] as const) {
    expect(check(r, id).status).toBe('skip');
  }
  expect(r.requests).toBe(2);
  expect(r.ok).toBe(false);
  expect(JSON.stringify(r)).not.toContain('not-a-known-token');
});

test('a malformed token (6003): one request, the fix says what belongs in which variable', async () => {
  const globalKey = 'a'.repeat(37); // a Global API Key put where a token belongs
  const r = await doctor({ CLOUDFLARE_API_TOKEN: globalKey });
  const c = check(r, 'credentials');
  expect(c.status).toBe('fail');
  expect(c.detail).toMatch(/could not read the credentials/);
  expect(c.detail).toMatch(/6003/);
  expect(c.fix).toMatch(/Global API Key goes in CLOUDFLARE_API_KEY/);
  expect(r.requests).toBe(1);
});

test('no credentials at all: a failed check with the fix, no request, DNS still checked', async () => {
  const r = await doctor({ CLOUDFLARE_API_TOKEN: undefined });
  expect(check(r, 'credentials')).toMatchObject({ status: 'fail', fix: expect.stringMatching(/export/) });
  expect(r.requests).toBe(0);
  expect(w.emu.requests()).toHaveLength(0);
  expect(check(r, 'dns_udp').status).toBe('ok');
});

test('email + Global API Key: accepted through the account read (no verify endpoint), five requests', async () => {
  const key = 'f'.repeat(37);
  w.emu.state.keys.push({ email: 'me@example.com', key });
  const r = await doctor({
    CLOUDFLARE_API_TOKEN: undefined,
    CLOUDFLARE_EMAIL: 'me@example.com',
    CLOUDFLARE_API_KEY: key,
  });
  expect(check(r, 'credentials')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/Global API Key/) });
  expect(r.ok).toBe(true);
  expect(r.requests).toBe(5);
  const wrong = await doctor({
    CLOUDFLARE_API_TOKEN: undefined,
    CLOUDFLARE_EMAIL: 'me@example.com',
    CLOUDFLARE_API_KEY: 'e'.repeat(37),
  });
  expect(check(wrong, 'credentials')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/10000/) });
  expect(JSON.stringify(wrong)).not.toContain('e'.repeat(37));
});

test('the API unreachable: one request, credentials fail with the network fix, the reads say why', async () => {
  const closed = await FakeDnsServer.start({ zones: [] }); // a loopback port, then closed: nothing listens
  const port = closed.port;
  await closed.close();
  const r = await doctor({ CLOUDFLARE_BASE_URL: `http://127.0.0.1:${port}/client/v4` });
  expect(check(r, 'credentials')).toMatchObject({
    status: 'fail',
    detail: expect.stringMatching(/could not reach the Cloudflare API .*connection refused/),
    fix: expect.stringMatching(/CLOUDFLARE_BASE_URL/),
  });
  expect(check(r, 'zones')).toEqual(
    expect.objectContaining({ status: 'skip', detail: 'not checked: the Cloudflare API could not be reached' }),
  );
  expect(check(r, 'rate_limits').status).toBe('skip');
  expect(r.requests).toBe(1);
});

test('missing rate-limit headers (a stripping proxy): a warning naming the fallback budget', async () => {
  w.emu.options.rateHeaders = 'none';
  const r = await doctor();
  const c = check(r, 'rate_limits');
  expect(c.status).toBe('warn');
  expect(c.detail).toMatch(/none of the 6 answers carried Ratelimit or Ratelimit-Policy/);
  expect(c.detail).toMatch(/1000 per 300 s/);
  expect(c.fix).toMatch(/proxy/);
  expect(r.ok).toBe(true); // acns still works, pacing by its own budget
});

test('only the older x-ratelimit-* headers: a warning that says so', async () => {
  w.emu.options.rateHeaders = 'legacy';
  const c = check(await doctor(), 'rate_limits');
  expect(c.status).toBe('warn');
  expect(c.detail).toMatch(/older x-ratelimit-\* headers/);
});

test('a 429 fails the rate-limit check; the reads that would wait for the window are not sent', async () => {
  w.emu.addFault({ path: /tokens\/verify/, status: 429, retryAfter: 300 });
  const r = await doctor();
  expect(check(r, 'rate_limits')).toMatchObject({
    status: 'fail',
    detail: expect.stringMatching(/answered 429 1 time\(s\).*retry-after 300 s/),
    fix: expect.stringMatching(/same user/),
  });
  expect(check(r, 'credentials')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/971/) });
  for (const id of ['account', 'entitlement', 'zones', 'account_settings'] as const) {
    expect(check(r, id)).toMatchObject({
      status: 'skip',
      detail: expect.stringMatching(/^not checked: Cloudflare says this user's rate window is spent \(300 s/),
    });
  }
  expect(r.requests).toBe(1);
  expect(r.ok).toBe(false);
});

test('a configured budget above what Cloudflare states: a warning with the figure to use', async () => {
  w.writeConfig(BASE_CONFIG.replace('policy:', 'cloudflare:\n  requests_per_window: 5000\npolicy:'));
  const c = check(await doctor(), 'rate_limits');
  expect(c.status).toBe('warn');
  expect(c.fix).toMatch(/requests_per_window to 1200/);
});

test('a local clock two minutes fast: a warning; the rest passes', async () => {
  const fast = { now: () => Date.now() + 120_000, sleep: systemClock.sleep };
  const r = await doctor({}, { clock: fast });
  expect(check(r, 'clock')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/12\d s ahead of/) });
  expect(r.ok).toBe(true);
});

test('DNS blackholed: UDP and TCP fail clearly within the injected deadline', async () => {
  const hole = await FakeDnsServer.start({ zones: [], knobs: { silent: true } });
  try {
    const r = await doctor({ ACNS_DNS_ROOT_SERVERS: hole.address }, { dnsDeadlineMs: 300 });
    for (const id of ['dns_udp', 'dns_tcp'] as const) {
      const c = check(r, id);
      expect(c.status).toBe('fail');
      expect(c.detail).toMatch(/no answer from the configured root servers/);
      expect(c.detail).toMatch(/deadline of 300 ms/);
      expect(c.fix).toMatch(/port 53/);
    }
    expect(check(r, 'dns_interception').status).toBe('skip');
    expect(r.ok).toBe(false);
  } finally {
    await hole.close();
  }
});

test('a port-53 interceptor answering for the root: detected, with the fix', async () => {
  const liar = await FakeDnsServer.start({ zones: [], knobs: { interceptNxdomain: true } });
  try {
    const r = await doctor({ ACNS_DNS_ROOT_SERVERS: liar.address });
    const c = check(r, 'dns_interception');
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/RA=1 on a non-recursive query/);
    expect(c.fix).toMatch(/answers DNS in place of the servers asked/);
    expect(check(r, 'dns_udp').status).toBe('ok'); // reachable, but not trustworthy
  } finally {
    await liar.close();
  }
});

test('with acns.yaml: its account, a zone it names, and the host zone of its names as the DNS probe', async () => {
  w.writeConfig(BASE_CONFIG);
  const r = await doctor({ CLOUDFLARE_ACCOUNT_ID: undefined });
  expect(r.configFile).toBe('acns.yaml');
  expect(r.accountId).toBe(ACCOUNT);
  expect(check(r, 'settings').detail).toMatch(/acns.yaml: 2 set\(s\), 6 zone\(s\)/);
  expect(check(r, 'zone_settings').detail).toMatch(/^(10\.113\.0\.203\.in-addr\.arpa|113\.0\.203\.in-addr\.arpa):/);
  expect(check(r, 'dns_udp').detail).toMatch(/^example\.com NS: .*referral to com/);
  expect(r.ok).toBe(true);
});

test('the legacy endpoint flavour also reads the legacy zone endpoint (seven requests)', async () => {
  w.writeConfig(BASE_CONFIG.replace('policy:', 'cloudflare:\n  endpoints: legacy\npolicy:'));
  const r = await doctor();
  expect(check(r, 'zone_settings').detail).toMatch(/the legacy endpoint says not custom/);
  expect(r.requests).toBe(7);
});

test('an answer without a field acns relies on: the check names the endpoint and the field', async () => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const api = agent.get('https://api.cloudflare.com');
  const P = '/client/v4';
  const ok = (result: unknown, extra: Record<string, unknown> = {}) => ({ success: true, result, ...extra });
  api.intercept({ path: `${P}/user/tokens/verify`, method: 'GET' }).reply(200, ok({ id: 't1', status: 'active' }));
  api
    .intercept({ path: `${P}/accounts/${ACCOUNT}`, method: 'GET' })
    .reply(200, ok({ id: ACCOUNT, name: 'Acme', type: 'enterprise' }));
  api.intercept({ path: `${P}/accounts/${ACCOUNT}/custom_ns`, method: 'GET' }).reply(200, ok([]));
  api
    .intercept({ path: `${P}/accounts/${ACCOUNT}/dns_settings`, method: 'GET' })
    .reply(200, ok({ zone_defaults: { nameservers: { type: 'cloudflare.standard' } } }));
  api
    .intercept({ path: (p: string) => p.startsWith(`${P}/zones?`), method: 'GET' })
    .reply(200, ok([{ id: 'z1', name: 'example.org' }], { result_info: { page: 1, per_page: 50, total_count: 1 } }));
  api.intercept({ path: `${P}/zones/z1/dns_settings`, method: 'GET' }).reply(200, ok({ foundation_dns: false }));
  try {
    const r = await doctor(
      { CLOUDFLARE_BASE_URL: undefined, CLOUDFLARE_API_TOKEN: 'tok-123456' },
      { dispatcher: agent },
    );
    const c = check(r, 'zone_settings');
    expect(c.status).toBe('fail');
    expect(c.detail).toBe(
      'unexpected response from GET /zones/{zone_id}/dns_settings: "result.nameservers" is missing or not an object',
    );
    expect(c.fix).toMatch(/API may have changed/);
    expect(check(r, 'rate_limits').status).toBe('warn'); // the mock sends no rate-limit headers
    expect(r.requests).toBe(6);
  } finally {
    await agent.close();
  }
});

test('a token that is not active fails and stops the reads; one about to expire only warns', async () => {
  const run = async (result: Record<string, unknown>) => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const api = agent.get('https://api.cloudflare.com');
    api
      .intercept({ path: '/client/v4/user/tokens/verify', method: 'GET' })
      .reply(200, { success: true, result: { id: 't1', ...result } });
    api
      .intercept({ path: (p: string) => !p.endsWith('/verify'), method: 'GET' })
      .reply(500, {})
      .persist();
    try {
      return await doctor(
        { CLOUDFLARE_BASE_URL: undefined, CLOUDFLARE_API_TOKEN: 'tok-123456' },
        { dispatcher: agent },
      );
    } finally {
      await agent.close();
    }
  };
  const expired = await run({ status: 'expired' });
  expect(check(expired, 'credentials')).toMatchObject({
    status: 'fail',
    detail: 'CLOUDFLARE_API_TOKEN is a user API token whose status is "expired"',
    fix: expect.stringMatching(/create a new API token/),
  });
  expect(check(expired, 'zones').detail).toBe('not checked: Cloudflare did not accept the credentials');
  expect(expired.requests).toBe(1);
  const soon = new Date(Date.now() + 2 * 86_400_000).toISOString();
  const expiring = await run({ status: 'active', expires_on: soon });
  expect(check(expiring, 'credentials')).toMatchObject({
    status: 'warn',
    detail: expect.stringMatching(/active, but it expires on .* \(in [12] days\)/),
  });
});

// --- the command --------------------------------------------------------------------------------

test('acns doctor: exit 0 and a text report when all is well', async () => {
  const r = await w.cli(['doctor'], { CLOUDFLARE_ACCOUNT_ID: ACCOUNT });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^acns doctor: account [0-9a-f]{32} at http:\/\/127\.0\.0\.1/);
  expect(r.stdout).toMatch(/ok {4}credentials/);
  expect(r.stdout).toMatch(/\nReady \(6 requests to Cloudflare in \d+\.\d s\)\. Next: acns import/);
  expect(r.stdout).not.toContain(DEMO_TOKEN);
});

test('acns doctor --format json: exit 1 when something is wrong, each failure with its fix', async () => {
  w.emu.state.entitled = false;
  const r = await w.cli(['doctor', '--format', 'json'], { CLOUDFLARE_ACCOUNT_ID: ACCOUNT });
  expect(r.code).toBe(1);
  const doc = JSON.parse(r.stdout);
  expect(doc).toMatchObject({ format_version: 1, ok: false, account_id: ACCOUNT, requests: 6, config_file: null });
  expect(doc.summary).toMatchObject({ fail: 1 });
  const failed = doc.checks.filter((c: { status: string }) => c.status === 'fail');
  expect(failed.map((c: { id: string }) => c.id)).toEqual(['entitlement']);
  expect(failed[0].fix).toMatch(/Enterprise/);
});

test('acns doctor in text: a failure prints its fix line and the exit is 1', async () => {
  const r = await w.cli(['doctor'], { CLOUDFLARE_ACCOUNT_ID: ACCOUNT, CLOUDFLARE_API_TOKEN: 'x'.repeat(40) });
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/FAIL {2}credentials/);
  expect(r.stdout).toMatch(/\n {2}\s+fix: /);
  expect(r.stdout).toMatch(/\n1 problem \(2 requests/);
  expect(r.stdout).not.toContain('x'.repeat(40));
});

test('acns doctor without acns.yaml and without CLOUDFLARE_ACCOUNT_ID: exit 1, what to set', async () => {
  const r = await w.cli(['doctor']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/error: no acns.yaml here and CLOUDFLARE_ACCOUNT_ID is not set/);
  expect(r.stderr).toMatch(/hint: export CLOUDFLARE_ACCOUNT_ID=/);
  expect(w.emu.requests()).toHaveLength(0);
});

test('acns doctor -c with a missing file: exit 1 before any request', async () => {
  const r = await w.cli(['doctor', '-c', 'nope.yaml'], { CLOUDFLARE_ACCOUNT_ID: ACCOUNT });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/nope\.yaml/);
  expect(w.emu.requests()).toHaveLength(0);
});
