/**
 * The benchmark's scenarios, in the order they run and print, with full and --quick
 * sizes. Each runs in its own child process so its peak memory is its own.
 */
import { runApplyScenario, runPlanCliScenario, runPlanScenario } from './api-scenarios.js';
import { runPurePlanScenario, runValidateScenario } from './cpu-scenarios.js';
import { runGlueScenario } from './dns-scenarios.js';
import { runStartupScenario } from './startup.js';
import type { ScenarioResult } from './types.js';

export interface Scenario {
  id: string;
  run(quick: boolean): Promise<ScenarioResult>;
}

export interface Sizes {
  plan: { managed: number; account: number };
  /** Bound by Cloudflare's window of 1,200 requests per 300 s (run on a clock that skips its idle waits). */
  planLarge: { managed: number; account: number };
  /** A plan whose deletions empty a set: every zone of the account is read (stays within one window). */
  planShrink: { managed: number; account: number };
  apply: { managed: number; account: number };
  purePlan: number;
  validate: number;
  startupRuns: number;
  /** Zones of the file `acns validate` start-up reads. */
  startupZones: number;
  glueSets: number;
}

export const FULL: Sizes = {
  plan: { managed: 500, account: 2000 },
  planLarge: { managed: 5000, account: 20_000 },
  planShrink: { managed: 250, account: 1000 },
  apply: { managed: 300, account: 2000 },
  purePlan: 100_000,
  validate: 10_000,
  startupRuns: 7,
  startupZones: 1000,
  glueSets: 5,
};

export const QUICK: Sizes = {
  plan: { managed: 100, account: 400 },
  planLarge: { managed: 1300, account: 2000 },
  planShrink: { managed: 50, account: 200 },
  apply: { managed: 60, account: 400 },
  purePlan: 10_000,
  validate: 1000,
  startupRuns: 3,
  startupZones: 1000,
  glueSets: 5,
};

export function sizes(quick: boolean): Sizes {
  return quick ? QUICK : FULL;
}

/** A scenario whose runner takes its id among its options: the id is written once. */
function scenario<O extends { id: string }>(
  id: string,
  runner: (o: O) => Promise<ScenarioResult>,
  options: (s: Sizes) => Omit<O, 'id'>,
): Scenario {
  return { id, run: (q) => runner({ ...options(sizes(q)), id } as O) };
}

/** `acns plan` as a whole process at one round trip. */
function planAt(latencyMs: number, id: string, n: string): Scenario {
  return scenario(id, runPlanCliScenario, ({ plan: s }) => ({
    title: `${n}. acns plan ${s.managed} of ${s.account} zones, ${latencyMs} ms`,
    ...s,
    latencyMs,
    wallTarget: 1.1,
    startupRuns: 3,
  }));
}

export const SCENARIOS: Scenario[] = [
  planAt(10, 'plan-10ms', '1a'),
  planAt(50, 'plan', '1b'),
  planAt(100, 'plan-100ms', '1c'),
  scenario('plan-naive', runPlanScenario, ({ plan: s }) => ({
    title: '1n. plan, 50 ms, naive client (sequential)',
    ...s,
    latencyMs: 50,
    concurrency: 1,
    boundConcurrency: 64,
  })),
  scenario('plan-large', runPlanScenario, ({ planLarge: s }) => ({
    title: `2. plan ${s.managed} of ${s.account} zones, 1200/300 s`,
    ...s,
    latencyMs: 50,
    warp: true,
    wallTarget: 1.03,
    memoryTargetMb: 300,
  })),
  scenario('plan-shrink', runPlanScenario, ({ planShrink: s }) => ({
    title: `2s. plan ${s.managed} of ${s.account} zones emptying a set`,
    ...s,
    latencyMs: 50,
    shrink: true,
    wallTarget: 1.1,
  })),
  scenario('apply', runApplyScenario, ({ apply: s }) => ({
    title: `3. apply saved plan, ${s.managed} zones, 50 ms`,
    ...s,
    latencyMs: 50,
    wallTarget: 1.1,
  })),
  scenario('glue-fixture', runGlueScenario, (s) => ({
    title: `6a. acns glue, ${s.glueSets} sets, local DNS fixture`,
    sets: s.glueSets,
    dns: 'fixture' as const,
    targetMs: 1000,
  })),
  scenario('glue-blackholed', runGlueScenario, (s) => ({
    title: `6b. acns glue, ${s.glueSets} sets, DNS blackholed`,
    sets: s.glueSets,
    dns: 'blackholed' as const,
    targetMs: 12_000,
  })),
  {
    id: 'pure-plan',
    run: (q) => runPurePlanScenario('pure-plan', `4a. pure planning, ${sizes(q).purePlan} zones`, sizes(q).purePlan),
  },
  {
    id: 'validate',
    run: (q) => runValidateScenario('validate', `4b. validate a ${sizes(q).validate}-zone file`, sizes(q).validate),
  },
  scenario('startup-validate', runStartupScenario, (s) => ({
    title: `5a. acns validate, ${s.startupZones} zones`,
    args: ['validate'],
    runs: s.startupRuns,
    targetMs: 300,
    zones: s.startupZones,
  })),
  scenario('startup-version', runStartupScenario, (s) => ({
    title: '5b. acns --version',
    args: ['--version'],
    runs: s.startupRuns,
    targetMs: 120,
    zones: 1,
  })),
];
