/**
 * The HTTP client: the only code that sends requests to Cloudflare. It composes the layers of
 * layers.ts over an undici dispatcher (a keep-alive Pool for the base URL, or an injected one such
 * as MockAgent) and shares one budget and one 429 gate between every request of the run. Hooks
 * expose each attempt and progress — never headers.
 */
import { createRequire } from 'node:module';
import type { Dispatcher, Pool } from 'undici';
import { RequestBudget, type ProgressEvent } from './budget.js';
import { type Clock, systemClock } from './clock.js';
import { type BaseUrl, type Credentials, type Lookup, loopbackOnlyLookup, parseBaseUrl } from './credentials.js';
import { RateLimitGate } from './gate.js';
import {
  auth,
  type ClientStats,
  compose,
  type Envelope,
  exponentialBackoff,
  type HttpMethod,
  newRequest,
  observe,
  pacing,
  parseEnvelope,
  rateLimit,
  type RequestEvent,
  retry,
  type Send,
  type ServerSignals,
  watch,
} from './layers.js';
import { transport } from './transport.js';

export type { ClientStats, Envelope, HttpMethod, RequestEvent, ServerSignals } from './layers.js';
export type { ResultInfo } from './layers.js';

export interface ClientOptions {
  baseUrl: BaseUrl | string;
  credentials: Credentials;
  /** Defaults to a keep-alive undici Pool for the base URL's origin. */
  dispatcher?: Dispatcher;
  /** The per-user window used until the server states its own (default 1000 per 300 s). */
  requestsPerWindow?: number;
  windowSeconds?: number;
  /** The per-IP ceiling the pace keeps under (default 200). */
  requestsPerSecond?: number;
  /** Most requests in flight at once (default 64); fewer when the round trip allows. */
  concurrency?: number;
  timeoutMs?: number; // headers and body timeout per attempt, default 30 000
  /** Longest wait for a connection to open (default: undici's, 10 s). */
  connectTimeoutMs?: number;
  maxRetries?: number; // 5xx / network retries for idempotent methods, default 4
  maxRateLimitRetries?: number; // 429 retries per request, default 8
  backoffBaseMs?: number; // default 500
  backoffCapMs?: number; // default 30 000
  /** Replaces the jittered exponential backoff (n counts from 1). */
  backoff?: (n: number) => number;
  /** Longest pause one 429 imposes (default five minutes, Cloudflare's block). */
  maxPauseMs?: number;
  clock?: Clock;
  /** Cancels every wait of the client (pacing, pauses, backoff). */
  signal?: AbortSignal;
  /** Replaces the undici transport below the layers (simulations in tests). */
  transport?: Send;
  /** Name resolution for a plain-http host name (tests); every address must be loopback. */
  lookup?: Lookup;
  onRequest?: (e: RequestEvent) => void;
  /** Called just before a write (POST/PUT/PATCH/DELETE) is sent, so an audit trail survives a crash mid-request. */
  onRequestStart?: (e: { method: HttpMethod; path: string; attempt: number }) => void;
  onProgress?: (e: ProgressEvent) => void;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

export const DEFAULT_CONCURRENCY = 64;

export interface RateLimitState {
  window: { requests: number; seconds: number; fromServer: boolean };
  answers: number;
  /** Answers that carried no rate-limit header at all. */
  withoutHeaders: number;
  /** 429 answers received. */
  rateLimited: number;
  last?: NonNullable<ServerSignals['last']>;
}

export class CloudflareClient {
  readonly baseUrl: BaseUrl;
  readonly budget: RequestBudget;
  readonly gate: RateLimitGate;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly send: Send;
  private readonly signal?: AbortSignal;
  private readonly onProgress?: (e: ProgressEvent) => void;
  private readonly counters: ClientStats = { requests: 0, rateLimited: 0, retries: 0 };
  private readonly signals: ServerSignals = { answers: 0, withoutRateLimitHeaders: 0 };
  private queued = 0;
  private done = 0;

  constructor(o: ClientOptions) {
    this.baseUrl = typeof o.baseUrl === 'string' ? parseBaseUrl(o.baseUrl) : o.baseUrl;
    const clock = o.clock ?? systemClock;
    const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
    this.gate = new RateLimitGate({ clock, maxPauseMs: o.maxPauseMs, onProgress: o.onProgress });
    this.budget = new RequestBudget({
      requestsPerWindow: o.requestsPerWindow ?? 1000,
      windowSeconds: o.windowSeconds ?? 300,
      requestsPerSecond: o.requestsPerSecond,
      maxInFlight: concurrency,
      clock,
      gate: this.gate,
      onProgress: o.onProgress,
    });
    this.ownsDispatcher = !o.dispatcher;
    this.dispatcher =
      o.dispatcher ??
      new (undiciPool())(this.baseUrl.origin, {
        connections: concurrency,
        keepAliveTimeout: 10_000,
        keepAliveMaxTimeout: 60_000,
        connect: {
          ...(this.baseUrl.loopbackName ? { lookup: loopbackOnlyLookup(o.lookup) } : {}),
          ...(o.connectTimeoutMs !== undefined ? { timeout: o.connectTimeoutMs } : {}),
        },
      });
    const timeoutMs = o.timeoutMs ?? 30_000;
    const backoff = o.backoff ?? exponentialBackoff(o.backoffBaseMs ?? 500, o.backoffCapMs ?? 30_000);
    this.send = compose(
      [
        retry({ clock, maxRetries: o.maxRetries ?? 4, backoff, baseUrl: this.baseUrl.href, timeoutMs }),
        rateLimit({ gate: this.gate, clock, maxRetries: o.maxRateLimitRetries ?? 8, backoff }),
        pacing(this.budget, clock),
        watch(this.signals, clock),
        observe({
          clock,
          stats: this.counters,
          ...(o.onRequest ? { onRequest: o.onRequest } : {}),
          ...(o.onRequestStart ? { onRequestStart: o.onRequestStart } : {}),
        }),
        auth(o.credentials),
      ],
      o.transport ?? transport({ dispatcher: this.dispatcher, baseUrl: this.baseUrl, timeoutMs }),
    );
    if (o.signal) this.signal = o.signal;
    this.onProgress = o.onProgress;
  }

  /** Sends one logical request (retrying as allowed) and returns the parsed envelope. */
  async request<T = unknown>(method: HttpMethod, path: string, ro: RequestOptions = {}): Promise<Envelope<T>> {
    const req = newRequest(method, path + queryString(ro.query), ro.body, this.signal);
    this.queued++;
    this.progress();
    try {
      return parseEnvelope<T>(await this.send(req), req);
    } finally {
      this.done++;
      this.progress();
    }
  }

  stats(): ClientStats {
    return { ...this.counters };
  }

  /**
   * The rate limit as this run saw it: the window in force (the server's stated policy once known,
   * else the configured one) and what the answers said — figures and header names, never values.
   */
  rateLimitState(): RateLimitState {
    const s = this.signals;
    return {
      window: this.budget.window,
      answers: s.answers,
      withoutHeaders: s.withoutRateLimitHeaders,
      rateLimited: this.counters.rateLimited,
      ...(s.last ? { last: { ...s.last, info: { ...s.last.info }, headers: [...s.last.headers] } } : {}),
    };
  }

  /** The server's `Date` on the latest answer that had one, and the local clock around it. */
  serverClock(): ServerSignals['date'] {
    return this.signals.date ? { ...this.signals.date } : undefined;
  }

  /** Closes the pool this client created (an injected dispatcher is left to its owner). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private progress(): void {
    this.onProgress?.({ kind: 'requests', done: this.done, total: this.queued });
  }
}

function queryString(q: RequestOptions['query']): string {
  if (!q) return '';
  const parts = Object.entries(q)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

let poolClass: typeof Pool | undefined;

/**
 * undici's Pool, loaded alone when the first client needs one: the package's entry loads every API
 * it has (fetch, WebSocket, caches, mocks…), about three times the start-up of a command. Like the
 * entry, it gives dispatchers their request() method. The paths are inside the pinned package; a
 * test checks they still are the entry's Pool and request().
 */
export function undiciPool(): typeof Pool {
  if (poolClass) return poolClass;
  const load = createRequire(import.meta.url);
  const dispatcher = load('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
  if (!('request' in dispatcher.prototype)) Object.assign(dispatcher.prototype, load('undici/lib/api/index.js'));
  poolClass = load('undici/lib/dispatcher/pool.js') as typeof Pool;
  return poolClass;
}
