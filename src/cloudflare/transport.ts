/**
 * The bottom of the client: one attempt over an undici dispatcher (a keep-alive Pool, or an
 * injected one such as MockAgent). Network failures become TransportError (retried by the layer
 * above when safe); anything else — a refused plain-http target, a programming error — is thrown
 * as it is, never retried.
 */
import type { Dispatcher } from 'undici';
import type { BaseUrl } from './credentials.js';
import { PlainHttpRefusedError } from './credentials.js';
import { type ApiRequest, type RawResponse, type Send, rayOf, TransportError } from './layers.js';

export interface TransportOptions {
  dispatcher: Dispatcher;
  baseUrl: BaseUrl;
  timeoutMs: number;
}

/** undici and system error codes that mean "no usable answer arrived". */
const NETWORK_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_ABORTED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

export function transport(o: TransportOptions): Send {
  return async (req: ApiRequest): Promise<RawResponse> => {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'acns', ...req.headers };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await o.dispatcher.request({
        origin: o.baseUrl.origin,
        path: o.baseUrl.prefix + req.path,
        method: req.method,
        headers,
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        headersTimeout: o.timeoutMs,
        bodyTimeout: o.timeoutMs,
      });
      const text = await res.body.text();
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      const out: RawResponse = { status: res.statusCode, headers: res.headers, json };
      const ray = rayOf(res.headers);
      if (ray) out.rayId = ray;
      return out;
    } catch (err) {
      const refused = findRefusal(err);
      if (refused) throw refused;
      const code = errorCode(err);
      if (isNetworkCode(code)) throw new TransportError(code, err instanceof Error ? err.message : String(err));
      throw err;
    }
  };
}

function isNetworkCode(code: string | undefined): code is string {
  if (code === undefined) return false;
  // System errors (ECONNRESET, EAI_AGAIN…); Node's own ERR_* codes are programming errors.
  return NETWORK_CODES.has(code) || (/^E[A-Z0-9_]+$/.test(code) && !code.startsWith('ERR_'));
}

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return undefined;
}

/** The loopback check at connect time fails the connection with a PlainHttpRefusedError. */
function findRefusal(err: unknown): PlainHttpRefusedError | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && typeof e === 'object' && e !== null; i++) {
    if (e instanceof PlainHttpRefusedError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
