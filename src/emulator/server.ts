/**
 * The emulator's HTTP side: a node:http server on 127.0.0.1 speaking the Cloudflare v4 API under
 * /client/v4, with Cloudflare's authentication errors, latency, its rate limits (ratelimit.ts),
 * fault injection, a request log and a control endpoint under /__acns, all controllable in-process.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { CONTROL_PREFIX, controlRoute } from './control.js';
import { demoState, type EmulatorState } from './model.js';
import {
  DEFAULT_BLOCK_SECONDS,
  DEFAULT_IP_RATE,
  DEFAULT_RATE,
  RateLimiter,
  type RateHeaders,
  type RateWindow,
} from './ratelimit.js';
import { defaultBehaviour, type EmuAuth, failure, route, type EmuResponse, type EmulatorBehaviour } from './routes.js';

export type { RateHeaders, RateWindow } from './ratelimit.js';

export const API_PREFIX = '/client/v4';

/** A scripted misbehaviour for matching requests. */
export interface Fault {
  method?: string; // default: any
  path?: string | RegExp; // tested against the path after /client/v4, query included
  times?: number; // how many matching requests it hits (default 1; Infinity = always)
  /**
   * respond: answer `status` without touching the state (default; with only `delayMs`, the request
   *   is processed normally after the delay);
   * commit_then_fail: process the request, then answer `status` (default 500);
   * commit_then_drop: process the request, then drop the connection without an answer;
   * reset: drop the connection without processing; hang: never answer.
   */
  action?: 'respond' | 'commit_then_fail' | 'commit_then_drop' | 'reset' | 'hang';
  status?: number;
  code?: number; // Cloudflare error code in the body (default 971 for 429, else 10001-ish generic)
  message?: string;
  retryAfter?: number; // seconds, for 429 answers (default 1; fractions allowed to keep tests short)
  delayMs?: number;
}

export interface LogEntry {
  method: string;
  path: string; // after /client/v4, query included
  status: number; // 0 when no answer was sent (reset, drop, hang)
  time: number; // ms since epoch when received
  answeredAt?: number; // ms since epoch when the answer was written
  fault?: string;
}

export interface EmulatorOptions {
  port?: number; // 0 (default) = any free port
  state?: EmulatorState;
  latencyMs?: number;
  /** Per-user window, sliding: default Cloudflare's 1200 requests per 300 s; false: none. */
  rate?: RateWindow | false;
  /** Per-IP limit in requests per second: default Cloudflare's 200; false: none. */
  ipRate?: number | false;
  /** How long an overrun of the per-user window blocks every call: default 300 s; 0: until it has room. */
  blockSeconds?: number;
  /** 'current' (default): `Ratelimit` + `Ratelimit-Policy`; 'legacy': `x-ratelimit-*`; 'both'; or 'none'. */
  rateHeaders?: RateHeaders;
  /** Milliseconds since the epoch, for the rate limits (tests move it instead of waiting). */
  clock?: () => number;
  behaviour?: Partial<EmulatorBehaviour>;
  /** Awaited after each change of the state (API write or control call), before the answer goes out. */
  onChange?: () => Promise<void> | void;
  /** Called once per request when its fate is known (answered, reset, dropped); not for hangs. */
  onLog?: (e: LogEntry) => void;
}

/** The emulator as it was before it followed the real API's rate limiting: no limits, old headers. */
export const LEGACY_RATE_LIMITS = {
  rate: false,
  ipRate: false,
  blockSeconds: 0,
  rateHeaders: 'legacy',
} as const satisfies Partial<EmulatorOptions>;

export interface EmulatorRuntimeOptions {
  latencyMs: number;
  rate: RateWindow | false;
  ipRate: number | false;
  blockSeconds: number;
  rateHeaders: RateHeaders;
  behaviour: EmulatorBehaviour;
}

export interface Emulator {
  url: string; // http://127.0.0.1:<port>/client/v4
  /** http://127.0.0.1:<port>/__acns: the control endpoint. */
  controlUrl: string;
  port: number;
  state: EmulatorState;
  /** Mutable at run time: latency, rate limits, API shapes and rules, address assignment. */
  options: EmulatorRuntimeOptions;
  addFault(f: Fault): void;
  clearFaults(): void;
  requests(): LogEntry[];
  /** Forgets the request log and the rate limits' history (windows and blocks). */
  resetLog(): void;
  close(): Promise<void>;
}

export async function startEmulator(o: EmulatorOptions = {}): Promise<Emulator> {
  const state = o.state ?? demoState();
  const options: EmulatorRuntimeOptions = {
    latencyMs: o.latencyMs ?? 0,
    rate: o.rate === undefined ? { ...DEFAULT_RATE } : o.rate,
    ipRate: o.ipRate === undefined ? DEFAULT_IP_RATE : o.ipRate,
    blockSeconds: o.blockSeconds ?? DEFAULT_BLOCK_SECONDS,
    rateHeaders: o.rateHeaders ?? 'current',
    behaviour: { ...defaultBehaviour(), ...o.behaviour },
  };
  const clock = o.clock ?? Date.now;
  const limiter = new RateLimiter(
    () => ({
      rate: options.rate ?? false,
      ipRate: options.ipRate ?? false,
      blockSeconds: options.blockSeconds,
      headers: options.rateHeaders,
    }),
    clock,
  );
  const faults: (Fault & { left: number })[] = [];
  let log: LogEntry[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const time = Date.now();
    const rawUrl = req.url ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const rel = rawUrl.startsWith(API_PREFIX) ? rawUrl.slice(API_PREFIX.length) || '/' : rawUrl;
    const text = await readBody(req);
    if (rawUrl === CONTROL_PREFIX || rawUrl.startsWith(`${CONTROL_PREFIX}/`)) return control(res, method, rawUrl, text);
    const entry: LogEntry = { method, path: rel, status: 0, time };
    log.push(entry);

    const fault = takeFault(method, rel);
    if (fault) entry.fault = fault.action ?? 'respond';
    const faultAnswers =
      fault?.action === 'hang' ||
      fault?.action === 'reset' ||
      (fault !== undefined && (fault.action ?? 'respond') === 'respond' && fault.status !== undefined);
    // Cloudflare counts a request where it arrives, before the work and the way back: the limits see
    // it on receipt, not after the simulated round trip (whose timer jitter is the emulator's own).
    const admission = faultAnswers ? undefined : limiter.admit(req.socket.remoteAddress ?? '127.0.0.1');
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (options.latencyMs > 0) await sleep(options.latencyMs);
    if (fault?.action === 'hang') return;
    if (fault?.action === 'reset') {
      o.onLog?.(entry);
      return void req.socket.destroy();
    }
    if (fault && (fault.action ?? 'respond') === 'respond' && fault.status !== undefined) {
      const h = fault.status === 429 ? limiter.faultHeaders(fault.retryAfter ?? 1) : {};
      send(res, entry, faultResponse(fault), h);
      return void o.onLog?.(entry);
    }

    if (admission?.limited) {
      send(res, entry, failure(429, 971, 'Please wait and consider throttling your request speed'), admission.headers);
      return void o.onLog?.(entry);
    }

    const out = answer(req, method, rawUrl, rel, text);
    const headers = admission?.headers ?? {};
    if (method !== 'GET' && out.status < 400) await o.onChange?.();
    if (fault?.action === 'commit_then_drop') {
      o.onLog?.(entry);
      return void req.socket.destroy();
    }
    if (fault?.action === 'commit_then_fail') {
      send(res, entry, faultResponse({ ...fault, status: fault.status ?? 500 }), headers);
      return void o.onLog?.(entry);
    }
    send(res, entry, out, headers);
    o.onLog?.(entry);
  }

  function answer(req: IncomingMessage, method: string, rawUrl: string, rel: string, text: string): EmuResponse {
    if (!rawUrl.startsWith(`${API_PREFIX}/`)) return failure(404, 7003, 'No route for the URI');
    const denied = authenticate(req, state);
    if (denied) return denied;
    const auth = identify(req, state);
    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return failure(400, 6007, 'Malformed JSON in request body');
      }
    }
    const u = new URL(rel, 'http://emulator.invalid');
    return route(state, options.behaviour, { method, path: u.pathname, query: u.searchParams, body, auth });
  }

  async function control(res: ServerResponse, method: string, rawUrl: string, text: string): Promise<void> {
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return reply(res, { status: 400, body: { ok: false, error: 'the body is not JSON' } });
    }
    const path = new URL(rawUrl.slice(CONTROL_PREFIX.length) || '/', 'http://emulator.invalid').pathname;
    const out = controlRoute(state, { method, path, body });
    if (out.changed) await o.onChange?.();
    reply(res, out);
  }

  function takeFault(method: string, path: string): Fault | undefined {
    const i = faults.findIndex(
      (f) =>
        f.left > 0 &&
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (f.path === undefined || (typeof f.path === 'string' ? new RegExp(f.path) : f.path).test(path)),
    );
    if (i < 0) return undefined;
    const f = faults[i] as Fault & { left: number };
    f.left--;
    if (f.left <= 0) faults.splice(i, 1);
    return f;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}${API_PREFIX}`,
    controlUrl: `http://127.0.0.1:${port}${CONTROL_PREFIX}`,
    port,
    state,
    options,
    addFault: (f) => faults.push({ ...f, left: f.times ?? 1 }),
    clearFaults: () => void faults.splice(0),
    requests: () => [...log],
    resetLog: () => {
      log = [];
      limiter.reset();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Cloudflare's answers to credentials it cannot use: no credentials at all (400, 1001), a header
 * that is not a token or key (400, 6003 with 6111 or 6103 in `error_chain`; a Global API Key sent
 * as a token is one), credentials it does not know (401, 10000).
 */
export function authenticate(req: IncomingMessage, state: EmulatorState): EmuResponse | undefined {
  const auth = req.headers.authorization;
  const email = req.headers['x-auth-email'];
  const key = req.headers['x-auth-key'];
  const malformed = (code: number, header: string) =>
    failure(400, 6003, 'Invalid request headers', [{ code, message: `Invalid format for ${header} header` }]);
  if (typeof auth === 'string') {
    const m = /^Bearer (.+)$/i.exec(auth);
    const token = m?.[1] ?? '';
    if (!TOKEN.test(token) || GLOBAL_KEY.test(token)) return malformed(6111, 'Authorization');
    const known = state.tokens.includes(token) || (state.accountTokens ?? []).includes(token);
    return known ? undefined : failure(401, 10000, 'Authentication error');
  }
  if (typeof email === 'string' || typeof key === 'string') {
    if (typeof key !== 'string' || !GLOBAL_KEY.test(key)) return malformed(6103, 'X-Auth-Key');
    return state.keys.some((k) => k.email === email && k.key === key)
      ? undefined
      : failure(401, 10000, 'Authentication error');
  }
  return failure(400, 1001, 'Missing "Authorization" header');
}

/** Who sent an authenticated request (call after `authenticate` let it through). */
function identify(req: IncomingMessage, state: EmulatorState): EmuAuth {
  const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (token === undefined) return { kind: 'key' };
  return { kind: state.tokens.includes(token) ? 'user_token' : 'account_token', token };
}

/** RFC 6750's b64token: what may follow "Bearer ". */
const TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;
/** A Global API Key: 37 lower-case hex digits. */
const GLOBAL_KEY = /^[0-9a-f]{37}$/;

function reply(res: ServerResponse, out: EmuResponse): void {
  const body = JSON.stringify(out.body);
  res.writeHead(out.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function faultResponse(f: Fault): EmuResponse {
  const status = f.status ?? 500;
  const code = f.code ?? (status === 429 ? 971 : status >= 500 ? 10002 : 10001);
  const message =
    f.message ??
    (status === 429
      ? 'Please wait and consider throttling your request speed'
      : status >= 500
        ? 'Internal server error'
        : 'Injected fault');
  return failure(status, code, message);
}

function send(res: ServerResponse, entry: LogEntry, out: EmuResponse, headers: Record<string, string>): void {
  if (res.destroyed) return;
  entry.status = out.status;
  entry.answeredAt = Date.now();
  const body = JSON.stringify(out.body);
  res.writeHead(out.status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cf-ray': `${Math.floor(Math.random() * 2 ** 48)
      .toString(16)
      .padStart(12, '0')}-EMU`,
  });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}
