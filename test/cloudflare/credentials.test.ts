import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudflareClient } from '../../src/cloudflare/client.js';
import {
  baseUrlFromEnv,
  createSecretScrubber,
  credentialsFromEnv,
  CredentialsError,
  isLoopbackAddress,
  type Lookup,
  PlainHttpRefusedError,
  secretsFromEnv,
} from '../../src/cloudflare/credentials.js';

describe('credentials from the environment', () => {
  test('token wins, then email + key', () => {
    expect(credentialsFromEnv({ CLOUDFLARE_API_TOKEN: ' t ', CLOUDFLARE_EMAIL: 'e', CLOUDFLARE_API_KEY: 'k' })).toEqual(
      { kind: 'token', token: 't' },
    );
    expect(credentialsFromEnv({ CLOUDFLARE_EMAIL: 'e@x', CLOUDFLARE_API_KEY: 'k' })).toEqual({
      kind: 'key',
      email: 'e@x',
      key: 'k',
    });
  });
  test('missing credentials name the variables', () => {
    expect(() => credentialsFromEnv({})).toThrow(CredentialsError);
    expect(() => credentialsFromEnv({})).toThrow(/CLOUDFLARE_API_TOKEN/);
    try {
      credentialsFromEnv({ CLOUDFLARE_API_KEY: 'secret-key-value' });
    } catch (e) {
      const x = e as CredentialsError;
      expect(x.message).toMatch(/CLOUDFLARE_API_KEY is set but CLOUDFLARE_EMAIL is not/);
      expect(`${x.message}${x.hint}`).not.toContain('secret-key-value');
    }
  });
});

describe('base URL', () => {
  test('defaults to the Cloudflare API and splits origin and prefix', () => {
    expect(baseUrlFromEnv({})).toEqual({
      href: 'https://api.cloudflare.com/client/v4',
      origin: 'https://api.cloudflare.com',
      prefix: '/client/v4',
    });
    expect(baseUrlFromEnv({ CLOUDFLARE_BASE_URL: 'http://127.0.0.1:8787/client/v4/' }).href).toBe(
      'http://127.0.0.1:8787/client/v4',
    );
  });
  test.each(['http://127.0.0.1:1/x', 'http://127.8.9.10/', 'http://[::1]:8787/client/v4'])(
    'plain http to a literal loopback address %s is allowed as is',
    (u) => {
      expect(baseUrlFromEnv({ CLOUDFLARE_BASE_URL: u }).loopbackName).toBeUndefined();
    },
  );
  test.each(['http://10.0.0.1/', 'http://128.0.0.1/', 'http://[::2]/', 'http://[::ffff:10.0.0.1]/'])(
    'plain http to another address is refused at once: %s',
    (u) => {
      expect(() => baseUrlFromEnv({ CLOUDFLARE_BASE_URL: u })).toThrow(PlainHttpRefusedError);
      expect(() => baseUrlFromEnv({ CLOUDFLARE_BASE_URL: u })).toThrow(
        /refusing to send Cloudflare credentials over plain http/,
      );
    },
  );
  test.each(['http://localhost:8787', 'http://acns.localhost/', 'http://api.example.com/client/v4'])(
    'plain http to a name (%s) is checked when connecting: it must resolve only to loopback',
    (u) => {
      expect(baseUrlFromEnv({ CLOUDFLARE_BASE_URL: u }).loopbackName).toBeDefined();
      expect(baseUrlFromEnv({ CLOUDFLARE_BASE_URL: u.replace('http:', 'https:') }).loopbackName).toBeUndefined();
    },
  );
  test('garbage and odd schemes are clear errors', () => {
    expect(() => baseUrlFromEnv({ CLOUDFLARE_BASE_URL: 'not a url' })).toThrow(/not a URL/);
    expect(() => baseUrlFromEnv({ CLOUDFLARE_BASE_URL: 'ftp://x/' })).toThrow(/must be http/);
  });
  test('isLoopbackAddress', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('[::1]')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.2')).toBe(true);
    expect(isLoopbackAddress('::2')).toBe(false);
    // URLs write an IPv4-mapped address in hex
    expect(new URL('http://[::ffff:127.0.0.1]:8787').hostname).toBe('[::ffff:7f00:1]');
    expect(isLoopbackAddress('[::ffff:7f00:1]')).toBe(true);
    expect(isLoopbackAddress('::ffff:8000:1')).toBe(false);
    expect(isLoopbackAddress('0:0:0:0:0:0:0:1')).toBe(true);
    expect(isLoopbackAddress('localhost')).toBe(false); // a name is not an address
  });
});

describe('plain http to a name: checked at connect time', () => {
  let server: ReturnType<typeof createServer>;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ success: true, errors: [], messages: [], result: [] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const resolvingTo =
    (...addresses: string[]): Lookup =>
    (_host, _opts, cb) =>
      cb(
        null,
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );

  test('a name that resolves only to loopback is used', async () => {
    const c = new CloudflareClient({
      baseUrl: `http://cf-emulator.test:${port}/client/v4`,
      credentials: { kind: 'token', token: 'tok-123456' },
      lookup: resolvingTo('127.0.0.1'),
    });
    await c.request('GET', '/zones');
    await c.close();
    expect(hits).toBe(1);
  });

  test.each([[['10.1.2.3']], [['127.0.0.1', '192.0.2.7']]])(
    'a name that resolves to %j is refused before anything is sent (no retry)',
    async (addresses) => {
      const before = hits;
      const c = new CloudflareClient({
        baseUrl: `http://api.example.com:${port}/client/v4`,
        credentials: { kind: 'token', token: 'tok-123456' },
        lookup: resolvingTo(...addresses),
        backoff: () => 0,
      });
      const e = await c.request('GET', '/zones').catch((x: unknown) => x);
      await c.close();
      expect(e).toBeInstanceOf(PlainHttpRefusedError);
      expect((e as Error).message).toMatch(
        new RegExp(
          /refusing to send Cloudflare credentials over plain http:\/\/ to api\.example\.com /.source +
            /\(it resolves to .*not only to loopback\)/.source,
        ),
      );
      expect(c.stats().requests).toBe(1);
      expect(hits).toBe(before);
    },
  );
});

describe('credentials must fit in an HTTP header', () => {
  test.each([
    ['CLOUDFLARE_API_TOKEN', { CLOUDFLARE_API_TOKEN: '\u201cabcdef0123456789\u201d' }, 'U+201C at position 1 of 18'],
    ['CLOUDFLARE_API_TOKEN', { CLOUDFLARE_API_TOKEN: 'abc def' }, 'U+0020 at position 4 of 7'],
    ['CLOUDFLARE_API_KEY', { CLOUDFLARE_EMAIL: 'me@example.com', CLOUDFLARE_API_KEY: 'k\u00e9y-123' }, 'U+00E9'],
    ['CLOUDFLARE_EMAIL', { CLOUDFLARE_EMAIL: 'm\u00e9@example.com', CLOUDFLARE_API_KEY: 'key-123' }, 'U+00E9'],
  ])('%s with a character a header cannot carry is refused at start-up, naming the variable', (name, env, where) => {
    const e = (() => {
      try {
        credentialsFromEnv(env);
      } catch (x) {
        return x as CredentialsError;
      }
    })();
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e?.message).toContain(`${name} contains a character an HTTP header cannot carry (${where}`);
    expect(e?.hint).toMatch(new RegExp(`copy the value of ${name} again as plain text`));
    for (const v of Object.values(env)) if (v.length > 8) expect(`${e?.message}${e?.hint}`).not.toContain(v);
  });
});

describe('scrubbing secrets from messages', () => {
  const TOKEN = 'Zx9-secret-TOKEN_value';
  test('every configured secret, as sent or echoed back encoded, becomes [redacted]', () => {
    const scrub = createSecretScrubber(
      secretsFromEnv({ CLOUDFLARE_API_TOKEN: ` ${TOKEN} `, CLOUDFLARE_API_KEY: 'key+with/slash' }),
    );
    expect(scrub(`Cloudflare said: invalid token ${TOKEN} (Bearer ${TOKEN})`)).toBe(
      'Cloudflare said: invalid token [redacted] (Bearer [redacted])',
    );
    expect(scrub(`echo key%2Bwith%2Fslash and key+with/slash`)).toBe('echo [redacted] and [redacted]');
    expect(scrub('nothing secret here')).toBe('nothing secret here');
  });

  test('without secrets, or with very short ones, text is left alone', () => {
    expect(createSecretScrubber([])('a b c')).toBe('a b c');
    expect(createSecretScrubber(['a'])('a b c')).toBe('a b c');
  });
});

describe('the missing-token hint names the permissions the command needs', () => {
  const hint = (access?: 'read' | 'write') => {
    try {
      credentialsFromEnv({}, access);
    } catch (e) {
      return (e as CredentialsError).hint ?? '';
    }
    throw new Error('expected a CredentialsError');
  };
  test('a read-only command asks for read permissions only', () => {
    expect(hint('read')).toContain('Zone DNS Settings Read');
    expect(hint('read')).not.toContain('Write');
  });
  test('apply asks for the write permissions', () => {
    expect(hint('write')).toContain('Zone DNS Settings Write');
  });
});
