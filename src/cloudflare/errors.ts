/**
 * Typed failures of the Cloudflare client. Cloudflare reuses error codes across its services, so
 * an answer is classified by HTTP status + Cloudflare code + the endpoint that gave it, never by
 * the code alone, and never by the message (except the documented "already exist" text). An
 * answer that matches no known case is reported with Cloudflare's own code, message and ray id.
 * Messages carry the method, the API path, the status and the codes — never request headers, so
 * the token cannot leak through an error.
 */
import { AcnsError } from '../errors.js';

/** One item of the envelope's `errors`/`messages` (6003 nests its cause in `error_chain`). */
export interface CloudflareMessage {
  code: number;
  message: string;
  error_chain?: CloudflareMessage[];
}

export interface CloudflareErrorInit {
  status: number;
  errors: CloudflareMessage[];
  method: string;
  path: string;
  /** Cloudflare's `cf-ray` id of the answer: what Cloudflare support asks for. */
  rayId?: string;
  /** The request was retried this many times before giving up (429 storms, 5xx bursts). */
  retries?: number;
}

/** What an endpoint is, for classification: codes mean different things on different services. */
export type EndpointKind =
  | 'custom_ns'
  | 'account_dns_settings'
  | 'account'
  | 'zones'
  | 'zone'
  | 'zone_dns_settings'
  | 'zone_custom_ns'
  | 'token_verify'
  | 'other';

export function endpointKind(path: string): EndpointKind {
  const p = (path.split('?')[0] ?? path).replace(/\/+$/, '');
  if (/^\/(user|accounts\/[^/]+)\/tokens\/verify$/.test(p)) return 'token_verify';
  if (/^\/accounts\/[^/]+\/custom_ns(\/|$)/.test(p)) return 'custom_ns';
  if (/^\/accounts\/[^/]+\/dns_settings$/.test(p)) return 'account_dns_settings';
  if (/^\/accounts\/[^/]+$/.test(p)) return 'account';
  if (p === '/zones') return 'zones';
  if (/^\/zones\/[^/]+\/dns_settings$/.test(p)) return 'zone_dns_settings';
  if (/^\/zones\/[^/]+\/custom_ns$/.test(p)) return 'zone_custom_ns';
  if (/^\/zones\/[^/]+$/.test(p)) return 'zone';
  return 'other';
}

interface Described {
  code: string;
  message: string;
  hint?: string;
  accountWide: boolean;
}

/**
 * Cloudflare answered with `success: false` or an error status, in a way no subclass describes:
 * the message is Cloudflare's own code and text, with the ray id.
 */
export class CloudflareError extends AcnsError {
  readonly status: number;
  readonly errors: CloudflareMessage[];
  readonly method: string;
  readonly path: string;
  readonly rayId?: string;
  /** True when no other request of the run can succeed either: stop starting new steps. */
  readonly accountWide: boolean;
  constructor(init: CloudflareErrorInit, d?: Described) {
    const desc = d ?? {
      code: init.status >= 500 ? 'cloudflare_server_error' : 'cloudflare_error',
      message:
        init.status >= 500
          ? `Cloudflare failed to answer ${where(init)} (${said(init)}${retried(init)})`
          : `Cloudflare refused ${where(init)} (${said(init)})`,
      ...(init.status >= 500
        ? { hint: 'Cloudflare may be having an incident (https://www.cloudflarestatus.com); try again later' }
        : {}),
      accountWide: false,
    };
    super(desc.code, desc.message, { exitCode: 1, hint: desc.hint });
    this.name = 'CloudflareError';
    this.status = init.status;
    this.errors = init.errors;
    this.method = init.method;
    this.path = init.path;
    if (init.rayId) this.rayId = init.rayId;
    this.accountWide = desc.accountWide;
  }

  /** True when any of Cloudflare's error codes (or a code in their chains) is `code`. */
  has(code: number): boolean {
    return allCodes(this.errors).includes(code);
  }

  /** True when Cloudflare reported a duplicate (the documented "already exist" text). */
  get isDuplicate(): boolean {
    return this.errors.some((e) => /already exist/i.test(e.message));
  }
}

/** The credentials were refused or could not be read: every other request would fail the same way. */
export class CredentialsRejectedError extends CloudflareError {
  constructor(init: CloudflareErrorInit) {
    super(init, describeCredentials(init));
    this.name = 'CredentialsRejectedError';
  }
}

/** The account may not use account custom nameservers (1002 on custom_ns or dns_settings). */
export class NotEntitledError extends CloudflareError {
  constructor(init: CloudflareErrorInit) {
    super(init, {
      code: 'cloudflare_not_entitled',
      message: `the account is not entitled to account custom nameservers (${where(init)}: ${said(init)})`,
      hint: 'account custom nameservers need a Business plan (after contacting Cloudflare Support) or Enterprise',
      accountWide: true,
    });
    this.name = 'NotEntitledError';
  }
}

/** The zone id is unknown to Cloudflare (404/7003, or 9109 "Invalid zone identifier"). */
export class ZoneNotFoundError extends CloudflareError {
  constructor(init: CloudflareErrorInit) {
    super(init, {
      code: 'cloudflare_zone_not_found',
      message: `Cloudflare does not know the zone in ${where(init)} (${said(init)})`,
      hint: 'the zone may have been deleted or moved to another account since it was read; run plan again',
      accountWide: false,
    });
    this.name = 'ZoneNotFoundError';
  }
}

/** A zone was pointed at a set Cloudflare does not offer (1001 on a zone's nameserver call). */
export class SetMissingError extends CloudflareError {
  constructor(init: CloudflareErrorInit) {
    super(init, {
      code: 'cloudflare_set_missing',
      message: `Cloudflare says the nameserver set does not exist (${where(init)}: ${said(init)})`,
      hint: 'a set is offered to zones only once it has at least 2 names: create the names first, then assign zones',
      accountWide: false,
    });
    this.name = 'SetMissingError';
  }
}

/** Cloudflare kept answering 429 (971) after every allowed pause. */
export class RateLimitedError extends CloudflareError {
  constructor(init: CloudflareErrorInit) {
    const n = init.retries ?? 0;
    super(init, {
      code: 'cloudflare_rate_limited',
      message:
        `Cloudflare kept rate-limiting requests (${where(init)}: ${said(init)}; ` +
        `gave up after ${n} retr${n === 1 ? 'y' : 'ies'})`,
      hint:
        'something else is using the API with the same user (dashboard, scripts); wait five minutes, ' +
        'or lower cloudflare.requests_per_window',
      accountWide: true,
    });
    this.name = 'RateLimitedError';
  }
}

/** Picks the error class for an answer: status + Cloudflare code + endpoint. */
export function classifyError(init: CloudflareErrorInit): CloudflareError {
  const kind = endpointKind(init.path);
  const codes = init.errors.map((e) => e.code);
  const has = (c: number) => codes.includes(c);
  const zoneCall = kind === 'zone_dns_settings' || kind === 'zone_custom_ns' || kind === 'zone';
  if ((init.status === 400 && has(6003)) || has(10000) || init.status === 401) {
    return new CredentialsRejectedError(init);
  }
  // 1001 is "Missing Authorization header" everywhere except a zone's nameserver calls.
  if (has(1001)) {
    if (kind === 'zone_dns_settings' || kind === 'zone_custom_ns') return new SetMissingError(init);
    return new CredentialsRejectedError(init);
  }
  const acnsCall =
    kind === 'custom_ns' ||
    kind === 'zone_custom_ns' ||
    kind === 'zone_dns_settings' ||
    kind === 'account_dns_settings';
  if (has(1002) && acnsCall) return new NotEntitledError(init);
  if (zoneCall && (has(9109) || (init.status === 404 && has(7003)))) return new ZoneNotFoundError(init);
  if (init.status === 429 || has(971)) return new RateLimitedError(init);
  return new CloudflareError(init);
}

/** The API could not be reached at all (DNS, refused, TLS, reset on every attempt). */
export class NetworkError extends AcnsError {
  readonly method: string;
  readonly path: string;
  readonly accountWide = true;
  constructor(opts: { baseUrl: string; method: string; path: string; reason: string; attempts: number }) {
    super(
      'cloudflare_unreachable',
      `could not reach the Cloudflare API at ${opts.baseUrl} (${opts.method} ${opts.path}: ${opts.reason}, ` +
        `${opts.attempts} attempt${opts.attempts === 1 ? '' : 's'})`,
      {
        // only mention CLOUDFLARE_BASE_URL when it points somewhere else than Cloudflare
        hint: opts.baseUrl.startsWith('https://api.cloudflare.com/')
          ? 'check network connectivity (and HTTPS_PROXY if this network needs a proxy)'
          : `check network connectivity and CLOUDFLARE_BASE_URL (${opts.baseUrl}); unset it to use ` +
            'https://api.cloudflare.com/client/v4',
      },
    );
    this.name = 'NetworkError';
    this.method = opts.method;
    this.path = opts.path;
  }
}

/**
 * A non-idempotent request (POST) was sent but its answer was lost (timeout, 5xx, dropped
 * connection): it may or may not have taken effect. The caller must read back before retrying.
 */
export class OutcomeUnknownError extends AcnsError {
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly accountWide = false;
  constructor(opts: { method: string; path: string; reason: string; status?: number }) {
    super(
      'cloudflare_outcome_unknown',
      `${opts.method} ${opts.path} was sent but its outcome is unknown (${opts.reason}); it was not re-sent`,
      { hint: 'read the object back to see whether the change took effect, then run again' },
    );
    this.name = 'OutcomeUnknownError';
    this.method = opts.method;
    this.path = opts.path;
    this.status = opts.status;
  }
}

/** The response did not have the shape the endpoint promises (missing required field, not JSON). */
export class ResponseShapeError extends AcnsError {
  readonly accountWide = false;
  constructor(endpoint: string, problem: string) {
    super('cloudflare_bad_response', `unexpected response from ${endpoint}: ${problem}`, {
      hint:
        'the Cloudflare API may have changed, or CLOUDFLARE_BASE_URL points at something ' +
        'that is not the Cloudflare API',
    });
    this.name = 'ResponseShapeError';
  }
}

/** True for failures after which starting more requests in this run is pointless. */
export function isAccountWide(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { accountWide?: unknown }).accountWide === true;
}

/** The token permission a path needs, as Cloudflare's dashboard names it. */
export function permissionFor(method: string, path: string): string {
  const write = method !== 'GET';
  switch (endpointKind(path)) {
    case 'custom_ns':
    case 'account':
      return write ? 'Account Settings Write' : 'Account Settings Read';
    case 'account_dns_settings':
      return write ? 'Account DNS Settings Write' : 'Account DNS Settings Read';
    case 'zone_dns_settings':
      return write ? 'Zone DNS Settings Write' : 'Zone DNS Settings Read';
    default:
      return write ? 'Zone Write' : 'Zone Read';
  }
}

function describeCredentials(init: CloudflareErrorInit): Described {
  const codes = allCodes(init.errors);
  if (init.status === 400 && codes.includes(6003)) {
    // The header itself could not be read: the secret is malformed or in the wrong variable.
    const keyHeader = codes.includes(6103);
    return {
      code: 'cloudflare_auth',
      message: `Cloudflare could not read the credentials sent with ${where(init)} (${said(init)})`,
      hint: keyHeader
        ? 'CLOUDFLARE_API_KEY must be the Global API Key of CLOUDFLARE_EMAIL; or (preferred) use CLOUDFLARE_API_TOKEN'
        : 'CLOUDFLARE_API_TOKEN must be an API token (a Global API Key goes in CLOUDFLARE_API_KEY, ' +
          'with CLOUDFLARE_EMAIL); copy it again without quotes or spaces',
      accountWide: true,
    };
  }
  if (codes.includes(1001)) {
    return {
      code: 'cloudflare_auth',
      message: `Cloudflare did not receive the credentials with ${where(init)} (${said(init)})`,
      hint:
        'a proxy between acns and Cloudflare may strip the Authorization header; ' +
        'check HTTPS_PROXY and CLOUDFLARE_BASE_URL',
      accountWide: true,
    };
  }
  if (endpointKind(init.path) === 'token_verify') {
    return {
      code: 'cloudflare_auth',
      message: `Cloudflare does not accept the API token (${where(init)}: ${said(init)})`,
      hint:
        'the token is unknown, expired or disabled: create a new one (My Profile → API Tokens, or an ' +
        'account API token under Manage Account → API Tokens) and put it in CLOUDFLARE_API_TOKEN',
      accountWide: true,
    };
  }
  return {
    code: 'cloudflare_auth',
    message: `Cloudflare rejected the credentials for ${where(init)} (${said(init)})`,
    hint:
      'check CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY), that it belongs to this account, ' +
      `and that the token has the "${permissionFor(init.method, init.path)}" permission`,
    accountWide: true,
  };
}

function where(init: CloudflareErrorInit): string {
  return `${init.method} ${init.path}`;
}

/** Cloudflare's own words: every code and message (chains included), the status, the ray id. */
function said(init: CloudflareErrorInit): string {
  const parts = init.errors.map(formatMessage);
  const text = parts.length > 0 ? `HTTP ${init.status}, ${parts.join('; ')}` : `HTTP ${init.status}`;
  return init.rayId ? `${text}, ray ${init.rayId}` : text;
}

function formatMessage(e: CloudflareMessage): string {
  const own = e.message ? `${e.code}: ${e.message}` : String(e.code);
  const chain = e.error_chain?.length ? ` [${e.error_chain.map(formatMessage).join('; ')}]` : '';
  return own + chain;
}

function retried(init: CloudflareErrorInit): string {
  return init.retries ? `, after ${init.retries} retr${init.retries === 1 ? 'y' : 'ies'}` : '';
}

function allCodes(ms: CloudflareMessage[]): number[] {
  return ms.flatMap((m) => [m.code, ...allCodes(m.error_chain ?? [])]);
}
