/**
 * Measuring one scenario in the current process: wall time, peak memory (rss sampled every few
 * milliseconds, and the kernel's maxRSS for the process), and what the emulator's request log says
 * about repeated requests.
 */
import { performance } from 'node:perf_hooks';
import type { LogEntry } from '../src/emulator/server.js';

export interface MemorySampler {
  /** Stops sampling; the peak of the samples and of resourceUsage().maxRSS, in bytes. */
  stop(): number;
}

export interface Timed<T> {
  value: T;
  wallMs: number;
}

/** Samples process.memoryUsage.rss() every `intervalMs` until stop(). */
export function sampleMemory(intervalMs = 20): MemorySampler {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return Math.max(peak, maxRssBytes());
    },
  };
}

/** The process's peak resident set so far (Linux and macOS report maxRSS in KiB). */
export function maxRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<Timed<T>> {
  const t0 = performance.now();
  const value = await fn();
  return { value, wallMs: performance.now() - t0 };
}

/**
 * Requests the server answered successfully more than once (same method and path, query included).
 * A read repeated after a 429 or 5xx is allowed, so only 2xx answers are counted.
 */
export function repeatedRequests(log: LogEntry[]): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const e of log) {
    if (e.status < 200 || e.status >= 300) continue;
    const key = `${e.method} ${e.path}`;
    if (seen.has(key)) repeated.push(key);
    else seen.add(key);
  }
  return repeated;
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Where a run's time went, from the emulator's request log (times in ms since the epoch). */
export interface Timeline {
  requests: number;
  rateLimited: number;
  /** From `since` (the process's spawn, or the run's start) to the first request received. */
  firstRequestMs?: number;
  /** From the first request received to the last answer written. */
  spanMs?: number;
  /** Requests received over that span, per second. */
  perSecond?: number;
  /** The most requests received within any one second (Cloudflare refuses the 201st). */
  busiestSecond: number;
  /** Most requests in flight at once (received, not yet answered). */
  maxInFlight: number;
}

export function timeline(log: LogEntry[], since: number): Timeline {
  const times = log.map((e) => e.time).sort((a, b) => a - b);
  let busiest = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= 1000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  const events: [number, number][] = [];
  for (const e of log) {
    events.push([e.time, 1]);
    if (e.answeredAt !== undefined) events.push([e.answeredAt, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let flying = 0;
  let maxInFlight = 0;
  for (const [, d] of events) maxInFlight = Math.max(maxInFlight, (flying += d));
  const out: Timeline = {
    requests: log.length,
    rateLimited: log.filter((e) => e.status === 429).length,
    busiestSecond: busiest,
    maxInFlight,
  };
  if (times.length) {
    const first = times[0] as number;
    const last = Math.max(...log.map((e) => e.answeredAt ?? e.time));
    out.firstRequestMs = first - since;
    out.spanMs = last - first;
    out.perSecond = out.spanMs > 0 ? (times.length / out.spanMs) * 1000 : undefined;
  }
  return out;
}
