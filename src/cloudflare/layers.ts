/**
 * The HTTP client as small layers around one `Send` function, each with one job and tested alone:
 * observe (count attempts, journal events), watch (what answers say about the server), auth (the
 * credentials' headers), pacing (the run's budget), the 429 gate (pause everything, then retry),
 * retry of idempotent calls (5xx, network), and the envelope (the body → a result or a typed
 * error). client.ts composes them:
 *
 *   envelope ∘ retry ∘ rateLimit ∘ pacing ∘ watch ∘ observe ∘ auth ∘ transport
 */
import type { Clock } from './clock.js';
import type { RequestBudget, Ticket } from './budget.js';
import { authHeaders, type Credentials } from './credentials.js';
import {
  classifyError,
  NetworkError,
  OutcomeUnknownError,
  ResponseShapeError,
  type CloudflareMessage,
} from './errors.js';
import type { RateLimitGate } from './gate.js';
import {
  type Headers,
  headerValue,
  parseRateLimitHeaders,
  type RateLimitHeader,
  type RateLimitInfo,
  rateLimitHeadersPresent,
} from './ratelimit.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One logical request on its way down; layers that repeat it send the same object again. */
export interface ApiRequest {
  readonly method: HttpMethod;
  /** Relative to the base URL, with the query. */
  readonly path: string;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** Filled by the auth layer, just above the transport. */
  headers: Record<string, string>;
  /** Attempts sent so far (the observe layer counts them). */
  attempts: number;
  /** 429 answers received so far. */
  rateLimited: number;
  /** Set by the pacing layer for each attempt: the probe after a rate-limit pause. */
  probe?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined when empty or not JSON. */
  json: unknown;
  rayId?: string;
}

export type Send = (req: ApiRequest) => Promise<RawResponse>;
export type Layer = (next: Send) => Send;

/** Layers listed outermost first, applied around `bottom`. */
export function compose(layers: Layer[], bottom: Send): Send {
  return layers.reduceRight<Send>((next, layer) => layer(next), bottom);
}

/** No answer arrived: `code` is the network error's code; `neverSent` when the server cannot have seen it. */
export class TransportError extends Error {
  readonly code: string;
  readonly neverSent: boolean;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'TransportError';
    this.code = code;
    this.neverSent = code === 'ECONNREFUSED';
  }
}

export function newRequest(method: HttpMethod, path: string, body?: unknown, signal?: AbortSignal): ApiRequest {
  return {
    method,
    path,
    ...(body === undefined ? {} : { body }),
    ...(signal ? { signal } : {}),
    headers: {},
    attempts: 0,
    rateLimited: 0,
  };
}

// --- auth ---------------------------------------------------------------------------------------

/** Adds the credentials' headers; the only layer that ever sees the secret. */
export function auth(credentials: Credentials): Layer {
  const h = authHeaders(credentials);
  return (next) => (req) => {
    Object.assign(req.headers, h);
    return next(req);
  };
}

// --- observe ------------------------------------------------------------------------------------

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

export interface ClientStats {
  requests: number; // attempts sent
  rateLimited: number; // 429 answers received
  retries: number; // attempts beyond the first
}

export interface ObserveOptions {
  clock: Clock;
  stats: ClientStats;
  onRequest?: (e: RequestEvent) => void;
  /** Called just before a write is sent, so an audit trail survives a crash mid-request. */
  onRequestStart?: (e: { method: HttpMethod; path: string; attempt: number }) => void;
}

/** Counts every attempt and reports it (never its headers). */
export function observe(o: ObserveOptions): Layer {
  return (next) => async (req) => {
    const attempt = ++req.attempts;
    o.stats.requests++;
    if (attempt > 1) o.stats.retries++;
    if (req.method !== 'GET') o.onRequestStart?.({ method: req.method, path: req.path, attempt });
    const t0 = o.clock.now();
    const ev: RequestEvent = { method: req.method, path: req.path, status: 0, durationMs: 0, attempt };
    try {
      const res = await next(req);
      ev.status = res.status;
      if (res.rayId) ev.rayId = res.rayId;
      if (res.status === 429) o.stats.rateLimited++;
      return res;
    } catch (e) {
      ev.error = e instanceof TransportError ? e.code : 'UNKNOWN';
      throw e;
    } finally {
      ev.durationMs = o.clock.now() - t0;
      o.onRequest?.(ev);
    }
  };
}

// --- watch --------------------------------------------------------------------------------------

/**
 * What the answers of a run said about the server, for `acns doctor`: the rate-limit figures and
 * which rate-limit headers came (names only), and the server's clock. Never a header's raw value.
 */
export interface ServerSignals {
  /** Answers received. */
  answers: number;
  /** Answers that carried none of the rate-limit headers. */
  withoutRateLimitHeaders: number;
  /** The latest answer's figures and the rate-limit headers it carried. */
  last?: { status: number; info: RateLimitInfo; headers: RateLimitHeader[] };
  /** The latest answer's `Date` and the local clock around it (ms since the epoch). */
  date?: { serverMs: number; sentMs: number; receivedMs: number };
}

/** Records what each answer said about the server into `signals` (the client's copy). */
export function watch(signals: ServerSignals, clock: Clock): Layer {
  return (next) => async (req) => {
    const sentMs = clock.now();
    const res = await next(req);
    const receivedMs = clock.now();
    const headers = rateLimitHeadersPresent(res.headers);
    signals.answers++;
    if (headers.length === 0) signals.withoutRateLimitHeaders++;
    signals.last = { status: res.status, info: parseRateLimitHeaders(res.headers, receivedMs), headers };
    const date = Date.parse(headerValue(res.headers.date) ?? '');
    if (Number.isFinite(date)) signals.date = { serverMs: date, sentMs, receivedMs };
    return res;
  };
}

// --- pacing -------------------------------------------------------------------------------------

/** Waits for the budget before each attempt, tells it what the answer said, hands the ticket back. */
export function pacing(budget: RequestBudget, clock: Clock): Layer {
  return (next) => async (req) => {
    const ticket: Ticket = await budget.acquire(req.signal);
    req.probe = ticket.probe;
    const t0 = clock.now();
    let rtt: number | undefined;
    try {
      const res = await next(req);
      rtt = clock.now() - t0;
      budget.observe(parseRateLimitHeaders(res.headers, clock.now()), ticket);
      return res;
    } finally {
      budget.settle(ticket, rtt);
    }
  };
}

// --- 429 gate -----------------------------------------------------------------------------------

export interface RateLimitOptions {
  gate: RateLimitGate;
  clock: Clock;
  /** 429 retries per request (any method: a 429 was not processed). */
  maxRetries: number;
  /** Pause when a 429 has no retry-after; `n` counts this request's 429s from 1. */
  backoff: (n: number) => number;
}

/** A 429 pauses every request (retry-after, capped) and this one is sent again, up to a limit. */
export function rateLimit(o: RateLimitOptions): Layer {
  return (next) => async (req) => {
    for (;;) {
      let res: RawResponse;
      try {
        res = await next(req);
        if (res.status === 429) {
          req.rateLimited++;
          const wait = parseRateLimitHeaders(res.headers, o.clock.now()).retryAfterMs ?? o.backoff(req.rateLimited);
          o.gate.pause(wait);
        }
      } finally {
        if (req.probe) o.gate.probeDone();
      }
      if (res.status !== 429 || req.rateLimited > o.maxRetries) return res;
    }
  };
}

// --- retry --------------------------------------------------------------------------------------

export interface RetryOptions {
  clock: Clock;
  maxRetries: number;
  backoff: (n: number) => number;
  baseUrl: string;
  timeoutMs: number;
}

/**
 * 5xx answers and network failures: idempotent requests are sent again after a backoff. A POST
 * that may have reached the server is never repeated blindly: OutcomeUnknownError hands it back to
 * the caller for a read-back (one that was refused before connecting is safe to repeat).
 */
export function retry(o: RetryOptions): Layer {
  return (next) => async (req) => {
    let retries = 0;
    for (;;) {
      let res: RawResponse | undefined;
      let failure: TransportError | undefined;
      try {
        res = await next(req);
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
        failure = e;
      }
      if (res && res.status < 500) return res;
      if (req.method === 'POST' && !failure?.neverSent) {
        throw new OutcomeUnknownError({
          method: req.method,
          path: req.path,
          reason: res ? `HTTP ${res.status}` : describeNetwork(failure?.code ?? 'UNKNOWN', o.timeoutMs),
          ...(res ? { status: res.status } : {}),
        });
      }
      if (retries < o.maxRetries) {
        retries++;
        await o.clock.sleep(o.backoff(retries), req.signal);
        continue;
      }
      if (res) return res;
      throw new NetworkError({
        baseUrl: o.baseUrl,
        method: req.method,
        path: req.path,
        reason: describeNetwork(failure?.code ?? 'UNKNOWN', o.timeoutMs),
        attempts: req.attempts,
      });
    }
  };
}

export function describeNetwork(code: string, timeoutMs: number): string {
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return `no answer within ${timeoutMs} ms`;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name not found';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection closed before the answer';
  return code;
}

/** Jittered exponential backoff: uniformly between half and all of base·2^(n-1), capped. */
export function exponentialBackoff(baseMs: number, capMs: number, random: () => number = Math.random) {
  return (n: number): number => {
    const ceiling = Math.min(capMs, baseMs * 2 ** (n - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  };
}

// --- envelope -----------------------------------------------------------------------------------

export interface ResultInfo {
  page?: number;
  per_page?: number;
  count?: number;
  total_count?: number;
  total_pages?: number;
}

export interface Envelope<T> {
  /** Absent when the answer had none (some endpoints put their fields beside it, or send nothing). */
  result: T | undefined;
  resultInfo?: ResultInfo;
  /** The whole parsed body (some legacy endpoints put fields beside `result`). */
  body: Record<string, unknown>;
}

/** Cloudflare's envelope → the result, or the typed error for the status, codes and endpoint. */
export function parseEnvelope<T>(res: RawResponse, req: Pick<ApiRequest, 'method' | 'path' | 'attempts'>): Envelope<T> {
  const { method, path } = req;
  const endpoint = `${method} ${path.split('?')[0]}`;
  const body = res.json;
  const retries = Math.max(0, req.attempts - 1);
  const errorInit = (errors: CloudflareMessage[]) => ({
    status: res.status,
    errors,
    method,
    path,
    retries,
    ...(res.rayId ? { rayId: res.rayId } : {}),
  });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    if (res.status >= 400) throw classifyError(errorInit([]));
    throw new ResponseShapeError(endpoint, `HTTP ${res.status} with a body that is not a JSON object`);
  }
  const b = body as Record<string, unknown>;
  if (res.status >= 400 || b.success === false) throw classifyError(errorInit(envelopeErrors(b)));
  if (b.success !== true) throw new ResponseShapeError(endpoint, 'the envelope has no "success": true');
  const env: Envelope<T> = { result: b.result as T | undefined, body: b };
  const ri = b.result_info;
  if (typeof ri === 'object' && ri !== null) env.resultInfo = ri as ResultInfo;
  return env;
}

export function envelopeErrors(body: unknown): CloudflareMessage[] {
  const errs = typeof body === 'object' && body !== null ? (body as { errors?: unknown }).errors : undefined;
  return Array.isArray(errs) ? errs.map(message) : [];
}

function message(e: unknown): CloudflareMessage {
  const x = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
  const m: CloudflareMessage = {
    code: typeof x.code === 'number' ? x.code : Number(x.code) || 0,
    message: typeof x.message === 'string' ? x.message : '',
  };
  if (Array.isArray(x.error_chain) && x.error_chain.length > 0) m.error_chain = x.error_chain.map(message);
  return m;
}

/** The `cf-ray` header of an answer. */
export function rayOf(headers: Headers): string | undefined {
  return headerValue(headers['cf-ray']);
}
