/**
 * Each Cloudflare failure acns knows, classified by status + code + endpoint: the class, the exact
 * message, and the exit code and lines the CLI prints (through reportError). Unknown ones carry
 * Cloudflare's own code, message and ray id, never a guess.
 */
import { PassThrough } from 'node:stream';
import { MockAgent } from 'undici';
import { CloudflareClient } from '../../src/cloudflare/client.js';
import {
  CloudflareError,
  NetworkError,
  CredentialsRejectedError,
  isAccountWide,
  NotEntitledError,
  RateLimitedError,
  SetMissingError,
  ZoneNotFoundError,
} from '../../src/cloudflare/errors.js';
import { reportError } from '../../src/cli/program.js';
import type { CliIO } from '../../src/cli/io.js';

const ORIGIN = 'https://api.cloudflare.com';
const P = '/client/v4';
const RAY = '8a1b2c3d4e5f6789-FRA';
let agent: MockAgent;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

type Msg = { code: number; message: string; error_chain?: Msg[] };

async function failWith(
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  status: number,
  errors: Msg[],
) {
  agent
    .get(ORIGIN)
    .intercept({ path: P + path, method })
    .reply(status, { success: false, errors, messages: [], result: null }, { headers: { 'cf-ray': RAY } });
  const c = new CloudflareClient({
    baseUrl: `${ORIGIN}${P}`,
    credentials: { kind: 'token', token: 'tok-0123456789' },
    dispatcher: agent,
    maxRateLimitRetries: 0,
    backoff: () => 0,
  });
  return (await c
    .request(method, path, method === 'GET' || method === 'DELETE' ? {} : { body: {} })
    .catch((e: unknown) => e)) as CloudflareError;
}

function printed(e: unknown, env: Record<string, string> = {}): { exit: number; text: string } {
  const err = new PassThrough();
  let text = '';
  err.on('data', (d) => (text += String(d)));
  const io = { stdout: new PassThrough(), stderr: err, env, cwd: '/' } as unknown as CliIO;
  const exit = reportError(e, io);
  return { exit, text };
}

const TOKEN_HINT =
  'hint: CLOUDFLARE_API_TOKEN must be an API token (a Global API Key goes in CLOUDFLARE_API_KEY, with ' +
  'CLOUDFLARE_EMAIL); ' +
  'copy it again without quotes or spaces\n';

test.each([
  [
    'a malformed token (400, 6003 with 6111)',
    'GET',
    '/zones',
    400,
    [
      {
        code: 6003,
        message: 'Invalid request headers',
        error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }],
      },
    ],
    CredentialsRejectedError,
    'error: Cloudflare could not read the credentials sent with GET /zones (HTTP 400, 6003: Invalid request headers ' +
      `[6111: Invalid format for Authorization header], ray ${RAY})\n${TOKEN_HINT}`,
  ],
  [
    'a Global API Key in the key header, malformed (400, 6003 with 6103)',
    'GET',
    '/accounts/a1/custom_ns',
    400,
    [
      {
        code: 6003,
        message: 'Invalid request headers',
        error_chain: [{ code: 6103, message: 'Invalid format for X-Auth-Key header' }],
      },
    ],
    CredentialsRejectedError,
    'error: Cloudflare could not read the credentials sent with GET /accounts/a1/custom_ns (HTTP 400, 6003: ' +
      'Invalid request ' +
      `headers [6103: Invalid format for X-Auth-Key header], ray ${RAY})\n` +
      'hint: CLOUDFLARE_API_KEY must be the Global API Key of CLOUDFLARE_EMAIL; or (preferred) use ' +
      'CLOUDFLARE_API_TOKEN\n',
  ],
  [
    'a bad token (401, 10000)',
    'PATCH',
    '/accounts/a1/dns_settings',
    401,
    [{ code: 10000, message: 'Authentication error' }],
    CredentialsRejectedError,
    `error: Cloudflare rejected the credentials for PATCH /accounts/a1/dns_settings (HTTP 401, 10000: ` +
      `Authentication error, ray ${RAY})\n` +
      'hint: check CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY), that it belongs to this ' +
      'account, and that ' +
      'the token has the "Account DNS Settings Write" permission\n',
  ],
  [
    'a token without the scope (403, 10000)',
    'POST',
    '/accounts/a1/custom_ns',
    403,
    [{ code: 10000, message: 'Authentication error' }],
    CredentialsRejectedError,
    `error: Cloudflare rejected the credentials for POST /accounts/a1/custom_ns (HTTP 403, 10000: ` +
      `Authentication error, ray ${RAY})\n` +
      'hint: check CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY), that it belongs to this ' +
      'account, and that ' +
      'the token has the "Account Settings Write" permission\n',
  ],
  [
    'no Authorization header arrived (1001 outside the zone calls)',
    'GET',
    '/zones',
    400,
    [{ code: 1001, message: 'Missing "Authorization" header' }],
    CredentialsRejectedError,
    `error: Cloudflare did not receive the credentials with GET /zones (HTTP 400, 1001: Missing ` +
      `"Authorization" header, ray ${RAY})\n` +
      'hint: a proxy between acns and Cloudflare may strip the Authorization header; check HTTPS_PROXY and ' +
      'CLOUDFLARE_BASE_URL\n',
  ],
  [
    'not entitled on custom_ns (1002)',
    'GET',
    '/accounts/a1/custom_ns',
    403,
    [{ code: 1002, message: 'This feature is not enabled for your account.' }],
    NotEntitledError,
    'error: the account is not entitled to account custom nameservers (GET /accounts/a1/custom_ns: HTTP 403, 1002: ' +
      `This feature is not enabled for your account., ray ${RAY})\n` +
      'hint: account custom nameservers need a Business plan (after contacting Cloudflare Support) or Enterprise\n',
  ],
  [
    'not entitled on a zone dns_settings (1002)',
    'PATCH',
    '/zones/z1/dns_settings',
    400,
    [{ code: 1002, message: 'not enabled' }],
    NotEntitledError,
    `error: the account is not entitled to account custom nameservers (PATCH /zones/z1/dns_settings: HTTP ` +
      `400, 1002: not enabled, ray ${RAY})\n` +
      'hint: account custom nameservers need a Business plan (after contacting Cloudflare Support) or Enterprise\n',
  ],
  [
    'an unknown zone id (404, 7003)',
    'GET',
    '/zones/bad/dns_settings',
    404,
    [{ code: 7003, message: 'Could not route to /zones/bad/dns_settings, perhaps your object identifier is invalid?' }],
    ZoneNotFoundError,
    'error: Cloudflare does not know the zone in GET /zones/bad/dns_settings (HTTP 404, 7003: Could not route to ' +
      `/zones/bad/dns_settings, perhaps your object identifier is invalid?, ray ${RAY})\n` +
      'hint: the zone may have been deleted or moved to another account since it was read; run plan again\n',
  ],
  [
    'an unknown zone id (9109)',
    'PATCH',
    '/zones/bad/dns_settings',
    403,
    [{ code: 9109, message: 'Invalid zone identifier' }],
    ZoneNotFoundError,
    `error: Cloudflare does not know the zone in PATCH /zones/bad/dns_settings (HTTP 403, 9109: Invalid zone ` +
      `identifier, ray ${RAY})\n` +
      'hint: the zone may have been deleted or moved to another account since it was read; run plan again\n',
  ],
  [
    'a set that does not exist (1001 on a zone call)',
    'PUT',
    '/zones/z1/custom_ns',
    400,
    [{ code: 1001, message: "Custom Nameserver set doesn't exist" }],
    SetMissingError,
    `error: Cloudflare says the nameserver set does not exist (PUT /zones/z1/custom_ns: HTTP 400, 1001: ` +
      `Custom Nameserver set doesn't exist, ray ${RAY})\n` +
      'hint: a set is offered to zones only once it has at least 2 names: create the names first, then assign zones\n',
  ],
  [
    'rate limited (429, 971)',
    'GET',
    '/zones',
    429,
    [{ code: 971, message: 'Please wait and consider throttling your request speed' }],
    RateLimitedError,
    `error: Cloudflare kept rate-limiting requests (GET /zones: HTTP 429, 971: Please wait and consider ` +
      `throttling your request speed, ray ${RAY}; gave up after 0 retries)\n` +
      'hint: something else is using the API with the same user (dashboard, scripts); wait five minutes, or lower ' +
      'cloudflare.requests_per_window\n',
  ],
] as const)('%s', async (_what, method, path, status, errors, cls, text) => {
  const e = await failWith(method, path, status, errors as unknown as Msg[]);
  expect(e).toBeInstanceOf(cls);
  expect(e.constructor).toBe(cls);
  expect(e).toMatchObject({ status, method, path, rayId: RAY });
  expect(printed(e)).toEqual({ exit: 1, text });
});

test.each([
  ['1002 elsewhere is not "not entitled"', 'GET', '/zones', 400, 1002, 'some other service'],
  [
    '1001 and 7003 are not "zone not found" on the account',
    'GET',
    '/accounts/a1/custom_ns/x',
    404,
    7003,
    'No route for the URI',
  ],
  ['9109 outside the zone calls', 'GET', '/accounts/a1/custom_ns', 400, 9109, 'Invalid zone identifier'],
  [
    'a 404 on a delete (Cloudflare code unknown)',
    'DELETE',
    '/accounts/a1/custom_ns/ns9.example.com',
    404,
    1007,
    'Nameserver not found.',
  ],
  ['an unknown code', 'POST', '/accounts/a1/custom_ns', 400, 1234, 'ns_name must be a valid hostname'],
] as const)(
  'anything else is Cloudflare’s code, message and ray id, no guess: %s',
  async (_w, method, path, status, code, message) => {
    const e = await failWith(method, path, status, [{ code, message }]);
    expect(e.constructor).toBe(CloudflareError);
    expect(e.code).toBe('cloudflare_error');
    expect(isAccountWide(e)).toBe(false);
    expect(printed(e)).toEqual({
      exit: 1,
      text: `error: Cloudflare refused ${method} ${path} (HTTP ${status}, ${code}: ${message}, ray ${RAY})\n`,
    });
  },
);

test('credentials, entitlement and rate limits stop the run; zone and set errors do not', async () => {
  expect(isAccountWide(await failWith('GET', '/zones', 401, [{ code: 10000, message: 'x' }]))).toBe(true);
  expect(isAccountWide(await failWith('GET', '/accounts/a1/custom_ns', 403, [{ code: 1002, message: 'x' }]))).toBe(
    true,
  );
  expect(isAccountWide(await failWith('GET', '/zones', 429, [{ code: 971, message: 'x' }]))).toBe(true);
  expect(isAccountWide(await failWith('GET', '/zones/z/dns_settings', 400, [{ code: 9109, message: 'x' }]))).toBe(
    false,
  );
  expect(isAccountWide(await failWith('PATCH', '/zones/z/dns_settings', 400, [{ code: 1001, message: 'x' }]))).toBe(
    false,
  );
});

test('a secret the server echoes back in its message is never printed', async () => {
  const token = 'tok-LEAKED-0123456789';
  const e = await failWith('GET', '/zones', 400, [{ code: 1234, message: `token ${token} is not valid here` }]);
  const { text } = printed(e, { CLOUDFLARE_API_TOKEN: token });
  expect(text).toBe(
    `error: Cloudflare refused GET /zones (HTTP 400, 1234: token [redacted] is not valid here, ray ${RAY})\n`,
  );
  expect(printed(new Error(`boom ${token}`), { CLOUDFLARE_API_TOKEN: token }).text).not.toContain(token);
});

describe('the unreachable-API hint', () => {
  const hint = (baseUrl: string) =>
    new NetworkError({ baseUrl, method: 'GET', path: '/zones', reason: 'connection refused', attempts: 1 }).hint ?? '';
  test('with the default base URL it does not tell the user to unset a variable they never set', () => {
    expect(hint('https://api.cloudflare.com/client/v4')).not.toContain('CLOUDFLARE_BASE_URL');
  });
  test('with CLOUDFLARE_BASE_URL set elsewhere it names it and the default', () => {
    expect(hint('http://127.0.0.1:9/client/v4')).toContain('CLOUDFLARE_BASE_URL (http://127.0.0.1:9/client/v4)');
  });
});
