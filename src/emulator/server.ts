/**
 * The emulator's HTTP side: a node:http server on 127.0.0.1 speaking the Cloudflare v4 API under
 * /client/v4, with auth checks, latency, a rate-limit window (429 code 971 + retry-after and
 * x-ratelimit-* headers), fault injection and a request log, all controllable in-process.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { demoState, type EmulatorState } from './model.js';
import { defaultBehaviour, failure, route, type EmuResponse, type EmulatorBehaviour } from './routes.js';

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
  /** Rate-limit window: at most `requests` per `seconds` (sliding), then 429. */
  rate?: { requests: number; seconds: number };
  behaviour?: Partial<EmulatorBehaviour>;
  /** Called once per request when its fate is known (answered, reset, dropped); not for hangs. */
  onLog?: (e: LogEntry) => void;
}

export interface Emulator {
  url: string; // http://127.0.0.1:<port>/client/v4
  port: number;
  state: EmulatorState;
  /** Mutable at run time: latency, rate window, UNCONFIRMED behaviours, address assignment. */
  options: { latencyMs: number; rate?: { requests: number; seconds: number }; behaviour: EmulatorBehaviour };
  addFault(f: Fault): void;
  clearFaults(): void;
  requests(): LogEntry[];
  /** Forgets the request log and the rate window's history. */
  resetLog(): void;
  close(): Promise<void>;
}

export async function startEmulator(o: EmulatorOptions = {}): Promise<Emulator> {
  const state = o.state ?? demoState();
  const options = { latencyMs: o.latencyMs ?? 0, rate: o.rate, behaviour: { ...defaultBehaviour(), ...o.behaviour } };
  const faults: (Fault & { left: number })[] = [];
  let log: LogEntry[] = [];
  let accepted: number[] = []; // receive times of requests inside the rate window
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
    const entry: LogEntry = { method, path: rel, status: 0, time };
    log.push(entry);
    const text = await readBody(req);

    const fault = takeFault(method, rel);
    if (fault) entry.fault = fault.action ?? 'respond';
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (options.latencyMs > 0) await sleep(options.latencyMs);
    if (fault?.action === 'hang') return;
    if (fault?.action === 'reset') {
      o.onLog?.(entry);
      return void req.socket.destroy();
    }
    if (fault && (fault.action ?? 'respond') === 'respond' && fault.status !== undefined) {
      const h =
        fault.status === 429
          ? { ...rateHeaders(fault.retryAfter ?? 1, 0), 'retry-after': String(fault.retryAfter ?? 1) }
          : {};
      send(res, entry, faultResponse(fault), h);
      return void o.onLog?.(entry);
    }

    const limited = rateCheck();
    if (limited) {
      send(res, entry, failure(429, 971, 'Please wait and consider throttling your request speed'), limited);
      return void o.onLog?.(entry);
    }

    const out = answer(req, method, rawUrl, rel, text);
    const headers = options.rate
      ? rateHeaders(windowReset(), Math.max(0, options.rate.requests - accepted.length))
      : {};
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
    if (!authorised(req)) return failure(401, 10000, 'Authentication error');
    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return failure(400, 6007, 'Malformed JSON in request body');
      }
    }
    const u = new URL(rel, 'http://emulator.invalid');
    return route(state, options.behaviour, { method, path: u.pathname, query: u.searchParams, body });
  }

  function authorised(req: IncomingMessage): boolean {
    const auth = req.headers.authorization;
    if (typeof auth === 'string' && auth.startsWith('Bearer ')) return state.tokens.includes(auth.slice(7));
    const email = req.headers['x-auth-email'];
    const key = req.headers['x-auth-key'];
    return state.keys.some((k) => k.email === email && k.key === key);
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

  /** Counts the request in the sliding window; returns 429 headers when the window is spent. */
  function rateCheck(): Record<string, string> | undefined {
    if (!options.rate) return undefined;
    const now = Date.now();
    const w = options.rate.seconds * 1000;
    accepted = accepted.filter((t) => t + w > now);
    if (accepted.length >= options.rate.requests) return rateHeaders(windowReset(), 0);
    accepted.push(now);
    return undefined;
  }

  /** Seconds until the oldest request leaves the window. */
  function windowReset(): number {
    if (!options.rate || accepted.length === 0) return 0;
    return Math.max(0, ((accepted[0] as number) + options.rate.seconds * 1000 - Date.now()) / 1000);
  }

  function rateHeaders(resetSeconds: number, remaining: number): Record<string, string> {
    const h: Record<string, string> = {
      'x-ratelimit-limit': String(options.rate?.requests ?? 1200),
      'x-ratelimit-remaining': String(remaining),
      // RFC 1123 date, rounded up so its whole-second resolution never ends the pause early.
      'x-ratelimit-reset': new Date(Math.ceil((Date.now() + resetSeconds * 1000) / 1000) * 1000).toUTCString(),
    };
    if (remaining === 0) h['retry-after'] = String(Math.max(1, Math.ceil(resetSeconds)));
    return h;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}${API_PREFIX}`,
    port,
    state,
    options,
    addFault: (f) => faults.push({ ...f, left: f.times ?? 1 }),
    clearFaults: () => void faults.splice(0),
    requests: () => [...log],
    resetLog: () => {
      log = [];
      accepted = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
