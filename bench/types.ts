/**
 * What one benchmark scenario reports: plain data, printed as a table and written to
 * bench/results.json.
 */

/** A performance target, checked on the measured figures. */
export interface TargetCheck {
  what: string; // "requests ≤ 543 (managed + ⌈account / 50⌉ + 3)"
  ok: boolean;
  detail?: string;
}

export interface ScenarioResult {
  id: string; // 'plan-500', 'plan-500-naive', …
  title: string; // one line for the table
  /** Requests the client sent (attempts, retries included); absent for scenarios without API traffic. */
  requests?: number;
  /** The exact count the scenario must make (see bound.ts). */
  expectedRequests?: number;
  rateLimited?: number; // 429 answers received
  retries?: number;
  wallMs: number;
  /** CPU time (user + system) of the measured process, for whole-process scenarios. */
  cpuMs?: number;
  /** Median start-up of the same process without the network (`acns validate` of the same file). */
  startupMs?: number;
  /** The physical floor on wall time (see bound.ts); absent for CPU-only scenarios. */
  lowerBoundMs?: number;
  limitedBy?: 'latency' | 'window' | 'per-IP';
  peakRssBytes: number;
  /** Scenario parameters (sizes, latency, window, concurrency) for results.json. */
  params: Record<string, unknown>;
  checks: TargetCheck[];
}

export interface BenchReport {
  tool: string; // 'acns 0.1.0'
  node: string;
  platform: string;
  cpus: number;
  quick: boolean;
  startedAt: string;
  totalMs: number;
  scenarios: ScenarioResult[];
}
