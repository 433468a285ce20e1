/**
 * `acns emulator` as an operation: the local Cloudflare API emulator (and, when asked, its DNS
 * fixture) runs until the session is interrupted, then stops cleanly and, when asked, writes its
 * state back.
 */
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EmulatorDns } from '../emulator/dns.js';
import type { EmulatorState } from '../emulator/model.js';
import type { EmulatorBehaviour } from '../emulator/routes.js';
import type { Emulator, Fault, LogEntry, RateHeaders } from '../emulator/server.js';
import { UsageError } from '../errors.js';
import type { Session } from './session.js';

export interface EmulatorRequest {
  port: number;
  /** Also serve the DNS fixture on this port. */
  dnsPort?: number;
  /** State file to start from (and, with `save`, to write back); default: the demo account. */
  stateFile?: string;
  save?: boolean;
  latencyMs: number;
  rate: { requests: number; seconds: number } | false;
  ipRate: number | false;
  blockSeconds: number;
  rateHeaders: RateHeaders;
  behaviour: Partial<EmulatorBehaviour>;
  /** Changes to the loaded state (tokens, entitlement, plan type, sets without glue). */
  adjust?: (state: EmulatorState) => void;
  faults: Fault[];
  /** Append one JSON line per request here. */
  log?: string;
}

export interface EmulatorReady {
  emulator: Emulator;
  state: EmulatorState;
  dns?: EmulatorDns;
}

/** Runs until `session.signal` aborts; `onReady` is told where everything listens. */
export async function runEmulator(
  session: Session,
  req: EmulatorRequest,
  onReady: (ready: EmulatorReady) => void,
): Promise<{ savedTo?: string }> {
  if (req.save && !req.stateFile)
    throw new UsageError('--save needs --state FILE: the file the state is written back to');
  // one after the other: loading them together trips a module-cache race in Jest's ESM support
  const { startEmulatorDns } = await import('../emulator/dns.js');
  const { demoState } = await import('../emulator/model.js');
  const { startEmulator } = await import('../emulator/server.js');
  const { loadStateFile, renderStateFile } = await import('../emulator/statefile.js');
  const { writeFileAtomic } = await import('../files.js');
  const state = req.stateFile ? await loadStateFile(resolve(session.cwd, req.stateFile)) : demoState();
  req.adjust?.(state);
  const log = req.log ? resolve(session.cwd, req.log) : undefined;
  let dns: EmulatorDns | undefined;
  let emu: Emulator;
  try {
    emu = await startEmulator({
      port: req.port,
      state,
      latencyMs: req.latencyMs,
      rate: req.rate,
      ipRate: req.ipRate,
      blockSeconds: req.blockSeconds,
      rateHeaders: req.rateHeaders,
      behaviour: req.behaviour,
      onChange: () => dns?.refresh(),
      ...(log ? { onLog: (e: LogEntry) => appendFileSync(log, `${JSON.stringify(e)}\n`) } : {}),
    });
  } catch (e) {
    throw inUse(e, req.port, '--port');
  }
  if (req.dnsPort !== undefined) {
    try {
      dns = await startEmulatorDns(state, emu.options.behaviour, { port: req.dnsPort });
    } catch (e) {
      await emu.close();
      throw inUse(e, req.dnsPort, '--dns');
    }
  }
  for (const f of req.faults) emu.addFault(f);
  onReady({ emulator: emu, state, ...(dns ? { dns } : {}) });
  await new Promise<void>((done) => {
    const signal = session.signal;
    if (!signal) return; // no way to be interrupted: run until the process is killed
    if (signal.aborted) return done();
    signal.addEventListener('abort', () => done(), { once: true });
  });
  await emu.close();
  await dns?.close();
  if (!req.save || !req.stateFile) return {};
  await writeFileAtomic(req.stateFile, renderStateFile(state, req.stateFile), {
    cwd: session.cwd,
    what: 'the emulator state',
  });
  return { savedTo: req.stateFile };
}

function inUse(e: unknown, port: number, flag: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new UsageError(
      `port ${port} is already in use`,
      `pick another with ${flag}, or ${flag} 0 for any free port`,
    );
  if (code === 'EADDRNOTAVAIL')
    return new UsageError(
      `cannot listen on a loopback address for ${flag} (${(e as Error).message})`,
      'the DNS fixture needs the 127.0.0.0/8 loopback range ' +
        '(Linux has it; on macOS add aliases with ifconfig lo0 alias)',
    );
  return e;
}
