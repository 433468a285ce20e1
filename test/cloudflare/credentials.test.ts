import { baseUrlFromEnv, credentialsFromEnv, CredentialsError, isLoopback } from '../../src/cloudflare/credentials.js';

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
  test.each(['http://127.0.0.1:1/x', 'http://127.8.9.10/', 'http://[::1]:8787/client/v4', 'http://localhost:8787'])(
    'plain http to loopback %s is allowed',
    (u) => {
      expect(() => baseUrlFromEnv({ CLOUDFLARE_BASE_URL: u })).not.toThrow();
    },
  );
  test.each([
    'http://api.example.com/client/v4',
    'http://10.0.0.1/',
    'http://128.0.0.1/',
    'http://localhost.evil.com/',
  ])('plain http elsewhere is refused: %s', (u) => {
    expect(() => baseUrlFromEnv({ CLOUDFLARE_BASE_URL: u })).toThrow(
      /refusing to send Cloudflare credentials over plain http/,
    );
  });
  test('garbage and odd schemes are clear errors', () => {
    expect(() => baseUrlFromEnv({ CLOUDFLARE_BASE_URL: 'not a url' })).toThrow(/not a URL/);
    expect(() => baseUrlFromEnv({ CLOUDFLARE_BASE_URL: 'ftp://x/' })).toThrow(/must be http/);
  });
  test('isLoopback', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('[::1]')).toBe(true);
    expect(isLoopback('::2')).toBe(false);
  });
});
