/**
 * The HTTP client: the only code that sends requests to Cloudflare. undici Pool with keep-alive
 * (or an injected dispatcher such as MockAgent), concurrency bounded by p-limit, every send counted
 * against the run's RequestBudget, retries with jittered exponential backoff (429 for any method;
 * 5xx, timeouts and connection errors only for idempotent methods), and envelope parsing into
 * typed results or typed errors. Hooks expose each attempt and progress — never headers.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { Pool, type Dispatcher } from 'undici';
import { RequestBudget, retryAfterMs, type ProgressEvent } from './budget.js';
import { authHeaders, parseBaseUrl, type BaseUrl, type Credentials } from './credentials.js';
import {
  CloudflareError,
  NetworkError,
  OutcomeUnknownError,
  ResponseShapeError,
  type CloudflareMessage,
} from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One attempt, as the audit journal records it. */
export interface RequestEvent {
  method: HttpMethod;
  path: string; // relative to the base URL, with query
  status: number; // 0 when no answer arrived (timeout, reset)
  rayId?: string;
  durationMs: number;
  attempt: number; // 1-based
  error?: string; // network error code when status is 0
}

export interface ResultInfo {
  page?: number;
  per_page?: number;
  count?: number;
  total_count?: number;
  total_pages?: number;
}

export interface Envelope<T> {
  result: T;
  resultInfo?: ResultInfo;
  /** The whole parsed body (some legacy endpoints put fields beside `result`). */
  body: Record<string, unknown>;
}

export interface ClientStats {
  requests: number; // attempts sent
  rateLimited: number; // 429 answers received
  retries: number; // attempts beyond the first
}

export interface ClientOptions {
  baseUrl: BaseUrl | string;
  credentials: Credentials;
  /** Defaults to a keep-alive undici Pool for the base URL's origin. */
  dispatcher?: Dispatcher;
  /** Share one budget between clients; otherwise built from requestsPerWindow/windowSeconds. */
  budget?: RequestBudget;
  requestsPerWindow?: number; // default 1000
  windowSeconds?: number; // default 300
  concurrency?: number; // default 8
  timeoutMs?: number; // headers and body timeout per attempt, default 30 000
  maxRetries?: number; // 5xx / network retries for idempotent methods, default 4
  maxRateLimitRetries?: number; // 429 retries per request, default 8
  backoffBaseMs?: number; // default 500
  backoffCapMs?: number; // default 30 000
  onRequest?: (e: RequestEvent) => void;
  /** Called just before a write (POST/PUT/PATCH/DELETE) is sent, so an audit trail survives a crash mid-request. */
  onRequestStart?: (e: { method: HttpMethod; path: string; attempt: number }) => void;
  onProgress?: (e: ProgressEvent) => void;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

export class CloudflareClient {
  readonly baseUrl: BaseUrl;
  readonly budget: RequestBudget;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly headers: Record<string, string>;
  private readonly limit: LimitFunction;
  private readonly opts: Required<
    Pick<ClientOptions, 'timeoutMs' | 'maxRetries' | 'maxRateLimitRetries' | 'backoffBaseMs' | 'backoffCapMs'>
  >;
  private readonly onRequest?: (e: RequestEvent) => void;
  private readonly onRequestStart?: ClientOptions['onRequestStart'];
  private readonly onProgress?: (e: ProgressEvent) => void;
  private readonly counters: ClientStats = { requests: 0, rateLimited: 0, retries: 0 };
  private queued = 0;
  private done = 0;

  constructor(o: ClientOptions) {
    this.baseUrl = typeof o.baseUrl === 'string' ? parseBaseUrl(o.baseUrl) : o.baseUrl;
    const concurrency = o.concurrency ?? 8;
    this.budget =
      o.budget ??
      new RequestBudget({
        requestsPerWindow: o.requestsPerWindow ?? 1000,
        windowSeconds: o.windowSeconds ?? 300,
        onProgress: o.onProgress,
      });
    this.ownsDispatcher = !o.dispatcher;
    this.dispatcher =
      o.dispatcher ??
      new Pool(this.baseUrl.origin, {
        connections: concurrency,
        keepAliveTimeout: 10_000,
        keepAliveMaxTimeout: 60_000,
      });
    this.headers = { ...authHeaders(o.credentials), accept: 'application/json', 'user-agent': 'acns' };
    this.limit = pLimit(concurrency);
    this.opts = {
      timeoutMs: o.timeoutMs ?? 30_000,
      maxRetries: o.maxRetries ?? 4,
      maxRateLimitRetries: o.maxRateLimitRetries ?? 8,
      backoffBaseMs: o.backoffBaseMs ?? 500,
      backoffCapMs: o.backoffCapMs ?? 30_000,
    };
    this.onRequest = o.onRequest;
    this.onRequestStart = o.onRequestStart;
    this.onProgress = o.onProgress;
  }

  /** Sends one logical request (retrying as allowed) and returns the parsed envelope. */
  request<T = unknown>(method: HttpMethod, path: string, ro: RequestOptions = {}): Promise<Envelope<T>> {
    const full = path + queryString(ro.query);
    this.queued++;
    this.progress();
    return this.limit(() => this.send<T>(method, full, ro.body)).finally(() => {
      this.done++;
      this.progress();
    });
  }

  stats(): ClientStats {
    return { ...this.counters };
  }

  /** Closes the pool this client created (an injected dispatcher is left to its owner). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async send<T>(method: HttpMethod, path: string, body: unknown): Promise<Envelope<T>> {
    const idempotent = method !== 'POST';
    let attempt = 0;
    let errorRetries = 0;
    let rateRetries = 0;
    for (;;) {
      attempt++;
      const ticket = await this.budget.acquire();
      this.counters.requests++;
      if (attempt > 1) this.counters.retries++;
      const t0 = Date.now();
      if (method !== 'GET') this.onRequestStart?.({ method, path, attempt });
      let outcome: Outcome;
      try {
        outcome = await this.attempt(method, path, body);
      } catch (err) {
        outcome = { kind: 'network', code: errorCode(err), message: err instanceof Error ? err.message : String(err) };
      }
      const ev: RequestEvent = {
        method,
        path,
        status: outcome.kind === 'http' ? outcome.status : 0,
        durationMs: Date.now() - t0,
        attempt,
      };
      if (outcome.kind === 'http') {
        const ray = first(outcome.headers['cf-ray']);
        if (ray) ev.rayId = ray;
        this.budget.observe(outcome.headers, ticket);
      } else {
        ev.error = outcome.code;
      }
      this.onRequest?.(ev);

      if (outcome.kind === 'http' && outcome.status === 429) {
        this.counters.rateLimited++;
        const wait = retryAfterMs(outcome.headers) ?? this.backoff(rateRetries + 1);
        this.budget.pause(wait + Math.floor(Math.random() * 100));
        this.budget.settle(ticket);
        if (rateRetries >= this.opts.maxRateLimitRetries) {
          throw new CloudflareError({
            status: 429,
            errors: envelopeErrors(outcome.json),
            method,
            path,
            retries: rateRetries,
          });
        }
        rateRetries++;
        continue;
      }
      this.budget.settle(ticket);

      const transient = outcome.kind === 'network' || outcome.status >= 500;
      if (transient) {
        // A POST that was never sent (connection refused) is safe to send again; any other failure
        // after sending may have taken effect, so it is handed back for a read-back.
        const neverSent = outcome.kind === 'network' && outcome.code === 'ECONNREFUSED';
        if (!idempotent && !neverSent) {
          throw new OutcomeUnknownError({
            method,
            path,
            reason:
              outcome.kind === 'http' ? `HTTP ${outcome.status}` : describeNetwork(outcome.code, this.opts.timeoutMs),
            status: outcome.kind === 'http' ? outcome.status : undefined,
          });
        }
        if (errorRetries < this.opts.maxRetries) {
          errorRetries++;
          await sleep(this.backoff(errorRetries));
          continue;
        }
        if (outcome.kind === 'network') {
          throw new NetworkError({
            baseUrl: this.baseUrl.href,
            method,
            path,
            reason: describeNetwork(outcome.code, this.opts.timeoutMs),
            attempts: attempt,
          });
        }
      }
      if (outcome.kind === 'network') throw new Error('unreachable'); // narrowed above
      return parseEnvelope<T>(outcome, method, path, errorRetries);
    }
  }

  private async attempt(method: HttpMethod, path: string, body: unknown): Promise<Outcome> {
    const headers = body === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' };
    const res = await this.dispatcher.request({
      origin: this.baseUrl.origin,
      path: this.baseUrl.prefix + path,
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      headersTimeout: this.opts.timeoutMs,
      bodyTimeout: this.opts.timeoutMs,
    });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { kind: 'http', status: res.statusCode, headers: res.headers, json, text };
  }

  /** Jittered exponential backoff: uniformly between half and all of base·2^(n-1), capped. */
  private backoff(n: number): number {
    const ceiling = Math.min(this.opts.backoffCapMs, this.opts.backoffBaseMs * 2 ** (n - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private progress(): void {
    this.onProgress?.({ kind: 'requests', done: this.done, total: this.queued });
  }
}

type Outcome =
  | {
      kind: 'http';
      status: number;
      headers: Record<string, string | string[] | undefined>;
      json: unknown;
      text: string;
    }
  | { kind: 'network'; code: string; message: string };

function parseEnvelope<T>(
  o: Extract<Outcome, { kind: 'http' }>,
  method: HttpMethod,
  path: string,
  retries: number,
): Envelope<T> {
  const endpoint = `${method} ${path.split('?')[0]}`;
  const body = o.json;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    if (o.status >= 400) throw new CloudflareError({ status: o.status, errors: [], method, path, retries });
    throw new ResponseShapeError(endpoint, `HTTP ${o.status} with a body that is not a JSON object`);
  }
  const b = body as Record<string, unknown>;
  if (o.status >= 400 || b.success === false) {
    throw new CloudflareError({ status: o.status, errors: envelopeErrors(b), method, path, retries });
  }
  if (b.success !== true) throw new ResponseShapeError(endpoint, 'the envelope has no "success": true');
  if (!('result' in b)) throw new ResponseShapeError(endpoint, 'the envelope has no "result"');
  const env: Envelope<T> = { result: b.result as T, body: b };
  const ri = b.result_info;
  if (typeof ri === 'object' && ri !== null) env.resultInfo = ri as ResultInfo;
  return env;
}

function envelopeErrors(body: unknown): CloudflareMessage[] {
  const errs = typeof body === 'object' && body !== null ? (body as { errors?: unknown }).errors : undefined;
  if (!Array.isArray(errs)) return [];
  return errs.map((e) => {
    const x = (typeof e === 'object' && e !== null ? e : {}) as { code?: unknown; message?: unknown };
    return {
      code: typeof x.code === 'number' ? x.code : Number(x.code) || 0,
      message: typeof x.message === 'string' ? x.message : '',
    };
  });
}

function queryString(q: RequestOptions['query']): string {
  if (!q) return '';
  const parts = Object.entries(q)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return 'UNKNOWN';
}

function describeNetwork(code: string, timeoutMs: number): string {
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return `no answer within ${timeoutMs} ms`;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name not found';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection closed before the answer';
  return code;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
