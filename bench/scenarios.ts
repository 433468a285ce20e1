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

/** `acns plan` as a whole process at one round trip. */
function planAt(latencyMs: number, id: string, n: string): Scenario {
  return {
    id,
    run: (q) => {
      const s = sizes(q).plan;
      return runPlanCliScenario({
        id,
        title: `${n}. acns plan ${s.managed} of ${s.account} zones, ${latencyMs} ms`,
        ...s,
        latencyMs,
        wallTarget: 1.1,
        startupRuns: 3,
      });
    },
  };
}

export const SCENARIOS: Scenario[] = [
  planAt(10, 'plan-10ms', '1a'),
  planAt(50, 'plan', '1b'),
  planAt(100, 'plan-100ms', '1c'),
  {
    id: 'plan-naive',
    run: (q) => {
      const s = sizes(q).plan;
      return runPlanScenario({
        id: 'plan-naive',
        title: '1n. plan, 50 ms, naive client (sequential)',
        ...s,
        latencyMs: 50,
        concurrency: 1,
        boundConcurrency: 64,
      });
    },
  },
  {
    id: 'plan-large',
    run: (q) => {
      const s = sizes(q).planLarge;
      return runPlanScenario({
        id: 'plan-large',
        title: `2. plan ${s.managed} of ${s.account} zones, 1200/300 s`,
        ...s,
        latencyMs: 50,
        warp: true,
        wallTarget: 1.03,
        memoryTargetMb: 300,
      });
    },
  },
  {
    id: 'plan-shrink',
    run: (q) => {
      const s = sizes(q).planShrink;
      return runPlanScenario({
        id: 'plan-shrink',
        title: `2s. plan ${s.managed} of ${s.account} zones emptying a set`,
        ...s,
        latencyMs: 50,
        shrink: true,
        wallTarget: 1.1,
      });
    },
  },
  {
    id: 'apply',
    run: (q) => {
      const s = sizes(q).apply;
      return runApplyScenario({
        id: 'apply',
        title: `3. apply saved plan, ${s.managed} zones, 50 ms`,
        ...s,
        latencyMs: 50,
        wallTarget: 1.1,
      });
    },
  },
  {
    id: 'glue-fixture',
    run: (q) =>
      runGlueScenario({
        id: 'glue-fixture',
        title: `6a. acns glue, ${sizes(q).glueSets} sets, local DNS fixture`,
        sets: sizes(q).glueSets,
        dns: 'fixture',
        targetMs: 1000,
      }),
  },
  {
    id: 'glue-blackholed',
    run: (q) =>
      runGlueScenario({
        id: 'glue-blackholed',
        title: `6b. acns glue, ${sizes(q).glueSets} sets, DNS blackholed`,
        sets: sizes(q).glueSets,
        dns: 'blackholed',
        targetMs: 12_000,
      }),
  },
  {
    id: 'pure-plan',
    run: (q) => runPurePlanScenario('pure-plan', `4a. pure planning, ${sizes(q).purePlan} zones`, sizes(q).purePlan),
  },
  {
    id: 'validate',
    run: (q) => runValidateScenario('validate', `4b. validate a ${sizes(q).validate}-zone file`, sizes(q).validate),
  },
  {
    id: 'startup-validate',
    run: (q) =>
      runStartupScenario({
        id: 'startup-validate',
        title: `5a. acns validate, ${sizes(q).startupZones} zones`,
        args: ['validate'],
        runs: sizes(q).startupRuns,
        targetMs: 300,
        zones: sizes(q).startupZones,
      }),
  },
  {
    id: 'startup-version',
    run: (q) =>
      runStartupScenario({
        id: 'startup-version',
        title: '5b. acns --version',
        args: ['--version'],
        runs: sizes(q).startupRuns,
        targetMs: 120,
        zones: 1,
      }),
  },
];
