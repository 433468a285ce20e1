/**
 * Scenarios that talk to the emulator over real HTTP, with Cloudflare's limits (per-user window of
 * 1,200 requests per 300 s with its five-minute block, 200 requests per second per IP, the current
 * `Ratelimit` / `Ratelimit-Policy` headers) and a fixed round trip:
 * - `acns plan` as a whole process (the CLI spawned against the emulator, start-up included);
 * - plan in this process, for the naive client, for the window-bound account (on a clock that skips
 *   the idle minutes the window forces, see warp.ts) and for a plan whose deletions shrink a set;
 * - `acns apply plan.json` in this process: the staleness re-read and the executor.
 * The emulator's request log is the independent record: requests, 429s, repeats, the timeline.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executePlan } from '../src/apply/executor.js';
import { checkStaleness } from '../src/apply/stale.js';
import { createAccountApi, type AccountApiHandle } from '../src/cloudflare/account.js';
import { CloudflareClient } from '../src/cloudflare/client.js';
import type { Clock } from '../src/cloudflare/clock.js';
import { loadDesiredStateFromString } from '../src/config/load.js';
import type { DesiredState } from '../src/config/types.js';
import { DEMO_ACCOUNT_ID, DEMO_TOKEN, type EmulatorState } from '../src/emulator/model.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { readAndPlan } from '../src/operations/plan.js';
import { SILENT_PROGRESS } from '../src/operations/session.js';
import { buildPlan } from '../src/plan/build.js';
import { encodePlanFile, parsePlanFile } from '../src/plan/planfile.js';
import type { Plan } from '../src/plan/types.js';
import { readLiveState } from '../src/state/read.js';
import { expectedPlanRequests, lowerBound, type LowerBound, type RateWindow } from './bound.js';
import { nodeRunner } from './child.js';
import { accountState, accountZoneName, desiredYaml, managedZoneNames } from './fixtures.js';
import { median, repeatedRequests, sampleMemory, timeline, timed, type Timeline } from './measure.js';
import type { ScenarioResult, TargetCheck } from './types.js';
import { WarpClock } from './warp.js';

/** Cloudflare's per-IP limit. */
export const PER_IP_PER_SECOND = 200;
/** Cloudflare's per-user window, which the emulator enforces. */
export const CLOUDFLARE_WINDOW: RateWindow = { requests: 1200, seconds: 300 };
/** The client's default maximum in flight (it keeps fewer when the round trip allows). */
export const CONCURRENCY = 64;

export interface ApiScenarioOptions {
  id: string;
  title: string;
  managed: number; // zones the file manages
  account: number; // zones in the account
  latencyMs: number;
  /** Most requests in flight the client may keep (its default unless a scenario says otherwise). */
  concurrency?: number;
  /** Concurrency the floor assumes (the naive client is compared with the real one's). */
  boundConcurrency?: number;
  /** wall ≤ this × floor (+ start-up for whole processes); omitted: no wall-time target. */
  wallTarget?: number;
  /** Peak memory target in MB. */
  memoryTargetMb?: number;
  /** Start-up runs (`acns validate` of the same file) for a whole-process scenario. */
  startupRuns?: number;
}

/** The exact requests of the bench's plans: every managed zone exists; the file manages the default. */
function planShape(o: { managed: number; account: number }, accountDefault: boolean, extra = 0) {
  const names = new Set(managedZoneNames(o.managed, o.account));
  let onFirstPage = 0;
  for (let i = 1; i <= Math.min(50, o.account); i++) if (names.has(accountZoneName(i))) onFirstPage++;
  return expectedPlanRequests({ ...o, onFirstPage, accountDefault, extraSettingsReads: extra });
}

function floor(requests: number, latencyMs: number, concurrency: number): LowerBound {
  return lowerBound({ requests, latencyMs, concurrency, window: CLOUDFLARE_WINDOW, perSecond: PER_IP_PER_SECOND });
}

/** `acns plan` as a whole process: start-up, reading 500 of 2,000 zones and planning, then exit. */
export async function runPlanCliScenario(o: ApiScenarioOptions): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), 'acns-bench-'));
  const runner = nodeRunner(dir);
  const emu = await startEmulator({ state: accountState(o.account), latencyMs: o.latencyMs });
  try {
    writeFileSync(
      join(dir, 'acns.yaml'),
      desiredYaml({ zones: managedZoneNames(o.managed, o.account), accountDefault: true }),
    );
    // For comparison: `acns validate` of the same file (node, the CLI, the file; no HTTP client).
    const validations = [];
    for (let i = 0; i < (o.startupRuns ?? 3); i++) validations.push(await runner.run(['validate', '-c', 'acns.yaml']));
    const validateMs = median(validations.map((r) => r.wallMs));
    const env = { CLOUDFLARE_BASE_URL: emu.url, CLOUDFLARE_API_TOKEN: DEMO_TOKEN };
    const run = await runner.run(['plan', '-c', 'acns.yaml', '--format', 'json'], { env });
    const log = emu.requests();
    const tl = timeline(log, run.spawnedAt);
    // Start-up: from spawn to the first request the emulator received (node, the CLI, the file, the
    // HTTP client); what follows is the reading and planning the floor is about, and the exit.
    const startupMs = tl.firstRequestMs ?? 0;
    let plan: Plan | undefined;
    try {
      plan = parsePlanFile(run.stdout, 'stdout').plan;
    } catch {
      plan = undefined;
    }
    const expected = planShape(o, true);
    const bound = floor(tl.requests, o.latencyMs, o.concurrency ?? CONCURRENCY);
    const assigns = plan?.steps.filter((s) => s.kind === 'assign_zone').length ?? 0;
    const target = o.wallTarget ?? 1.1;
    const allowed = target * bound.boundMs + startupMs;
    const checks: TargetCheck[] = [
      {
        what: 'exits 0 with the plan on stdout',
        ok: run.code === 0 && plan !== undefined,
        detail: run.code === 0 ? undefined : `exit ${run.code}: ${run.stderr.trim().split('\n').slice(-2).join(' / ')}`,
      },
      ...requestChecks(log, expected, 'custom_ns + zone pages + settings per zone + default'),
      { what: `the plan switches all ${o.managed} zones`, ok: assigns === o.managed, detail: `${assigns}` },
      {
        what: `wall ≤ ${target} × floor + start-up (${Math.round(startupMs)} ms to the first request)`,
        ok: run.wallMs <= allowed,
        detail:
          `${Math.round(run.wallMs)} ms against ${Math.round(allowed)} ms; ` +
          `${((run.wallMs - startupMs) / bound.boundMs).toFixed(3)}× after start-up`,
      },
    ];
    return {
      ...measured(o, tl, expected, bound, run.wallMs, run.maxRssBytes),
      cpuMs: run.cpuMs,
      startupMs,
      params: {
        ...params(o),
        validateMs: Math.round(validateMs),
        validateRunsMs: validations.map((r) => Math.round(r.wallMs)),
        timeline: rounded(tl),
      },
      checks,
    };
  } finally {
    await emu.close();
    runner.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Plan in this process (readLiveState + buildPlan, or readAndPlan when `shrink`): the naive client,
 * the window-bound account on a warp clock, and a plan whose deletions empty a set.
 */
export async function runPlanScenario(
  o: ApiScenarioOptions & { warp?: boolean; shrink?: boolean },
): Promise<ScenarioResult> {
  const accountDefault = !o.shrink;
  const desired = loadDesired(
    desiredYaml({
      zones: managedZoneNames(o.managed, o.account),
      accountDefault,
      ...(o.shrink ? { prune: true } : {}),
    }),
  );
  const clock = o.warp ? new WarpClock() : undefined;
  const state = accountState(o.account, Boolean(o.shrink), Boolean(o.shrink));
  const emu = await startEmulator({ state, latencyMs: o.latencyMs, ...(clock ? { clock: clock.now } : {}) });
  const api = connect(emu, o, clock);
  try {
    const mem = sampleMemory();
    const now = clock?.now ?? Date.now;
    const start = now();
    const t0 = Date.now();
    const { value: plan } = await timed(async () =>
      o.shrink
        ? (await readAndPlan({ env: {}, cwd: tmpdir(), progress: SILENT_PROGRESS, warn: () => {} }, desired, api)).plan
        : buildPlan(desired, await readLiveState(desired, api)),
    );
    const wallMs = now() - start;
    const peak = mem.stop();
    const log = emu.requests();
    const tl = timeline(log, t0);
    // A shrinking plan reads every zone of the account once (the managed ones as usual, the others
    // to find the users of the set) and the account default; the listing is the one already made.
    const expected = o.shrink ? planShape(o, false, o.account - o.managed) + 1 : planShape(o, accountDefault);
    const bound = floor(tl.requests, o.latencyMs, o.boundConcurrency ?? o.concurrency ?? CONCURRENCY);
    const assigns = plan.steps.filter((s) => s.kind === 'assign_zone').length;
    const deletes = plan.steps.filter((s) => s.kind === 'delete_nameserver').length;
    const checks: TargetCheck[] = [
      ...requestChecks(
        log,
        expected,
        o.shrink
          ? 'custom_ns + zone pages + a settings read per zone of the account + default'
          : 'custom_ns + zone pages + settings per zone + default',
      ),
      { what: `the plan switches all ${o.managed} zones`, ok: assigns === o.managed, detail: `${assigns}` },
      ...(o.shrink ? [{ what: "the plan deletes set 2's 3 names", ok: deletes === 3, detail: `${deletes}` }] : []),
      ...wallCheck(o, wallMs, bound.boundMs),
      ...memoryCheck(o, peak),
    ];
    return {
      ...measured(o, tl, expected, bound, wallMs, peak),
      params: {
        ...params(o),
        timeline: rounded(tl),
        ...(clock ? { realMs: Math.round(Date.now() - t0), skippedMs: Math.round(clock.skippedMs) } : {}),
      },
      checks,
    };
  } finally {
    await api.close();
    await emu.close();
  }
}

/**
 * Plan `managed` zones onto set 1 (whose names exist; glue check off), save the plan as JSON, read
 * it back, then measure what `acns apply plan.json` does: the staleness re-read and the executor,
 * with a fresh client as a new process would have.
 */
export async function runApplyScenario(o: ApiScenarioOptions): Promise<ScenarioResult> {
  const desired = loadDesired(desiredYaml({ zones: managedZoneNames(o.managed, o.account) }));
  const state: EmulatorState = accountState(o.account, true);
  const emu = await startEmulator({ state, latencyMs: o.latencyMs });
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
      const t0 = Date.now();
      const concurrency = o.concurrency ?? CONCURRENCY;
      const { value: result, wallMs } = await timed(async () => {
        // as `acns apply plan.json` does: the re-read is bounded by the client's budget alone
        const staleness = await checkStaleness(plan, api);
        if (staleness.stale.length)
          throw new Error(`the saved plan is stale (${staleness.stale.length} objects): the benchmark setup is wrong`);
        return executePlan(plan, api, { alreadyDone: staleness.alreadyDone, concurrency });
      });
      const peak = mem.stop();
      const log = emu.requests().slice(before);
      const tl = timeline(log, t0);
      const bound = floor(tl.requests, o.latencyMs, concurrency);
      // the names (the plan's preconditions name them), the zones' ids again (the cheapest way, as a
      // plan finds them), one re-read and one write per zone
      const expected = planShape(o, false) + o.managed;
      const switched = state.zones.filter((z) => z.nameservers.type === 'custom.account').length;
      const checks: TargetCheck[] = [
        ...requestChecks(log, expected, 'custom_ns + zone lookups + one re-read and one write per zone'),
        {
          what: `apply switched all ${o.managed} zones (exit 0)`,
          ok: result.exitCode === 0 && switched === o.managed,
          detail: `${switched} switched, exit ${result.exitCode}`,
        },
        ...wallCheck(o, wallMs, bound.boundMs),
        ...memoryCheck(o, peak),
      ];
      return {
        ...measured(o, tl, expected, bound, wallMs, peak),
        params: { ...params(o), planRequests: before, timeline: rounded(tl) },
        checks,
      };
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

/** The client as the CLI builds it: its defaults (budget, pace, in flight), unless a scenario sets concurrency. */
function connect(emu: Emulator, o: ApiScenarioOptions, clock?: Clock): AccountApiHandle {
  const client = new CloudflareClient({
    baseUrl: emu.url,
    credentials: { kind: 'token', token: DEMO_TOKEN },
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(clock ? { clock } : {}),
  });
  return createAccountApi({ client, accountId: DEMO_ACCOUNT_ID, endpoints: 'dns_settings' });
}

/** Exact request count, zero 429s, nothing read twice. */
function requestChecks(log: ReturnType<Emulator['requests']>, expected: number, what: string): TargetCheck[] {
  const repeated = repeatedRequests(log);
  const limited = log.filter((e) => e.status === 429).length;
  return [
    { what: `requests = ${expected} (${what})`, ok: log.length === expected, detail: `${log.length}` },
    { what: 'zero 429s', ok: limited === 0, detail: `${limited}` },
    {
      what: 'no request repeated',
      ok: repeated.length === 0,
      detail: repeated.length ? `${repeated.length}, e.g. ${repeated[0]}` : undefined,
    },
  ];
}

function wallCheck(o: ApiScenarioOptions, wallMs: number, boundMs: number): TargetCheck[] {
  if (o.wallTarget === undefined) return [];
  const ratio = wallMs / boundMs;
  return [{ what: `wall ≤ ${o.wallTarget} × floor`, ok: ratio <= o.wallTarget, detail: `${ratio.toFixed(3)}×` }];
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
    concurrency: o.concurrency ?? CONCURRENCY,
    serverWindow: CLOUDFLARE_WINDOW,
    perIpPerSecond: PER_IP_PER_SECOND,
    ...(o.boundConcurrency ? { boundConcurrency: o.boundConcurrency } : {}),
  };
}

/** What every API scenario reports: its requests against the expected count, and its time against the floor. */
function measured(
  o: { id: string; title: string },
  tl: Timeline,
  expectedRequests: number,
  bound: ReturnType<typeof floor>,
  wallMs: number,
  peakRssBytes: number,
): Pick<
  ScenarioResult,
  | 'id'
  | 'title'
  | 'requests'
  | 'expectedRequests'
  | 'rateLimited'
  | 'wallMs'
  | 'lowerBoundMs'
  | 'limitedBy'
  | 'peakRssBytes'
> {
  return {
    id: o.id,
    title: o.title,
    requests: tl.requests,
    expectedRequests,
    rateLimited: tl.rateLimited,
    wallMs,
    lowerBoundMs: bound.boundMs,
    limitedBy: bound.limitedBy,
    peakRssBytes,
  };
}

function rounded(t: Timeline): Record<string, number | undefined> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v === undefined ? v : Math.round(v)]));
}
