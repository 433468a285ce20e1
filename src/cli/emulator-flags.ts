/** The flags of `acns emulator` and how they become an emulator request. */
import { type Command, Option } from 'commander';
import type { EmulatorBehaviour } from '../emulator/routes.js';
import type { Fault, RateHeaders } from '../emulator/server.js';
import { UsageError } from '../errors.js';
import type { EmulatorRequest } from '../operations/emulator.js';

export interface EmulatorFlags {
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

/** Declares every flag of `acns emulator` on `cmd`. */
export function emulatorOptions(cmd: Command): Command {
  return cmd
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
    .option('--log <file>', 'append one JSON line per request (method, path, status, time, fault) to this file');
}

/** The flags, checked, as the operation's request. */
export function emulatorRequest(flags: EmulatorFlags): EmulatorRequest {
  const dnsPort = flags.dns === undefined ? undefined : int(flags.dns, '--dns', 0, 65535);
  if (flags.glueMissing !== undefined && dnsPort === undefined) {
    throw new UsageError('--glue-missing only applies to the DNS fixture', 'add --dns PORT');
  }
  const glueMissing = flags.glueMissing === undefined ? undefined : parseSets(flags.glueMissing);
  return {
    port: int(flags.port, '--port', 0, 65535),
    ...(dnsPort !== undefined ? { dnsPort } : {}),
    ...(flags.state ? { stateFile: flags.state } : {}),
    ...(flags.save ? { save: true } : {}),
    latencyMs: flags.latency === undefined ? 0 : int(flags.latency, '--latency', 0, 600_000),
    rate: flags.rate === 'off' ? false : parseRate(flags.rate),
    ipRate: flags.ipRate === 'off' ? false : int(flags.ipRate, '--ip-rate', 1, 1_000_000),
    blockSeconds: int(flags.block, '--block', 0, 86_400),
    rateHeaders: flags.rateHeaders,
    behaviour: {
      advancedShape: flags.advancedShape,
      legacyZoneGetShape: flags.legacyZoneGet,
      unknownZone: flags.unknownZone,
      documentedRules: flags.rules,
    },
    adjust: (state) => {
      if (flags.token?.length) state.tokens = flags.token;
      if (flags.accountToken?.length) state.accountTokens = flags.accountToken;
      if (flags.notEntitled) state.entitled = false;
      if (flags.plan) state.plan = flags.plan;
      if (glueMissing) state.glueMissing = glueMissing;
    },
    faults: (flags.fault ?? []).map(parseFault),
    ...(flags.log ? { log: flags.log } : {}),
  };
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
function parseFault(spec: string): Fault {
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
