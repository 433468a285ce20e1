/**
 * Credentials and base URL from the environment. The secret lives only inside the object returned
 * here and the auth headers built from it; nothing else in acns ever sees it.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { AcnsError } from '../errors.js';

export const DEFAULT_BASE_URL = 'https://api.cloudflare.com/client/v4';

export type Credentials = { kind: 'token'; token: string } | { kind: 'key'; email: string; key: string };

/** A base URL split for undici: one origin (a Pool each) and the path prefix (e.g. `/client/v4`). */
export interface BaseUrl {
  href: string; // without trailing slash
  origin: string;
  prefix: string;
  /** Plain http to a host name: every connection must check it resolves only to loopback. */
  loopbackName?: string;
}

export class CredentialsError extends AcnsError {
  constructor(message: string, hint: string) {
    super('cloudflare_credentials', message, { exitCode: 1, hint });
    this.name = 'CredentialsError';
  }
}

/** Reads CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY; each must fit in a header. */
export function credentialsFromEnv(
  env: Record<string, string | undefined>,
  access: 'read' | 'write' = 'write',
): Credentials {
  const token = env.CLOUDFLARE_API_TOKEN?.trim();
  if (token) return { kind: 'token', token: headerSafe('CLOUDFLARE_API_TOKEN', token) };
  const email = env.CLOUDFLARE_EMAIL?.trim();
  const key = env.CLOUDFLARE_API_KEY?.trim();
  if (email && key)
    return { kind: 'key', email: headerSafe('CLOUDFLARE_EMAIL', email), key: headerSafe('CLOUDFLARE_API_KEY', key) };
  if (email || key) {
    const [set, unset] = email
      ? ['CLOUDFLARE_EMAIL', 'CLOUDFLARE_API_KEY']
      : ['CLOUDFLARE_API_KEY', 'CLOUDFLARE_EMAIL'];
    throw new CredentialsError(
      `${set} is set but ${unset} is not`,
      'set both CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY, or (preferred) set CLOUDFLARE_API_TOKEN instead',
    );
  }
  // A command that only reads is best run with a read-only token: say which permissions that needs.
  const permissions =
    access === 'read'
      ? 'Account Settings Read, Zone Read, Zone DNS Settings Read and (to read account_default) ' +
        'Account DNS Settings Read'
      : 'Account Settings Write, Zone Read, Zone DNS Settings Write and (to manage account_default) ' +
        'Account DNS Settings Write';
  throw new CredentialsError(
    'no Cloudflare credentials: CLOUDFLARE_API_TOKEN is not set',
    `export CLOUDFLARE_API_TOKEN=<an API token with ${permissions}>, or set CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY`,
  );
}

/**
 * A credential goes into an HTTP header, which carries only visible ASCII. A value pasted with
 * smart quotes or a line break is refused here, naming the variable (never showing the value),
 * instead of failing inside the HTTP stack on every request.
 */
function headerSafe(variable: string, value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) {
      const cp = value.codePointAt(i) ?? c;
      const what = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
      throw new CredentialsError(
        `${variable} contains a character an HTTP header cannot carry (${what} at position ${i + 1} ` +
          `of ${value.length})`,
        `copy the value of ${variable} again as plain text: no quotes, spaces or line breaks`,
      );
    }
  }
  return value;
}

/** The request headers that carry the credentials. */
export function authHeaders(c: Credentials): Record<string, string> {
  return c.kind === 'token' ? { authorization: `Bearer ${c.token}` } : { 'x-auth-email': c.email, 'x-auth-key': c.key };
}

/**
 * Parses CLOUDFLARE_BASE_URL (default https://api.cloudflare.com/client/v4). Credentials go over
 * plain http:// only to loopback: a literal loopback address is accepted here; a host name is
 * accepted only if it resolves to loopback alone, which the connection checks each time it
 * connects (see loopbackOnlyLookup), so a name that points elsewhere never receives the token.
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
  if (u.username || u.password || u.search || u.hash) {
    throw new CredentialsError(
      'CLOUDFLARE_BASE_URL must not contain credentials, a query or a fragment',
      `use a URL like ${DEFAULT_BASE_URL}`,
    );
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host) !== 0;
  if (u.protocol === 'http:' && literal && !isLoopbackAddress(host)) throw new PlainHttpRefusedError(u.host);
  const prefix = u.pathname.replace(/\/+$/, '');
  const out: BaseUrl = { href: `${u.origin}${prefix}`, origin: u.origin, prefix };
  if (u.protocol === 'http:' && !literal) out.loopbackName = host;
  return out;
}

/** Plain http to something that is not loopback: the credentials would travel in clear text. */
export class PlainHttpRefusedError extends CredentialsError {
  constructor(host: string, resolved?: string[]) {
    super(
      `refusing to send Cloudflare credentials over plain http:// to ${host}` +
        (resolved?.length ? ` (it resolves to ${resolved.join(', ')}, not only to loopback)` : ''),
      'use https://, or http:// only to a loopback address (127.0.0.1, ::1, or a name that resolves only ' +
        'to them) such as `acns emulator`',
    );
    this.name = 'PlainHttpRefusedError';
  }
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True for 127.0.0.0/8, ::1 and IPv4-mapped 127.x addresses. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '');
  const family = isIP(a);
  // BlockList also matches IPv4-mapped IPv6 in any spelling (::ffff:127.0.0.1 as URLs write it: ::ffff:7f00:1)
  return family !== 0 && LOOPBACK.check(a, family === 6 ? 'ipv6' : 'ipv4');
}

/** The subset of dns.lookup's callback shape that net.connect uses. */
type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;
export type Lookup = (
  hostname: string,
  options: LookupAllOptions,
  cb: (err: Error | null, a: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for net.connect that resolves the host and refuses, before any byte is sent, when any
 * address is not loopback (so a plain-http name cannot be pointed elsewhere between checks).
 */
export function loopbackOnlyLookup(lookup: Lookup = dnsLookup as unknown as Lookup) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    lookup(hostname, { all: true, ...(family ? { family } : {}) }, (err, list) => {
      if (err) return callback(err, '');
      const addresses = list ?? [];
      const elsewhere = addresses.filter((a) => !isLoopbackAddress(a.address)).map((a) => a.address);
      if (addresses.length === 0 || elsewhere.length > 0) {
        return callback(new PlainHttpRefusedError(hostname, elsewhere), '');
      }
      if (options.all) return callback(null, addresses);
      const a = addresses[0] as LookupAddress;
      callback(null, a.address, a.family);
    });
  };
}

// --- secrets in output -------------------------------------------------------------------------

/** The environment variables that hold secrets. */
export const SECRET_VARIABLES = ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_API_KEY'] as const;

/** Secrets shorter than this are not scrubbed: replacing them would garble every message. */
const MIN_SCRUBBED_LENGTH = 6;

/** The configured secret values (trimmed, as they are sent), for scrubbing. */
export function secretsFromEnv(env: Record<string, string | undefined>): string[] {
  return SECRET_VARIABLES.flatMap((v) => {
    const value = env[v]?.trim();
    return value ? [value] : [];
  });
}

/**
 * A function that replaces every configured secret in a text — as sent, and in the encodings a
 * server may echo it back in (URL-encoded, JSON-escaped) — with "[redacted]".
 */
export function createSecretScrubber(secrets: string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s.length < MIN_SCRUBBED_LENGTH) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(JSON.stringify(s).slice(1, -1));
  }
  // Longest first, so a secret containing another is replaced whole.
  const list = [...forms].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const f of list) out = out.split(f).join('[redacted]');
    return out;
  };
}
