/**
 * The benchmark's scenarios, in the order they run and print, with full and --quick
 * sizes. Each runs in its own child process so its peak memory is its own.
 */
import { CLOUDFLARE_WINDOW, DEFAULT_BUDGET, runApplyScenario, runPlanScenario } from './api-scenarios.js';
import { runPurePlanScenario, runValidateScenario } from './cpu-scenarios.js';
import { runStartupScenario } from './startup.js';
import type { ScenarioResult } from './types.js';

export interface Scenario {
  id: string;
  run(quick: boolean): Promise<ScenarioResult>;
}

export interface Sizes {
  plan1: { managed: number; account: number };
  /** `window` is the client's budget; the emulator enforces 1.2 × as many, as Cloudflare's 1200 vs acns's 1000. */
  plan2: { managed: number; account: number; window: { requests: number; seconds: number } };
  apply: { managed: number; account: number };
  purePlan: number;
  validate: number;
  startupRuns: number;
}

export const LATENCY_MS = 50;
/** The client's default maximum in flight (it keeps fewer when the round trip allows). */
export const CONCURRENCY = 64;
/** "No budget model": a window so large it never binds. */
const UNLIMITED = { requests: 1_000_000_000, seconds: 300 };

export const FULL: Sizes = {
  plan1: { managed: 500, account: 2000 },
  plan2: { managed: 5000, account: 20_000, window: { requests: 300, seconds: 3 } },
  apply: { managed: 300, account: 2000 },
  purePlan: 100_000,
  validate: 10_000,
  startupRuns: 7,
};

export const QUICK: Sizes = {
  plan1: { managed: 100, account: 400 },
  plan2: { managed: 500, account: 2000, window: { requests: 300, seconds: 3 } },
  apply: { managed: 60, account: 400 },
  purePlan: 10_000,
  validate: 1000,
  startupRuns: 3,
};

export function sizes(quick: boolean): Sizes {
  return quick ? QUICK : FULL;
}

export const SCENARIOS: Scenario[] = [
  {
    id: 'plan',
    run: (q) => {
      const s = sizes(q).plan1;
      return runPlanScenario({
        id: 'plan',
        title: `1. plan ${s.managed} of ${s.account} zones`,
        ...s,
        latencyMs: LATENCY_MS,
        budget: DEFAULT_BUDGET,
        serverRate: CLOUDFLARE_WINDOW,
        concurrency: CONCURRENCY,
      });
    },
  },
  {
    id: 'plan-naive',
    run: (q) => {
      const s = sizes(q).plan1;
      return runPlanScenario({
        id: 'plan-naive',
        title: `1n. same, naive client (sequential)`,
        ...s,
        latencyMs: LATENCY_MS,
        budget: UNLIMITED,
        serverRate: CLOUDFLARE_WINDOW,
        concurrency: 1,
        boundConcurrency: CONCURRENCY,
        noWallTarget: true,
      });
    },
  },
  {
    id: 'plan-large',
    run: (q) => {
      const { window, ...s } = sizes(q).plan2;
      return runPlanScenario({
        id: 'plan-large',
        title: `2. plan ${s.managed} of ${s.account} zones, ${window.requests}/${window.seconds} s`,
        ...s,
        latencyMs: LATENCY_MS,
        budget: window,
        serverRate: { requests: Math.round(window.requests * 1.2), seconds: window.seconds },
        concurrency: CONCURRENCY,
        memoryTargetMb: 300,
      });
    },
  },
  {
    id: 'apply',
    run: (q) => {
      const s = sizes(q).apply;
      return runApplyScenario({
        id: 'apply',
        title: `3. apply saved plan, ${s.managed} zones`,
        ...s,
        latencyMs: LATENCY_MS,
        budget: DEFAULT_BUDGET,
        serverRate: CLOUDFLARE_WINDOW,
        concurrency: CONCURRENCY,
      });
    },
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
      runStartupScenario('startup-validate', '5a. `acns validate` start-up', ['validate'], sizes(q).startupRuns),
  },
  {
    id: 'startup-version',
    run: (q) =>
      runStartupScenario('startup-version', '5b. `acns --version` start-up', ['--version'], sizes(q).startupRuns),
  },
];
