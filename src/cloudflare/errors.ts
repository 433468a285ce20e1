/**
 * Typed failures of the Cloudflare client. Messages say what went wrong and what to do; they carry
 * the HTTP method, the API path, the status and Cloudflare's codes — never request headers, so the
 * token cannot leak through an error.
 */
import { AcnsError } from '../errors.js';

/** One item of the envelope's `errors`/`messages`. */
export interface CloudflareMessage {
  code: number;
  message: string;
}

export interface CloudflareErrorInit {
  status: number;
  errors: CloudflareMessage[];
  method: string;
  path: string;
  /** The request was retried this many times before giving up (429 storms, 5xx bursts). */
  retries?: number;
}

/** Cloudflare answered with `success: false` or an error status. */
export class CloudflareError extends AcnsError {
  readonly status: number;
  readonly errors: CloudflareMessage[];
  readonly method: string;
  readonly path: string;
  /** True when no other request of the run can succeed either: stop starting new steps. */
  readonly accountWide: boolean;
  constructor(init: CloudflareErrorInit) {
    const d = describe(init);
    super(d.code, d.message, { exitCode: 1, hint: d.hint });
    this.name = 'CloudflareError';
    this.status = init.status;
    this.errors = init.errors;
    this.method = init.method;
    this.path = init.path;
    this.accountWide = d.accountWide;
  }

  /** True when any of Cloudflare's error codes is `code`. */
  has(code: number): boolean {
    return this.errors.some((e) => e.code === code);
  }

  /** True when Cloudflare reported a duplicate ("already exists"). */
  get isDuplicate(): boolean {
    return this.errors.some((e) => /already exist/i.test(e.message));
  }
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
        hint: 'check network connectivity and CLOUDFLARE_BASE_URL (unset it to use https://api.cloudflare.com/client/v4)',
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
      hint: 'the Cloudflare API may have changed, or CLOUDFLARE_BASE_URL points at something that is not the Cloudflare API',
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
  const p = path.split('?')[0] ?? path;
  if (/^\/accounts\/[^/]+\/custom_ns/.test(p)) return write ? 'Account Settings Write' : 'Account Settings Read';
  if (/^\/accounts\/[^/]+\/dns_settings/.test(p))
    return write ? 'Account DNS Settings Write' : 'Account DNS Settings Read';
  if (/^\/accounts\/[^/]+$/.test(p)) return write ? 'Account Settings Write' : 'Account Settings Read';
  if (/^\/zones\/[^/]+\/dns_settings/.test(p)) return write ? 'Zone DNS Settings Write' : 'Zone DNS Settings Read';
  if (/^\/zones\/[^/]+\/custom_ns/.test(p)) return write ? 'Zone Write' : 'Zone Read';
  return write ? 'Zone Write' : 'Zone Read';
}

interface Described {
  code: string;
  message: string;
  hint?: string;
  accountWide: boolean;
}

function describe(init: CloudflareErrorInit): Described {
  const { status, errors, method, path } = init;
  const where = `${method} ${path}`;
  const cf = errors.length > 0 ? errors.map((e) => `${e.code}: ${e.message}`).join('; ') : `HTTP ${status}`;
  const has = (c: number) => errors.some((e) => e.code === c);
  if (has(10000) || status === 401 || (status === 403 && errors.length === 0)) {
    const perm = permissionFor(method, path);
    return {
      code: 'cloudflare_auth',
      message: `Cloudflare rejected the credentials for ${where} (${cf})`,
      hint:
        `check CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY), that it belongs to this account, ` +
        `and that the token has the "${perm}" permission`,
      accountWide: true,
    };
  }
  if (has(1002)) {
    return {
      code: 'cloudflare_not_entitled',
      message: `the account is not entitled to account custom nameservers (${where}: ${cf})`,
      hint: 'account custom nameservers need a Business plan (after contacting Cloudflare Support) or Enterprise',
      accountWide: true,
    };
  }
  if (has(1001)) {
    return {
      code: 'cloudflare_set_missing',
      message: `Cloudflare says the nameserver set does not exist (${where}: ${cf})`,
      hint: 'a set is offered to zones only once it has at least 2 names: create the names first, then assign zones',
      accountWide: false,
    };
  }
  if (has(971) || has(10100) || status === 429) {
    const n = init.retries ?? 0;
    return {
      code: 'cloudflare_rate_limited',
      message: `Cloudflare kept rate-limiting requests (${where}: ${cf}; gave up after ${n} retr${n === 1 ? 'y' : 'ies'})`,
      hint: 'someone else may be using the API or dashboard heavily; wait five minutes, or lower cloudflare.requests_per_window',
      accountWide: true,
    };
  }
  if (has(7003) && errors.some((e) => /identifier is invalid|could not route/i.test(e.message))) {
    return {
      code: 'cloudflare_not_found',
      message: `Cloudflare does not know the object in ${where} (${cf})`,
      hint: 'the zone or account id may be wrong, or the object was deleted since it was read; check the account id and run plan again',
      accountWide: false,
    };
  }
  if (has(7003) || has(7000)) {
    return {
      code: 'cloudflare_no_route',
      message: `Cloudflare has no route for ${where} (${cf})`,
      hint: 'check CLOUDFLARE_BASE_URL (it should end in /client/v4) and the account id',
      accountWide: false,
    };
  }
  if (status === 404) {
    return {
      code: 'cloudflare_not_found',
      message: `not found: ${where} (${cf})`,
      hint: 'the object may have been deleted or the id is wrong; run plan again to re-read the account',
      accountWide: false,
    };
  }
  if (status >= 500) {
    return {
      code: 'cloudflare_server_error',
      message: `Cloudflare failed to answer ${where} (${cf}${init.retries ? `, after ${init.retries} retries` : ''})`,
      hint: 'Cloudflare may be having an incident (https://www.cloudflarestatus.com); try again later',
      accountWide: false,
    };
  }
  return {
    code: 'cloudflare_error',
    message: `Cloudflare refused ${where} (${cf})`,
    accountWide: false,
  };
}
