/**
 * Scenarios that talk to the emulator over real HTTP: plan (read live state + build the plan) and
 * apply of a saved plan (staleness re-read + executor). The emulator runs in this process with a
 * fixed latency and rate window; the client is the one the CLI uses.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executePlan } from '../src/apply/executor.js';
import { checkStaleness } from '../src/apply/stale.js';
import { createAccountApi, type AccountApiHandle } from '../src/cloudflare/account.js';
import { CloudflareClient, type ClientStats } from '../src/cloudflare/client.js';
import { loadDesiredStateFromString } from '../src/config/load.js';
import type { DesiredState } from '../src/config/types.js';
import { DEMO_ACCOUNT_ID, DEMO_TOKEN, type EmulatorState } from '../src/emulator/model.js';
import { LEGACY_RATE_LIMITS, startEmulator, type Emulator } from '../src/emulator/server.js';
import { buildPlan } from '../src/plan/build.js';
import { parsePlanFile, encodePlanFile } from '../src/plan/planfile.js';
import { readLiveState } from '../src/state/read.js';
import { lowerBound, planRequestLimit, type RateWindow } from './bound.js';
import { accountState, desiredYaml, managedZoneNames } from './fixtures.js';
import { repeatedRequests, sampleMemory, timed } from './measure.js';
import type { ScenarioResult, TargetCheck } from './types.js';

export interface ApiScenarioOptions {
  id: string;
  title: string;
  managed: number; // zones the file manages
  account: number; // zones in the account
  latencyMs: number;
  /** The client's budget (and the bound's window). */
  budget: RateWindow;
  /** The emulator's rate window (Cloudflare's 1200 per 300 s unless scaled down). */
  serverRate: RateWindow;
  concurrency: number;
  /** Concurrency the lower bound assumes (the naive client is compared with the real one's). */
  boundConcurrency?: number;
  /** Skip the 1.2× wall-time target (the naive client is not held to it). */
  noWallTarget?: boolean;
  /** Peak memory target in MB. */
  memoryTargetMb?: number;
}

/** Cloudflare's own window, which the emulator enforces unless a scenario scales it down. */
export const CLOUDFLARE_WINDOW: RateWindow = { requests: 1200, seconds: 300 };
/** acns's default client budget. */
export const DEFAULT_BUDGET: RateWindow = { requests: 1000, seconds: 300 };

/**
 * The emulator's rate limiting for a scenario: the window it states, with the older headers and
 * 429s (x-ratelimit-*, no five-minute block, no per-IP limit) that the client reads today, so the
 * figures stay comparable with earlier runs.
 */
function serverLimits(o: ApiScenarioOptions) {
  return { ...LEGACY_RATE_LIMITS, rate: o.serverRate };
}

/** Scenarios 1 and 2: readLiveState + buildPlan for `managed` zones of an `account`-zone account. */
export async function runPlanScenario(o: ApiScenarioOptions): Promise<ScenarioResult> {
  const desired = loadDesired(desiredYaml({ zones: managedZoneNames(o.managed, o.account), accountDefault: true }));
  const emu = await startEmulator({ state: accountState(o.account), latencyMs: o.latencyMs, ...serverLimits(o) });
  const api = connect(emu, o);
  try {
    const mem = sampleMemory();
    const { value: plan, wallMs } = await timed(async () => buildPlan(desired, await readLiveState(desired, api)));
    const peak = mem.stop();
    const stats = api.stats();
    const log = emu.requests();
    const bound = lowerBound({
      requests: stats.requests,
      latencyMs: o.latencyMs,
      concurrency: o.boundConcurrency ?? o.concurrency,
      window: o.budget,
    });
    const limit = planRequestLimit(o.managed, o.account);
    const assigns = plan.steps.filter((s) => s.kind === 'assign_zone').length;
    const checks: TargetCheck[] = [
      {
        what: `requests ≤ ${limit} (managed + ⌈account / 50⌉ + 3)`,
        ok: stats.requests <= limit,
        detail: `${stats.requests}`,
      },
      ...commonChecks(stats.rateLimited, log, stats.requests),
      { what: `the plan switches all ${o.managed} zones`, ok: assigns === o.managed, detail: `${assigns}` },
      ...wallCheck(o, wallMs, bound.boundMs),
      ...memoryCheck(o, peak),
    ];
    return scenarioRow(o, { stats, wallMs, bound, limit, peak, checks });
  } finally {
    await api.close();
    await emu.close();
  }
}

/**
 * Scenario 3: plan `managed` zones onto set 1 (whose names exist; glue check off), save the plan as
 * JSON, read it back, then measure what `acns apply plan.json` does: the staleness re-read and the
 * executor, with a fresh client as a new process would have.
 */
export async function runApplyScenario(o: ApiScenarioOptions): Promise<ScenarioResult> {
  const desired = loadDesired(desiredYaml({ zones: managedZoneNames(o.managed, o.account) }));
  const state: EmulatorState = accountState(o.account, true);
  const emu = await startEmulator({ state, latencyMs: o.latencyMs, ...serverLimits(o) });
  const dir = mkdtempSync(join(tmpdir(), 'acns-bench-'));
  try {
    const planner = connect(emu, o);
    const planned = buildPlan(desired, await readLiveState(desired, planner));
    await planner.close();
    const file = join(dir, 'plan.json');
    writeFileSync(file, encodePlanFile(planned, { toolVersion: 'bench', createdAt: new Date().toISOString() }));
    const plan = parsePlanFile(readFileSync(file, 'utf8'), file).plan;
    const before = emu.requests().length;

    const api = connect(emu, o);
    try {
      const mem = sampleMemory();
      const { value: result, wallMs } = await timed(async () => {
        const staleness = await checkStaleness(plan, api, { concurrency: o.concurrency });
        if (staleness.stale.length)
          throw new Error(`the saved plan is stale (${staleness.stale.length} objects): the benchmark setup is wrong`);
        return executePlan(plan, api, { alreadyDone: staleness.alreadyDone, concurrency: o.concurrency });
      });
      const peak = mem.stop();
      const stats = api.stats();
      const log = emu.requests().slice(before);
      const bound = lowerBound({
        requests: stats.requests,
        latencyMs: o.latencyMs,
        concurrency: o.concurrency,
        window: o.budget,
      });
      const limit = 2 * o.managed; // one re-read and one write per zone
      const switched = state.zones.filter((z) => z.nameservers.type === 'custom.account').length;
      const checks: TargetCheck[] = [
        {
          what: `requests ≤ ${limit} (one re-read + one write per zone)`,
          ok: stats.requests <= limit,
          detail: `${stats.requests}`,
        },
        ...commonChecks(stats.rateLimited, log, stats.requests),
        {
          what: `apply switched all ${o.managed} zones (exit 0)`,
          ok: result.exitCode === 0 && switched === o.managed,
          detail: `${switched} switched, exit ${result.exitCode}`,
        },
        ...wallCheck(o, wallMs, bound.boundMs),
        ...memoryCheck(o, peak),
      ];
      return scenarioRow(o, { stats, wallMs, bound, limit, peak, checks }, { planRequests: before });
    } finally {
      await api.close();
    }
  } finally {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function loadDesired(yaml: string): DesiredState {
  const res = loadDesiredStateFromString(yaml, 'bench.yaml', { cwd: process.cwd(), env: {}, requireAccountId: true });
  if (!res.ok)
    throw new Error(
      `the generated desired-state file is invalid: ${res.errors
        .slice(0, 3)
        .map((d) => `${d.line}:${d.col} ${d.message}`)
        .join('; ')}`,
    );
  return res.state;
}

function connect(emu: Emulator, o: ApiScenarioOptions): AccountApiHandle {
  const client = new CloudflareClient({
    baseUrl: emu.url,
    credentials: { kind: 'token', token: DEMO_TOKEN },
    requestsPerWindow: o.budget.requests,
    windowSeconds: o.budget.seconds,
    concurrency: o.concurrency,
  });
  return createAccountApi({ client, accountId: DEMO_ACCOUNT_ID, endpoints: 'dns_settings' });
}

function commonChecks(rateLimited: number, log: ReturnType<Emulator['requests']>, requests: number): TargetCheck[] {
  const repeated = repeatedRequests(log);
  return [
    { what: 'zero 429s', ok: rateLimited === 0, detail: `${rateLimited}` },
    {
      what: 'no request repeated',
      ok: repeated.length === 0,
      detail: repeated.length ? `${repeated.length}, e.g. ${repeated[0]}` : undefined,
    },
    {
      what: 'the emulator saw what the client counted',
      ok: log.length === requests,
      detail: log.length === requests ? undefined : `${log.length} vs ${requests}`,
    },
  ];
}

function wallCheck(o: ApiScenarioOptions, wallMs: number, boundMs: number): TargetCheck[] {
  if (o.noWallTarget) return [];
  const ratio = wallMs / boundMs;
  return [{ what: 'wall time ≤ 1.2 × lower bound', ok: ratio <= 1.2, detail: `${ratio.toFixed(2)}×` }];
}

function memoryCheck(o: ApiScenarioOptions, peakBytes: number): TargetCheck[] {
  if (!o.memoryTargetMb) return [];
  const mb = peakBytes / (1024 * 1024);
  return [
    {
      what: `peak RSS < ${o.memoryTargetMb} MB (emulator included)`,
      ok: mb < o.memoryTargetMb,
      detail: `${Math.round(mb)} MB`,
    },
  ];
}

function params(o: ApiScenarioOptions): Record<string, unknown> {
  return {
    managedZones: o.managed,
    accountZones: o.account,
    latencyMs: o.latencyMs,
    concurrency: o.concurrency,
    budget: o.budget,
    serverRate: o.serverRate,
    ...(o.boundConcurrency ? { boundConcurrency: o.boundConcurrency } : {}),
  };
}

/** The row of one API scenario: what the client counted, the time against its bound, the checks. */
function scenarioRow(
  o: ApiScenarioOptions,
  m: {
    stats: ClientStats;
    wallMs: number;
    bound: ReturnType<typeof lowerBound>;
    limit: number;
    peak: number;
    checks: TargetCheck[];
  },
  extraParams: Record<string, unknown> = {},
): ScenarioResult {
  return {
    id: o.id,
    title: o.title,
    requests: m.stats.requests,
    rateLimited: m.stats.rateLimited,
    retries: m.stats.retries,
    wallMs: m.wallMs,
    lowerBoundMs: m.bound.boundMs,
    limitedBy: m.bound.limitedBy,
    requestLimit: m.limit,
    peakRssBytes: m.peak,
    params: { ...params(o), ...extraParams },
    checks: m.checks,
  };
}
