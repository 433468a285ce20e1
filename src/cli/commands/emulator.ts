/**
 * `acns emulator`: runs the local Cloudflare API emulator until Ctrl-C and prints how to use it.
 */
import { UsageError } from '../../errors.js';
import { demoState, loadStateFile } from '../../emulator/model.js';
import { startEmulator } from '../../emulator/server.js';
import type { Registry } from '../program.js';

interface EmulatorFlags {
  port: string;
  state?: string;
  latency?: string;
  rate?: string;
  token?: string[];
}

export function registerEmulator(reg: Registry): void {
  reg.program
    .command('emulator')
    .description('run a local Cloudflare API emulator (both endpoint flavours) on 127.0.0.1 until Ctrl-C')
    .option('--port <n>', 'port to listen on (0 = any free port)', '8787')
    .option('--state <file>', 'JSON or YAML state file (account_id, tokens, entitled, zones, custom_ns, account_default); default: the demo account')
    .option('--latency <ms>', 'delay every answer by this many milliseconds')
    .option('--rate <n/s>', 'rate-limit window: at most N requests per S seconds, then 429 (e.g. 1200/300)')
    .option('--token <token...>', 'API token(s) to accept instead of those in the state')
    .action((flags: EmulatorFlags) => {
      reg.setRunner(async (io) => {
        const port = int(flags.port, '--port', 0, 65535);
        const latencyMs = flags.latency === undefined ? 0 : int(flags.latency, '--latency', 0, 600_000);
        const rate = flags.rate === undefined ? undefined : parseRate(flags.rate);
        const state = flags.state ? await loadStateFile(flags.state) : demoState();
        if (flags.token?.length) state.tokens = flags.token;
        let emu;
        try {
          emu = await startEmulator({ port, state, latencyMs, rate });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use`, 'pick another with --port, or --port 0 for any free port');
          throw e;
        }
        const token = state.tokens[0] ?? '(none: X-Auth-Email/X-Auth-Key only)';
        io.stdout.write(
          `acns emulator listening on ${emu.url}\n` +
            `  account id: ${state.accountId}\n` +
            `  token:      ${token}\n` +
            `  entitled:   ${state.entitled ? 'yes' : 'no'}; zones: ${state.zones.length}; names: ${state.customNs.length}` +
            `${latencyMs ? `; latency ${latencyMs} ms` : ''}${rate ? `; rate ${rate.requests}/${rate.seconds}s` : ''}\n\n` +
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
  if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${v}"`);
  return n;
}

function parseRate(v: string): { requests: number; seconds: number } {
  const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(v.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) <= 0) {
    throw new UsageError(`--rate must look like N/S (N requests per S seconds), got "${v}"`, 'Cloudflare allows 1200 requests per 300 seconds: --rate 1200/300');
  }
  return { requests: Number(m[1]), seconds: Number(m[2]) };
}
