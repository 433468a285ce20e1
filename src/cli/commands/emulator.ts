/**
 * `acns emulator`: runs the local Cloudflare API emulator until Ctrl-C (or SIGTERM) and prints how
 * to use it; optionally with the DNS fixture, and writing its state back on exit.
 */
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option } from 'commander';
import { UsageError } from '../../errors.js';
import type { EmulatorDns } from '../../emulator/dns.js';
import type { EmulatorBehaviour } from '../../emulator/routes.js';
import type { Fault, LogEntry, RateHeaders } from '../../emulator/server.js';
import type { Registry } from '../registry.js';

interface EmulatorFlags {
  port: string;
  state?: string;
  save?: boolean;
  dns?: string;
  glueMissing?: string;
  latency?: string;
  rate: string;
  ipRate: string;
  block: string;
  rateHeaders: RateHeaders;
  advancedShape: EmulatorBehaviour['advancedShape'];
  legacyZoneGet: EmulatorBehaviour['legacyZoneGetShape'];
  unknownZone: EmulatorBehaviour['unknownZone'];
  rules: boolean;
  plan?: 'enterprise' | 'business';
  token?: string[];
  accountToken?: string[];
  fault?: string[];
  log?: string;
  notEntitled?: boolean;
}

export function registerEmulator(reg: Registry): void {
  reg.program
    .command('emulator')
    .description('run a local Cloudflare API emulator (both endpoint flavours) on 127.0.0.1 until Ctrl-C')
    .option('--port <n>', 'port to listen on (0 = any free port)', '8787')
    .option('--state <file>', 'JSON or YAML state file (format: docs/emulator.md); default: the demo account')
    .option('--save', 'write the state back to the --state file on exit (Ctrl-C or SIGTERM)')
    .option('--dns <port>', "also serve DNS for the state's names on 127.53.x.y:PORT (0 = any free port)")
    .option(
      '--glue-missing <sets>',
      'with --dns: sets whose glue is not published yet, e.g. 2 or 1,2 (default: the state)',
    )
    .option('--latency <ms>', 'delay every answer by this many milliseconds')
    .option(
      '--rate <n/s>',
      'per-user window: N requests per S seconds, then 429 for --block seconds; off = none',
      '1200/300',
    )
    .option('--ip-rate <n>', 'per-IP limit in requests per second, then 429; off = none', '200')
    .option(
      '--block <seconds>',
      'how long an overrun of the --rate window blocks every call (0 = until it has room)',
      '300',
    )
    .addOption(
      new Option(
        '--rate-headers <form>',
        'rate-limit headers: Ratelimit/Ratelimit-Policy, old x-ratelimit-*, both, or none (as a stripping proxy)',
      )
        .choices(['current', 'legacy', 'both', 'none'])
        .default('current'),
    )
    .addOption(
      new Option(
        '--advanced-shape <shape>',
        'advanced zones as nameservers.type cloudflare.advanced, or foundation_dns: true',
      )
        .choices(['current', 'foundation_dns'])
        .default('current'),
    )
    .addOption(
      new Option('--legacy-zone-get <shape>', 'where GET /zones/{id}/custom_ns puts enabled/ns_set')
        .choices(['top', 'result', 'both'])
        .default('top'),
    )
    .addOption(
      new Option('--unknown-zone <code>', 'the error for an unknown zone id').choices(['9109', '7003']).default('9109'),
    )
    .option('--no-rules', "do not enforce Cloudflare's hierarchy, advanced-vs-custom and Enterprise-only rules")
    .addOption(
      new Option('--plan <type>', 'account plan type (business refuses DNS zone defaults); default: the state').choices(
        ['enterprise', 'business'],
      ),
    )
    .option('--token <token...>', 'API token(s) to accept instead of those in the state')
    .option('--account-token <token...>', 'account API token(s) to accept (they verify at the account endpoint)')
    .option('--not-entitled', 'answer every custom nameserver call with error 1002 (account not entitled to ACNS)')
    .option(
      '--fault <spec>',
      'misbehave for matching requests (repeatable): "METHOD PATH-REGEX WHAT [TIMES]", ' +
        'WHAT = an HTTP status (e.g. 500, 429), ' +
        'reset, hang, commit_then_fail, commit_then_drop or delay=MS; METHOD * = any; TIMES default 1, * = always ' +
        '(e.g. --fault "PATCH /zones/.*/dns_settings 500 3")',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--log <file>', 'append one JSON line per request (method, path, status, time, fault) to this file')
    .action((flags: EmulatorFlags) => {
      reg.setRunner(async (io) => {
        const port = int(flags.port, '--port', 0, 65535);
        const dnsPort = flags.dns === undefined ? undefined : int(flags.dns, '--dns', 0, 65535);
        const latencyMs = flags.latency === undefined ? 0 : int(flags.latency, '--latency', 0, 600_000);
        const rate = flags.rate === 'off' ? false : parseRate(flags.rate);
        const ipRate = flags.ipRate === 'off' ? false : int(flags.ipRate, '--ip-rate', 1, 1_000_000);
        const blockSeconds = int(flags.block, '--block', 0, 86_400);
        if (flags.save && !flags.state)
          throw new UsageError('--save needs --state FILE: the file the state is written back to');
        if (flags.glueMissing !== undefined && dnsPort === undefined)
          throw new UsageError('--glue-missing only applies to the DNS fixture', 'add --dns PORT');
        // one after the other: loading them together trips a module-cache race in Jest's ESM support
        const { startEmulatorDns } = await import('../../emulator/dns.js');
        const { demoState } = await import('../../emulator/model.js');
        const { startEmulator } = await import('../../emulator/server.js');
        const { loadStateFile, renderStateFile } = await import('../../emulator/statefile.js');
        const { writeFileAtomic } = await import('../../files.js');
        const state = flags.state ? await loadStateFile(resolve(io.cwd, flags.state)) : demoState();
        if (flags.token?.length) state.tokens = flags.token;
        if (flags.accountToken?.length) state.accountTokens = flags.accountToken;
        if (flags.notEntitled) state.entitled = false;
        if (flags.plan) state.plan = flags.plan;
        if (flags.glueMissing !== undefined) state.glueMissing = parseSets(flags.glueMissing);
        const faults = (flags.fault ?? []).map(parseFault);
        const log = flags.log ? resolve(io.cwd, flags.log) : undefined;
        const behaviour: Partial<EmulatorBehaviour> = {
          advancedShape: flags.advancedShape,
          legacyZoneGetShape: flags.legacyZoneGet,
          unknownZone: flags.unknownZone,
          documentedRules: flags.rules,
        };
        let dns: EmulatorDns | undefined;
        let emu: Awaited<ReturnType<typeof startEmulator>>;
        try {
          emu = await startEmulator({
            port,
            state,
            latencyMs,
            rate,
            ipRate,
            blockSeconds,
            rateHeaders: flags.rateHeaders,
            behaviour,
            onChange: () => dns?.refresh(),
            ...(log ? { onLog: (e: LogEntry) => appendFileSync(log, `${JSON.stringify(e)}\n`) } : {}),
          });
        } catch (e) {
          throw inUse(e, port, '--port');
        }
        if (dnsPort !== undefined) {
          try {
            dns = await startEmulatorDns(state, emu.options.behaviour, { port: dnsPort });
          } catch (e) {
            await emu.close();
            throw inUse(e, dnsPort, '--dns');
          }
        }
        for (const f of faults) emu.addFault(f);
        const token = state.tokens[0] ?? '(none: X-Auth-Email/X-Auth-Key only)';
        const limits =
          `${rate ? `rate ${rate.requests}/${rate.seconds}s` : 'no rate window'}, ` +
          `${ipRate ? `${ipRate}/s per IP` : 'no per-IP limit'}`;
        const extras =
          `${latencyMs ? `; latency ${latencyMs} ms` : ''}` +
          `${faults.length ? `; ${faults.length} fault${faults.length === 1 ? '' : 's'}` : ''}` +
          `${log ? `; request log ${flags.log}` : ''}`;
        io.stdout.write(
          `acns emulator listening on ${emu.url}\n` +
            `  account id: ${state.accountId}\n` +
            `  token:      ${token}\n` +
            `  entitled:   ${state.entitled ? 'yes' : 'no'}; zones: ${state.zones.length}; ` +
            `names: ${state.customNs.length}; ${limits}${extras}\n` +
            `  control:    ${emu.controlUrl} (dashboard changes, glue; see docs/emulator.md)\n` +
            (dns
              ? `  DNS:        root ${dns.rootServer}; glue not published for ` +
                `${state.glueMissing.length ? `set ${state.glueMissing.join(', ')}` : 'no set'}\n`
              : '') +
            `\n  export CLOUDFLARE_BASE_URL=${emu.url}\n` +
            `  export CLOUDFLARE_API_TOKEN=${token}\n` +
            `  export CLOUDFLARE_ACCOUNT_ID=${state.accountId}\n` +
            (dns ? `  export ACNS_DNS_ROOT_SERVERS=${dns.rootServer}\n  export ACNS_DNS_PORT=${dns.port}\n` : '') +
            `\nPress Ctrl-C to stop${flags.save ? ` (the state is then saved to ${flags.state})` : ''}.\n`,
        );
        await new Promise<void>((resolve) => {
          if (!io.signal) return; // no way to be interrupted: run until the process is killed
          if (io.signal.aborted) return resolve();
          io.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await emu.close();
        await dns?.close();
        if (flags.save && flags.state) {
          await writeFileAtomic(flags.state, renderStateFile(state, flags.state), {
            cwd: io.cwd,
            what: 'the emulator state',
          });
          io.stderr.write(`acns emulator stopped; state saved to ${flags.state}.\n`);
        } else {
          io.stderr.write('acns emulator stopped.\n');
        }
        return 0;
      });
    });
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

/** "2" or "1,2" → [1, 2]. */
function parseSets(v: string): number[] {
  const sets = v.split(',').map((x) => x.trim());
  if (sets.some((x) => !/^[1-5]$/.test(x)))
    throw new UsageError(`--glue-missing must list set numbers from 1 to 5, e.g. 2 or 1,2; got "${v}"`);
  return [...new Set(sets.map(Number))].sort((a, b) => a - b);
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
      `--rate must look like N/S (N requests per S seconds) or be off, got "${v}"`,
      'Cloudflare allows 1200 requests per 300 seconds: --rate 1200/300',
    );
  }
  return { requests: Number(m[1]), seconds: Number(m[2]) };
}
