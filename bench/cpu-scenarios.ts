/**
 * Scenario 4: CPU-only work at scale, no network. Pure planning of a large account from in-memory
 * desired and live states, and validation of a large desired-state file from YAML text.
 */
import { loadDesiredStateFromString } from '../src/config/load.js';
import { buildPlan } from '../src/plan/build.js';
import { accountZoneName, desiredYaml, pureStates } from './fixtures.js';
import { sampleMemory, timed } from './measure.js';
import type { ScenarioResult, TargetCheck } from './types.js';

const TIME_TARGET_MS = 1000;
const MEMORY_TARGET_MB = 300;

/** buildPlan over `zones` zones (states built before the clock starts). */
export async function runPurePlanScenario(id: string, title: string, zones: number): Promise<ScenarioResult> {
  const mem = sampleMemory();
  const { desired, live } = pureStates(zones);
  const { value: plan, wallMs } = await timed(() => buildPlan(desired, live));
  const peak = mem.stop();
  const assigns = plan.steps.filter((s) => s.kind === 'assign_zone').length;
  const expected = desired.zones.filter(
    (z, i) => !(i % 5 === 0 && z.target.type === 'custom') && !(z.target.type === 'standard'),
  ).length;
  return {
    id,
    title,
    wallMs,
    peakRssBytes: peak,
    params: { zones, steps: plan.steps.length },
    checks: [
      { what: `the plan switches the ${expected} zones that differ`, ok: assigns === expected, detail: `${assigns}` },
      ...targets(wallMs, peak),
    ],
  };
}

/** loadDesiredStateFromString over a `zones`-zone file (text generated before the clock starts). */
export async function runValidateScenario(id: string, title: string, zones: number): Promise<ScenarioResult> {
  const mem = sampleMemory();
  const names = Array.from({ length: zones }, (_, i) => accountZoneName(i + 1));
  const yaml = desiredYaml({ zones: names, mix: true, accountDefault: true });
  const { value: res, wallMs } = await timed(() =>
    loadDesiredStateFromString(yaml, 'bench.yaml', { cwd: process.cwd(), env: {} }),
  );
  const peak = mem.stop();
  const loaded = res.ok ? res.state.zones.length : 0;
  const problems = res.ok
    ? ''
    : res.errors
        .slice(0, 2)
        .map((d) => `${d.line}:${d.col} ${d.message}`)
        .join('; ');
  return {
    id,
    title,
    wallMs,
    peakRssBytes: peak,
    params: { zones, bytes: Buffer.byteLength(yaml) },
    checks: [
      {
        what: `the ${zones}-zone file is valid`,
        ok: res.ok && loaded === zones,
        detail: res.ok ? `${loaded} zones` : problems,
      },
      ...targets(wallMs, peak),
    ],
  };
}

function targets(wallMs: number, peakBytes: number): TargetCheck[] {
  const mb = peakBytes / (1024 * 1024);
  return [
    { what: `under ${TIME_TARGET_MS} ms`, ok: wallMs < TIME_TARGET_MS, detail: `${Math.round(wallMs)} ms` },
    { what: `peak RSS < ${MEMORY_TARGET_MB} MB`, ok: mb < MEMORY_TARGET_MB, detail: `${Math.round(mb)} MB` },
  ];
}
