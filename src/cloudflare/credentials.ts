/**
 * Credentials and base URL from the environment. The secret lives only inside the object returned
 * here and the auth headers built from it; nothing else in acns ever sees it.
 */
import { AcnsError } from '../errors.js';

export const DEFAULT_BASE_URL = 'https://api.cloudflare.com/client/v4';

export type Credentials = { kind: 'token'; token: string } | { kind: 'key'; email: string; key: string };

/** A base URL split for undici: one origin (a Pool each) and the path prefix (e.g. `/client/v4`). */
export interface BaseUrl {
  href: string; // without trailing slash
  origin: string;
  prefix: string;
}

export class CredentialsError extends AcnsError {
  constructor(message: string, hint: string) {
    super('cloudflare_credentials', message, { exitCode: 1, hint });
    this.name = 'CredentialsError';
  }
}

/** Reads CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY. */
export function credentialsFromEnv(env: Record<string, string | undefined>): Credentials {
  const token = env.CLOUDFLARE_API_TOKEN?.trim();
  if (token) return { kind: 'token', token };
  const email = env.CLOUDFLARE_EMAIL?.trim();
  const key = env.CLOUDFLARE_API_KEY?.trim();
  if (email && key) return { kind: 'key', email, key };
  if (email || key) {
    throw new CredentialsError(
      `${email ? 'CLOUDFLARE_EMAIL' : 'CLOUDFLARE_API_KEY'} is set but ${email ? 'CLOUDFLARE_API_KEY' : 'CLOUDFLARE_EMAIL'} is not`,
      'set both CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY, or (preferred) set CLOUDFLARE_API_TOKEN instead',
    );
  }
  throw new CredentialsError(
    'no Cloudflare credentials: CLOUDFLARE_API_TOKEN is not set',
    'export CLOUDFLARE_API_TOKEN=<an API token with Account Settings Write, Zone Read, Zone DNS Settings Write and (to manage account_default) Account DNS Settings Write>, ' +
      'or set CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY',
  );
}

/** The request headers that carry the credentials. */
export function authHeaders(c: Credentials): Record<string, string> {
  return c.kind === 'token' ? { authorization: `Bearer ${c.token}` } : { 'x-auth-email': c.email, 'x-auth-key': c.key };
}

/** The secret strings of a credential set, for redaction checks. */
export function secretsOf(c: Credentials): string[] {
  return c.kind === 'token' ? [c.token] : [c.key];
}

/**
 * Parses CLOUDFLARE_BASE_URL (default https://api.cloudflare.com/client/v4) and refuses to send
 * credentials over plain http:// unless the host is loopback (127.0.0.0/8, ::1, localhost).
 */
export function baseUrlFromEnv(env: Record<string, string | undefined>): BaseUrl {
  return parseBaseUrl(env.CLOUDFLARE_BASE_URL?.trim() || DEFAULT_BASE_URL);
}

export function parseBaseUrl(raw: string): BaseUrl {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new CredentialsError(`CLOUDFLARE_BASE_URL is not a URL: "${raw}"`, `use a URL like ${DEFAULT_BASE_URL}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new CredentialsError(
      `CLOUDFLARE_BASE_URL must be http(s), got "${u.protocol}"`,
      `use a URL like ${DEFAULT_BASE_URL}`,
    );
  }
  if (u.protocol === 'http:' && !isLoopback(u.hostname)) {
    throw new CredentialsError(
      `refusing to send Cloudflare credentials over plain http:// to ${u.host}`,
      'use https://, or http:// only to a loopback address (127.0.0.1, ::1, localhost) such as `acns emulator`',
    );
  }
  if (u.username || u.password || u.search || u.hash) {
    throw new CredentialsError(
      'CLOUDFLARE_BASE_URL must not contain credentials, a query or a fragment',
      `use a URL like ${DEFAULT_BASE_URL}`,
    );
  }
  const prefix = u.pathname.replace(/\/+$/, '');
  return { href: `${u.origin}${prefix}`, origin: u.origin, prefix };
}

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
