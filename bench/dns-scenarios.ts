/**
 * `acns glue` as a whole process for a file with several sets: against the emulator's DNS fixture
 * (every set's glue published: the check should take a blink), and with DNS blackholed (root
 * servers that take every query and never answer, over UDP and TCP: each check must end at its
 * deadline as "could not verify", all sets at once, whatever their number).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DEADLINE_MS } from '../src/dns/budget.js';
import { startEmulatorDns } from '../src/emulator/dns.js';
import { DEMO_ACCOUNT_ID, DEMO_TOKEN, defaultAddresses, zoneIdFor } from '../src/emulator/model.js';
import { startEmulator } from '../src/emulator/server.js';
import { nodeRunner } from './child.js';
import { accountState, accountZoneName, BENCH_HOST } from './fixtures.js';
import type { ScenarioResult, TargetCheck } from './types.js';

export interface GlueScenarioOptions {
  id: string;
  title: string;
  sets: number;
  dns: 'fixture' | 'blackholed';
  /** Whole-process wall time target. */
  targetMs: number;
}

/** Set k's names: ns(2k−1) and ns(2k) under the bench's host zone. */
export function glueSetNames(set: number): string[] {
  return [`ns${2 * set - 1}.${BENCH_HOST}`, `ns${2 * set}.${BENCH_HOST}`];
}

export function glueYaml(sets: number): string {
  const lines = ['version: 1', `account_id: ${DEMO_ACCOUNT_ID}`, 'nameserver_sets:'];
  for (let s = 1; s <= sets; s++) {
    lines.push(`  ${s}:`, `    names: [${glueSetNames(s).join(', ')}]`, '    registrar: external');
  }
  lines.push('zones:', `  ${accountZoneName(1)}: 1`, '');
  return lines.join('\n');
}

interface Blackhole {
  servers: string[];
  close(): Promise<void>;
}

/** DNS servers on loopback that read every query and never answer (UDP and TCP on the same port). */
async function startBlackhole(hosts: string[]): Promise<Blackhole> {
  const udp: UdpSocket[] = [];
  const tcp: Server[] = [];
  const held = new Set<Socket>();
  const servers: string[] = [];
  for (const host of hosts) {
    const t = createServer((s) => {
      held.add(s);
      s.on('close', () => held.delete(s));
      s.on('data', () => {}); // take the query, say nothing
    });
    await new Promise<void>((res, rej) => t.once('error', rej).listen(0, host, () => res()));
    const port = (t.address() as { port: number }).port;
    const u = createSocket('udp4');
    u.on('message', () => {});
    await new Promise<void>((res, rej) => {
      u.once('error', rej);
      u.bind(port, host, () => res());
    });
    tcp.push(t);
    udp.push(u);
    servers.push(`${host}:${port}`);
  }
  return {
    servers,
    async close() {
      for (const s of held) s.destroy();
      await Promise.all(tcp.map((t) => new Promise<void>((res) => t.close(() => res()))));
      for (const u of udp) u.close();
    },
  };
}

export async function runGlueScenario(o: GlueScenarioOptions): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), 'acns-bench-'));
  const runner = nodeRunner(dir);
  const state = accountState(1);
  for (let s = 1; s <= o.sets; s++) {
    for (const name of glueSetNames(s)) {
      state.customNs.push({
        ns_name: name,
        ns_set: s,
        ...defaultAddresses(name),
        status: 'verified',
        zone_tag: zoneIdFor(BENCH_HOST),
      });
    }
  }
  const emu = await startEmulator({ state });
  const fixture = o.dns === 'fixture' ? await startEmulatorDns(state, emu.options.behaviour) : undefined;
  const hole = o.dns === 'blackholed' ? await startBlackhole(['127.0.0.1', '127.0.0.2', '127.0.0.3']) : undefined;
  try {
    writeFileSync(join(dir, 'acns.yaml'), glueYaml(o.sets));
    const env: Record<string, string> = {
      CLOUDFLARE_BASE_URL: emu.url,
      CLOUDFLARE_API_TOKEN: DEMO_TOKEN,
      ACNS_DNS_ROOT_SERVERS: fixture ? fixture.rootServer : (hole as Blackhole).servers.join(','),
      ...(fixture ? { ACNS_DNS_PORT: String(fixture.port) } : {}),
    };
    const run = await runner.run(['glue', '-c', 'acns.yaml', '--format', 'json'], { env });
    let doc: { sets?: { set: number; verdict: string }[] } = {};
    try {
      doc = JSON.parse(run.stdout);
    } catch {
      doc = {};
    }
    const verdicts = (doc.sets ?? []).map((s) => s.verdict);
    const want = o.dns === 'fixture' ? 'ok' : 'could_not_verify';
    const wantExit = o.dns === 'fixture' ? 0 : 3;
    const checks: TargetCheck[] = [
      {
        what: `every one of the ${o.sets} sets is ${want} (exit ${wantExit})`,
        ok: run.code === wantExit && verdicts.length === o.sets && verdicts.every((v) => v === want),
        detail: `exit ${run.code}; ${verdicts.join(', ') || run.stderr.trim().split('\n').slice(-2).join(' / ')}`,
      },
      {
        what: `whole process ≤ ${o.targetMs / 1000} s`,
        ok: run.wallMs <= o.targetMs,
        detail: `${Math.round(run.wallMs)} ms`,
      },
    ];
    return {
      id: o.id,
      title: o.title,
      wallMs: run.wallMs,
      cpuMs: run.cpuMs,
      peakRssBytes: run.maxRssBytes,
      params: {
        sets: o.sets,
        dns: o.dns,
        ...(hole ? { rootServers: hole.servers, checkDeadlineMs: DEFAULT_DEADLINE_MS } : {}),
      },
      checks,
    };
  } finally {
    await hole?.close();
    await fixture?.close();
    await emu.close();
    runner.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
