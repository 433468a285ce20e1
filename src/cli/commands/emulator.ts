/**
 * `acns emulator`: runs the local Cloudflare API emulator until Ctrl-C and prints how to use it.
 */
import { UsageError } from '../../errors.js';
import { demoState, loadStateFile } from '../../emulator/model.js';
import { startEmulator, type Fault, type LogEntry } from '../../emulator/server.js';
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Registry } from '../registry.js';

interface EmulatorFlags {
  port: string;
  state?: string;
  latency?: string;
  rate?: string;
  token?: string[];
  fault?: string[];
  log?: string;
  notEntitled?: boolean;
}

export function registerEmulator(reg: Registry): void {
  reg.program
    .command('emulator')
    .description('run a local Cloudflare API emulator (both endpoint flavours) on 127.0.0.1 until Ctrl-C')
    .option('--port <n>', 'port to listen on (0 = any free port)', '8787')
    .option(
      '--state <file>',
      'JSON or YAML state file (account_id, tokens, entitled, zones, custom_ns, account_default); default: the demo account',
    )
    .option('--latency <ms>', 'delay every answer by this many milliseconds')
    .option('--rate <n/s>', 'rate-limit window: at most N requests per S seconds, then 429 (e.g. 1200/300)')
    .option('--token <token...>', 'API token(s) to accept instead of those in the state')
    .option('--not-entitled', 'answer every custom nameserver call with error 1002 (account not entitled to ACNS)')
    .option(
      '--fault <spec>',
      'misbehave for matching requests (repeatable): "METHOD PATH-REGEX WHAT [TIMES]", WHAT = an HTTP status (e.g. 500, 429), ' +
        'reset, hang, commit_then_fail, commit_then_drop or delay=MS; METHOD * = any; TIMES default 1, * = always ' +
        '(e.g. --fault "PATCH /zones/.*/dns_settings 500 3")',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--log <file>', 'append one JSON line per request (method, path, status, time, fault) to this file')
    .action((flags: EmulatorFlags) => {
      reg.setRunner(async (io) => {
        const port = int(flags.port, '--port', 0, 65535);
        const latencyMs = flags.latency === undefined ? 0 : int(flags.latency, '--latency', 0, 600_000);
        const rate = flags.rate === undefined ? undefined : parseRate(flags.rate);
        const state = flags.state ? await loadStateFile(flags.state) : demoState();
        if (flags.token?.length) state.tokens = flags.token;
        if (flags.notEntitled) state.entitled = false;
        const faults = (flags.fault ?? []).map(parseFault);
        const log = flags.log ? resolve(io.cwd, flags.log) : undefined;
        let emu: Awaited<ReturnType<typeof startEmulator>>;
        try {
          emu = await startEmulator({
            port,
            state,
            latencyMs,
            rate,
            ...(log ? { onLog: (e: LogEntry) => appendFileSync(log, `${JSON.stringify(e)}\n`) } : {}),
          });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE')
            throw new UsageError(
              `port ${port} is already in use`,
              'pick another with --port, or --port 0 for any free port',
            );
          throw e;
        }
        for (const f of faults) emu.addFault(f);
        const token = state.tokens[0] ?? '(none: X-Auth-Email/X-Auth-Key only)';
        io.stdout.write(
          `acns emulator listening on ${emu.url}\n` +
            `  account id: ${state.accountId}\n` +
            `  token:      ${token}\n` +
            `  entitled:   ${state.entitled ? 'yes' : 'no'}; zones: ${state.zones.length}; names: ${state.customNs.length}` +
            `${latencyMs ? `; latency ${latencyMs} ms` : ''}${rate ? `; rate ${rate.requests}/${rate.seconds}s` : ''}` +
            `${faults.length ? `; ${faults.length} fault${faults.length === 1 ? '' : 's'}` : ''}${log ? `; request log ${flags.log}` : ''}\n\n` +
            `  export CLOUDFLARE_BASE_URL=${emu.url}\n` +
            `  export CLOUDFLARE_API_TOKEN=${token}\n` +
            `  export CLOUDFLARE_ACCOUNT_ID=${state.accountId}\n\n` +
            `Press Ctrl-C to stop.\n`,
        );
        await new Promise<void>((resolve) => {
          if (!io.signal) return; // no way to be interrupted: run until the process is killed
          if (io.signal.aborted) return resolve();
          io.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await emu.close();
        io.stderr.write('acns emulator stopped.\n');
        return 0;
      });
    });
}

function int(v: string, flag: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${v}"`);
  return n;
}

const FAULT_ACTIONS = new Set(['reset', 'hang', 'commit_then_fail', 'commit_then_drop']);

/** "METHOD PATH-REGEX WHAT [TIMES]" → a Fault (see --fault). */
export function parseFault(spec: string): Fault {
  const bad = (why: string) =>
    new UsageError(
      `--fault "${spec}": ${why}`,
      'write it as "METHOD PATH-REGEX WHAT [TIMES]", e.g. --fault "PATCH /zones/.*/dns_settings 500 3"',
    );
  const parts = spec.trim().split(/\s+/);
  if (parts.length < 3 || parts.length > 4) throw bad('expected 3 or 4 words');
  const [method, pathRe, what, times] = parts as [string, string, string, string | undefined];
  let path: RegExp;
  try {
    path = new RegExp(pathRe);
  } catch {
    throw bad(`"${pathRe}" is not a regular expression`);
  }
  const f: Fault = { path };
  if (method !== '*') f.method = method.toUpperCase();
  if (/^\d{3}$/.test(what)) f.status = Number(what);
  else if (/^delay=\d+$/.test(what)) f.delayMs = Number(what.slice(6));
  else if (FAULT_ACTIONS.has(what)) f.action = what as Fault['action'];
  else throw bad(`"${what}" is not a status, reset, hang, commit_then_fail, commit_then_drop or delay=MS`);
  if (times !== undefined) {
    if (times === '*') f.times = Infinity;
    else if (/^\d+$/.test(times) && Number(times) >= 1) f.times = Number(times);
    else throw bad(`"${times}" is not a count (a whole number, or * for always)`);
  }
  return f;
}

function parseRate(v: string): { requests: number; seconds: number } {
  const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(v.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) <= 0) {
    throw new UsageError(
      `--rate must look like N/S (N requests per S seconds), got "${v}"`,
      'Cloudflare allows 1200 requests per 300 seconds: --rate 1200/300',
    );
  }
  return { requests: Number(m[1]), seconds: Number(m[2]) };
}
