/**
 * Process start-up of the built CLI (`node dist/cli/main.js`): the median wall and CPU time of
 * several runs after one untimed warm-up (disk cache), beside the same figures for a bare
 * `node -e 0` on this machine in the same run — the part no change to acns can remove.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_MAIN, nodeRunner, type ProcessRun } from './child.js';
import { accountZoneName, desiredYaml } from './fixtures.js';
import { median } from './measure.js';
import type { ScenarioResult } from './types.js';

export interface StartupOptions {
  id: string;
  title: string;
  args: string[];
  runs: number;
  targetMs: number;
  /** Zones of the acns.yaml in the working folder. */
  zones: number;
}

export async function runStartupScenario(o: StartupOptions): Promise<ScenarioResult> {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} does not exist: build first (npx tsc -p tsconfig.json)`);
  const dir = mkdtempSync(join(tmpdir(), 'acns-bench-'));
  const runner = nodeRunner(dir);
  try {
    const names = Array.from({ length: o.zones }, (_, i) => accountZoneName(i + 1));
    writeFileSync(join(dir, 'acns.yaml'), desiredYaml({ zones: names, mix: true, accountDefault: true }));
    const bare = join(dir, 'bare.mjs');
    writeFileSync(bare, '');
    await runner.run(o.args); // warm-up
    const cli: ProcessRun[] = [];
    const node: ProcessRun[] = [];
    // interleaved, so a burst of load on the shared machine hits both series alike
    for (let i = 0; i < o.runs; i++) {
      cli.push(await runner.run(o.args));
      node.push(await runner.run([], { script: bare }));
    }
    const wallMs = median(cli.map((r) => r.wallMs));
    const cpuMs = median(cli.map((r) => r.cpuMs));
    const nodeWall = median(node.map((r) => r.wallMs));
    const nodeCpu = median(node.map((r) => r.cpuMs));
    const codes = cli.map((r) => r.code);
    return {
      id: o.id,
      title: o.title,
      wallMs,
      cpuMs,
      peakRssBytes: Math.max(...cli.map((r) => r.maxRssBytes)),
      params: {
        command: `acns ${o.args.join(' ')}`,
        zones: o.zones,
        runs: o.runs,
        timesMs: cli.map((r) => Math.round(r.wallMs)),
        cpuMs: cli.map((r) => Math.round(r.cpuMs)),
        bareNode: { wallMs: Math.round(nodeWall), cpuMs: Math.round(nodeCpu) },
      },
      checks: [
        {
          what: 'exits 0',
          ok: codes.every((c) => c === 0),
          detail: codes.every((c) => c === 0) ? undefined : `exit codes ${codes.join(', ')}`,
        },
        {
          what: `start-up ≤ ${o.targetMs} ms (median wall)`,
          ok: wallMs <= o.targetMs,
          detail:
            `${Math.round(wallMs)} ms wall, ${Math.round(cpuMs)} ms CPU; ` +
            `bare node here: ${Math.round(nodeWall)} ms wall, ${Math.round(nodeCpu)} ms CPU`,
        },
      ],
    };
  } finally {
    runner.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
