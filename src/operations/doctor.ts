/**
 * `acns doctor` as an operation: a read-only first check of everything acns needs from a real
 * account and from this machine, in a handful of requests and a few seconds. Every problem ends as
 * a failed check that says what was seen and how to fix it; nothing here throws for a problem the
 * check is meant to find. Only reads: no request changes anything.
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Dispatcher } from 'undici';
import { normaliseName as normName } from '../config/names.js';
import { normaliseZoneNameservers } from '../cloudflare/assignment.js';
import type { ProgressEvent } from '../cloudflare/budget.js';
import { CloudflareClient, type RateLimitState } from '../cloudflare/client.js';
import { type Clock, InterruptedError, systemClock } from '../cloudflare/clock.js';
import {
  type BaseUrl,
  baseUrlFromEnv,
  type Credentials,
  credentialsFromEnv,
  DEFAULT_BASE_URL,
} from '../cloudflare/credentials.js';
import * as ep from '../cloudflare/endpoints.js';
import { CredentialsRejectedError, NetworkError } from '../cloudflare/errors.js';
import type { DesiredState } from '../config/types.js';
import { hostZoneOf } from '../dns/discover.js';
import { checkDnsReachability, type DnsReachability } from '../dns/reachability.js';
import { AcnsError, UsageError } from '../errors.js';
import type { PlanSettings } from '../plan/types.js';
import type { CheckId, DoctorCheck, DoctorReport } from '../render/doctor.js';
import { loadConfig, type Session } from './session.js';
import { settingsFromEnv } from './settings.js';

/**
 * Longest wait for a connection, and then for an answer: at most four rounds of requests (user token,
 * account token, the reads, one zone's settings) stay within ten seconds.
 */
export const DOCTOR_REQUEST_TIMEOUT_MS = 2500;
/** The DNS probes' deadline (they run beside the requests). */
export const DOCTOR_DNS_DEADLINE_MS = 4000;
/** A local clock further than this from Cloudflare's is worth a warning. */
export const CLOCK_SKEW_WARN_MS = 30_000;
/** A token that expires within this many days is worth a warning. */
export const TOKEN_EXPIRY_WARN_DAYS = 7;
/** Asked of the root servers when the file names no nameserver: they must refer it to com. */
const DEFAULT_PROBE_ZONE = 'cloudflare.com';

export interface DoctorRequest {
  /** The desired-state file; undefined: acns.yaml when it exists here, else the environment alone. */
  config?: string;
  /** Overrides the DNS probes' deadline (tests). */
  dnsDeadlineMs?: number;
  /** The local clock (tests). */
  clock?: Clock;
  /** Replaces the HTTP connection pool (tests). */
  dispatcher?: Dispatcher;
}

const ORDER: CheckId[] = [
  'settings',
  'credentials',
  'account',
  'entitlement',
  'zones',
  'zone_settings',
  'account_settings',
  'rate_limits',
  'clock',
  'dns_udp',
  'dns_tcp',
  'dns_interception',
  'dns_ipv6',
];

const TITLES: Record<CheckId, string> = {
  settings: 'settings',
  credentials: 'credentials',
  account: 'account',
  entitlement: 'ACNS entitlement',
  zones: 'zones list',
  zone_settings: 'zone dns_settings',
  account_settings: 'account dns_settings',
  rate_limits: 'rate-limit headers',
  clock: 'clock',
  dns_udp: 'DNS over UDP',
  dns_tcp: 'DNS over TCP',
  dns_interception: 'DNS interception',
  dns_ipv6: 'DNS over IPv6',
};

type Outcome<T> = { ok: true; value: T } | { ok: false; error: AcnsError };
type Found = Omit<DoctorCheck, 'id' | 'title'>;

export async function runDoctor(session: Session, req: DoctorRequest = {}): Promise<DoctorReport> {
  const clock = req.clock ?? systemClock;
  const started = clock.now();
  const found = new Map<CheckId, Found>();
  const set = (id: CheckId, f: Found) => found.set(id, f);

  const { accountId, settings, desired, configFile } = await doctorSettings(session, req.config);
  set('settings', settingsFinding(settings, desired, configFile));

  // DNS runs beside the API checks: neither waits for the other.
  const probeZone = firstHostZone(desired) ?? DEFAULT_PROBE_ZONE;
  const dns = checkDnsReachability({
    rootServers: settings.dns.rootServers,
    parentServers: settings.dns.parentServers,
    port: settings.dns.port,
    probeZone,
    deadlineMs: req.dnsDeadlineMs ?? DOCTOR_DNS_DEADLINE_MS,
    ...(session.signal ? { signal: session.signal } : {}),
  }).then(
    (r): DnsReachability | AcnsError => r,
    (e: unknown) => (e instanceof AcnsError ? e : new AcnsError('dns_probe', String(e))),
  );

  let baseUrl: string = session.env.CLOUDFLARE_BASE_URL?.trim() || DEFAULT_BASE_URL;
  let requests = 0;
  let api: { base: BaseUrl; credentials: Credentials } | undefined;
  try {
    const base = baseUrlFromEnv(session.env);
    baseUrl = base.href;
    api = { base, credentials: credentialsFromEnv(session.env) };
  } catch (e) {
    if (!(e instanceof AcnsError)) throw e;
    set('credentials', fail(e));
  }
  if (api) {
    requests = await apiChecks(session, req, clock, { ...api, accountId, settings, desired }, set);
  }

  for (const [id, f] of dnsFindings(await dns, desired)) set(id, f);
  const skipped: Found = { status: 'skip', detail: 'not checked: no request could be sent (see credentials)' };
  const checks = ORDER.map((id) => ({ id, title: TITLES[id], ...(found.get(id) ?? skipped) }));
  return {
    accountId,
    baseUrl,
    ...(configFile ? { configFile } : {}),
    checks,
    requests,
    elapsedMs: clock.now() - started,
    ok: checks.every((c) => c.status !== 'fail'),
  };
}

// --- settings -----------------------------------------------------------------------------------

interface DoctorSettings {
  accountId: string;
  settings: PlanSettings;
  desired?: DesiredState;
  configFile?: string;
}

async function doctorSettings(session: Session, file: string | undefined): Promise<DoctorSettings> {
  const path = file ?? 'acns.yaml';
  if (file !== undefined || (await exists(resolve(session.cwd, path)))) {
    const desired = await loadConfig(session, path, { requireAccountId: true });
    // This run's settings: ACNS_DNS_* override the file's dns: here, as for plan and glue.
    const settings: PlanSettings = { cloudflare: { ...desired.cloudflare }, dns: { ...desired.dns } };
    return { accountId: desired.accountId as string, settings, desired, configFile: path };
  }
  if (!session.env.CLOUDFLARE_ACCOUNT_ID?.trim()) {
    throw new UsageError(
      'no acns.yaml here and CLOUDFLARE_ACCOUNT_ID is not set: acns doctor needs to know which account to check',
      'export CLOUDFLARE_ACCOUNT_ID=<the 32 hex characters in the dashboard URL, dash.cloudflare.com/<account id>>, ' +
        'or pass -c FILE',
    );
  }
  return settingsFromEnv(session.env);
}

function settingsFinding(s: PlanSettings, desired: DesiredState | undefined, file: string | undefined): Found {
  const dns =
    s.dns.parentServers.length > 0
      ? `parent servers ${s.dns.parentServers.join(', ')}`
      : s.dns.rootServers.length > 0
        ? `root servers ${s.dns.rootServers.join(', ')}`
        : "IANA's root servers";
  const c = s.cloudflare;
  const cf = `endpoints ${c.endpoints}, budget ${c.requestsPerWindow} per ${c.windowSeconds} s`;
  const what = desired
    ? `${file}: ${desired.sets.length} set(s), ${desired.zones.length} zone(s)`
    : 'no acns.yaml: the account from CLOUDFLARE_ACCOUNT_ID, default settings';
  return { status: 'ok', detail: `${what}; ${cf}; DNS from ${dns}` };
}

// --- Cloudflare ---------------------------------------------------------------------------------

interface ApiContext {
  base: BaseUrl;
  credentials: Credentials;
  accountId: string;
  settings: PlanSettings;
  desired?: DesiredState;
}

/** Every API check; returns the number of requests sent. */
async function apiChecks(
  session: Session,
  req: DoctorRequest,
  clock: Clock,
  ctx: ApiContext,
  set: (id: CheckId, f: Found) => void,
): Promise<number> {
  const cf = ctx.settings.cloudflare;
  // A wait of any kind (a spent window, a 429 pause) would outlast the doctor: stop and say why.
  const stop = new AbortController();
  let stopped: string | undefined;
  let policy: Extract<ProgressEvent, { kind: 'policy' }> | undefined;
  const client = new CloudflareClient({
    baseUrl: ctx.base,
    credentials: ctx.credentials,
    ...(req.dispatcher ? { dispatcher: req.dispatcher } : {}),
    clock,
    requestsPerWindow: cf.requestsPerWindow,
    windowSeconds: cf.windowSeconds,
    requestsPerSecond: cf.requestsPerSecond,
    concurrency: 8,
    timeoutMs: DOCTOR_REQUEST_TIMEOUT_MS,
    connectTimeoutMs: DOCTOR_REQUEST_TIMEOUT_MS,
    maxRetries: 0,
    maxRateLimitRetries: 0,
    maxPauseMs: 0,
    signal: session.signal ? AbortSignal.any([session.signal, stop.signal]) : stop.signal,
    onProgress: (e) => {
      if (e.kind === 'policy') policy = e;
      if (e.kind !== 'waiting' || stop.signal.aborted) return;
      const secs = `${Math.ceil(e.waitMs / 1000)} s`;
      stopped =
        e.reason === 'window'
          ? `not checked: acns's own budget (${cf.requestsPerWindow} per ${cf.windowSeconds} s) is spent ` +
            `(${secs} to wait)`
          : `not checked: Cloudflare says this user's rate window is spent (${secs} until it resets)`;
      stop.abort();
    },
  });
  const attempt = async <T>(fn: () => Promise<T>): Promise<Outcome<T>> => {
    try {
      return { ok: true, value: await fn() };
    } catch (e) {
      if (e instanceof InterruptedError && session.signal?.aborted) throw e;
      if (e instanceof InterruptedError && stopped) {
        return { ok: false, error: new AcnsError(STOPPED, stopped, { hint: RATE_WAIT_FIX }) };
      }
      if (e instanceof AcnsError) return { ok: false, error: e };
      throw e;
    }
  };
  const { accountId } = ctx;
  try {
    // The token first: when Cloudflare refuses it, every other request would fail the same way.
    if (ctx.credentials.kind === 'token') {
      const { finding, stop: why } = await verifyToken(attempt, client, accountId, clock);
      set('credentials', finding);
      if (why) {
        for (const id of API_READS) set(id, { status: 'skip', detail: `not checked: ${why}` });
        set('rate_limits', rateLimitFinding(client.rateLimitState(), cf, policy));
        set('clock', clockFinding(client.serverClock()));
        return client.stats().requests;
      }
    }
    const [account, customNs, zones, accountDns] = await Promise.all([
      attempt(() => ep.getAccount(client, accountId)),
      attempt(() => ep.listCustomNs(client, accountId)),
      attempt(() => ep.listZonesPage(client, { accountId, page: 1, perPage: ep.ZONES_MAX_PER_PAGE })),
      attempt(() => ep.getAccountDnsSettings(client, accountId)),
    ]);
    if (ctx.credentials.kind === 'key') set('credentials', keyFinding(account));
    set('account', accountFinding(account, accountId, ctx.desired));
    set('entitlement', entitlementFinding(customNs));
    set('account_settings', accountSettingsFinding(accountDns));
    set('zones', zonesFinding(zones));
    if (zones.ok) set('zone_settings', await zoneSettingsFinding(attempt, client, zones.value.zones, ctx));
    else set('zone_settings', { status: 'skip', detail: 'not checked: the zones list could not be read' });
    set('rate_limits', rateLimitFinding(client.rateLimitState(), cf, policy));
    set('clock', clockFinding(client.serverClock()));
    return client.stats().requests;
  } finally {
    await client.close();
  }
}

const PROXY_FIX =
  'Cloudflare sends Ratelimit and Ratelimit-Policy on every answer: if CLOUDFLARE_BASE_URL points at a proxy, ' +
  'let it pass them';

const STOPPED = 'doctor_stopped';
const UNREACHABLE = 'the Cloudflare API could not be reached';

const API_READS: CheckId[] = ['account', 'entitlement', 'zones', 'zone_settings', 'account_settings'];

const RATE_WAIT_FIX =
  'something else is using the API with the same user (dashboard, scripts, other tools): wait for the window ' +
  'to reset, then run acns doctor again';

type Attempt = <T>(fn: () => Promise<T>) => Promise<Outcome<T>>;

/**
 * A user's token verifies at /user/tokens/verify; an account's answers 401 there and verifies at
 * the account. `stop` says why the other reads are pointless (refused credentials, no API at all).
 */
async function verifyToken(
  attempt: Attempt,
  client: CloudflareClient,
  accountId: string,
  clock: Clock,
): Promise<{ finding: Found; stop?: string }> {
  const refused = 'Cloudflare did not accept the credentials';
  let owner: ep.TokenOwner = 'user';
  let result = await attempt(() => ep.verifyToken(client, 'user', accountId));
  if (!result.ok && result.error instanceof CredentialsRejectedError && result.error.status === 401) {
    const asUser = result.error;
    owner = 'account';
    result = await attempt(() => ep.verifyToken(client, 'account', accountId));
    if (!result.ok && result.error instanceof CredentialsRejectedError) {
      const detail = `${asUser.message}; nor as an account API token of ${accountId}: ${result.error.message}`;
      return { finding: { ...fail(asUser), detail }, stop: refused };
    }
  }
  if (!result.ok) {
    const e = result.error;
    const stop = e instanceof CredentialsRejectedError ? refused : e instanceof NetworkError ? UNREACHABLE : undefined;
    return { finding: fail(e), ...(stop ? { stop } : {}) };
  }
  const t = result.value;
  const who = owner === 'user' ? 'a user API token' : 'an account API token';
  const facts = { owner, status: t.status, ...(t.expiresOn ? { expires_on: t.expiresOn } : {}) };
  if (t.status !== 'active') {
    const fix =
      'create a new API token (or enable this one) in the Cloudflare dashboard and put it in CLOUDFLARE_API_TOKEN';
    const detail = `CLOUDFLARE_API_TOKEN is ${who} whose status is "${t.status}"`;
    return { finding: { status: 'fail', detail, fix, facts }, stop: refused };
  }
  const days = (Date.parse(t.expiresOn ?? '') - clock.now()) / 86_400_000;
  if (Number.isFinite(days) && days < TOKEN_EXPIRY_WARN_DAYS) {
    const detail =
      `CLOUDFLARE_API_TOKEN is ${who}, active, but it expires on ${t.expiresOn} ` +
      `(in ${Math.max(0, Math.floor(days))} days)`;
    const fix = 'roll the token or create a new one before it expires, so scheduled runs keep working';
    return { finding: { status: 'warn', detail, fix, facts } };
  }
  const detail = `CLOUDFLARE_API_TOKEN is ${who}, active${t.expiresOn ? `, expires on ${t.expiresOn}` : ''}`;
  return { finding: { status: 'ok', detail, facts } };
}

/** A Global API Key has no verify endpoint: the account read tells whether Cloudflare accepts it. */
function keyFinding(account: Outcome<ep.AccountRecord>): Found {
  if (!account.ok && account.error instanceof CredentialsRejectedError) return fail(account.error);
  if (!account.ok && account.error instanceof NetworkError)
    return { status: 'skip', detail: `not checked: ${UNREACHABLE}` };
  return {
    status: 'ok',
    detail:
      'CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY (a Global API Key: checked by reading the account; ' +
      'an API token with only the permissions acns needs is safer)',
  };
}

function accountFinding(r: Outcome<ep.AccountRecord>, accountId: string, desired?: DesiredState): Found {
  if (!r.ok) return fail(r.error);
  const a = r.value;
  if (a.id !== accountId) {
    return {
      status: 'fail',
      detail: `unexpected response from GET /accounts/{account_id}: "result.id" is ${a.id}, not ${accountId}`,
      fix: `check CLOUDFLARE_BASE_URL: it should be the Cloudflare API (unset it for ${DEFAULT_BASE_URL})`,
    };
  }
  const type = a.type ? ` (${a.type})` : '';
  if (desired?.accountDefault && a.type && a.type !== 'enterprise') {
    return {
      status: 'warn',
      detail: `"${a.name}"${type}: acns.yaml sets account_default, which Cloudflare offers to Enterprise accounts only`,
      fix: 'remove account_default from the file, or ask Cloudflare about DNS zone defaults for this account',
      facts: { name: a.name, type: a.type },
    };
  }
  return { status: 'ok', detail: `"${a.name}"${type}`, facts: { name: a.name, ...(a.type ? { type: a.type } : {}) } };
}

function entitlementFinding(r: Outcome<ep.CustomNsRecord[]>): Found {
  if (!r.ok) return fail(r.error);
  const sets = [...new Set(r.value.map((n) => n.ns_set))].sort((a, b) => a - b);
  const names = r.value.length;
  return {
    status: 'ok',
    detail:
      `entitled: the custom nameserver list is readable (${names} name${names === 1 ? '' : 's'}` +
      `${sets.length ? ` in set${sets.length === 1 ? '' : 's'} ${sets.join(', ')}` : ''})`,
    facts: { names, sets: sets.map(String) },
  };
}

function zonesFinding(r: Outcome<ep.ZonePage>): Found {
  if (!r.ok) return fail(r.error);
  const n = r.value.zones.length;
  const total = r.value.totalCount;
  if (n === 0) {
    return {
      status: 'warn',
      detail: 'the account has no zones: there is nothing to assign nameservers to',
      fix: 'check CLOUDFLARE_ACCOUNT_ID (or account_id), and that the token may read the zones ("Zone Read")',
    };
  }
  return {
    status: 'ok',
    detail: `first page: ${n} zone${n === 1 ? '' : 's'}${total !== undefined ? ` of ${total}` : ''}`,
    facts: { first_page: n, ...(total !== undefined ? { total_count: total } : {}) },
  };
}

async function zoneSettingsFinding(
  attempt: Attempt,
  client: CloudflareClient,
  zones: ep.ZoneRecord[],
  ctx: ApiContext,
): Promise<Found> {
  const wanted = new Set(ctx.desired?.zones.map((z) => z.name) ?? []);
  const zone = zones.find((z) => wanted.has(normName(z.name))) ?? zones[0];
  if (!zone) return { status: 'skip', detail: 'not checked: the account has no zones' };
  const legacy = ctx.settings.cloudflare.endpoints === 'legacy';
  const [settings, old] = await Promise.all([
    attempt(() => ep.getZoneDnsSettings(client, zone.id)),
    legacy ? attempt(() => ep.getLegacyZoneCustomNs(client, zone.id)) : Promise.resolve(undefined),
  ]);
  if (!settings.ok) return fail(settings.error);
  if (old && !old.ok) return fail(old.error);
  const ns = normaliseZoneNameservers(settings.value.nameservers, settings.value.foundationDns);
  const value = ns.type === 'custom.account' ? `custom.account set ${ns.set}` : ns.type;
  const also = old
    ? `; the legacy endpoint says ${old.value.enabled ? `set ${old.value.ns_set ?? 1}` : 'not custom'}`
    : '';
  return {
    status: 'ok',
    detail: `${normName(zone.name)}: ${value}${also}`,
    facts: { zone: normName(zone.name), nameservers: value },
  };
}

function accountSettingsFinding(r: Outcome<ep.NameserversSetting | undefined>): Found {
  if (!r.ok) return fail(r.error);
  const type = r.value?.type ?? 'cloudflare.standard';
  const said = r.value ? 'zone_defaults.nameservers' : 'no zone_defaults.nameservers: Cloudflare standard';
  return { status: 'ok', detail: `the account default is ${type} (${said})`, facts: { account_default: type } };
}

function rateLimitFinding(
  s: RateLimitState,
  cf: PlanSettings['cloudflare'],
  policy?: Extract<ProgressEvent, { kind: 'policy' }>,
): Found {
  const last = s.last;
  if (!last) return { status: 'skip', detail: 'not checked: no answer from Cloudflare to read them from' };
  const i = last.info;
  const facts: DoctorCheck['facts'] = {
    headers: last.headers,
    window_in_force:
      `${s.window.requests} per ${s.window.seconds} s ` + `(${s.window.fromServer ? 'from Cloudflare' : 'configured'})`,
    ...(i.quota !== undefined ? { quota: i.quota } : {}),
    ...(i.windowSeconds !== undefined ? { window_seconds: i.windowSeconds } : {}),
    ...(i.remaining !== undefined ? { remaining: i.remaining } : {}),
    ...(i.resetMs !== undefined ? { reset_seconds: Math.round(i.resetMs / 1000) } : {}),
  };
  const configured = `cloudflare.requests_per_window (${cf.requestsPerWindow} per ${cf.windowSeconds} s)`;
  if (s.rateLimited > 0) {
    const wait = i.retryAfterMs !== undefined ? ` (retry-after ${Math.ceil(i.retryAfterMs / 1000)} s)` : '';
    return {
      status: 'fail',
      detail: `Cloudflare answered 429 ${s.rateLimited} time(s): this user's rate limit is spent${wait}`,
      fix: RATE_WAIT_FIX,
      facts,
    };
  }
  const has = (h: string) => (last.headers as string[]).includes(h);
  if (last.headers.length === 0) {
    return {
      status: 'warn',
      detail:
        `none of the ${s.answers} answer${s.answers === 1 ? '' : 's'} carried Ratelimit or Ratelimit-Policy: ` +
        `acns cannot see how much of the quota is left and paces by ${configured} alone`,
      fix:
        'Cloudflare sends both on every answer: if CLOUDFLARE_BASE_URL points at a proxy, let it pass them; ' +
        'otherwise keep cloudflare.requests_per_window at or below your real limit',
      facts,
    };
  }
  const unread = (['ratelimit', 'ratelimit-policy'] as const).filter(
    (h) => has(h) && (h === 'ratelimit' ? i.remaining === undefined : i.quota === undefined),
  );
  if (unread.length > 0) {
    return {
      status: 'warn',
      detail:
        `${unread.map(headerName).join(' and ')} came but could not be read: ` +
        `acns ignores ${unread.length === 1 ? 'it' : 'them'}`,
      fix: 'if CLOUDFLARE_BASE_URL points at a proxy, make it pass the headers unchanged',
      facts,
    };
  }
  if (!has('ratelimit') || !has('ratelimit-policy')) {
    const legacy = has('x-ratelimit-remaining');
    return {
      status: 'warn',
      detail: !has('ratelimit')
        ? `only ${legacy ? 'the older x-ratelimit-* headers' : 'Ratelimit-Policy'} came, not Ratelimit: ` +
          `acns ${legacy ? 'reads them, but ' : ''}cannot rely on Cloudflare's current figures`
        : `Ratelimit came without Ratelimit-Policy: acns sees what remains but not the quota, and assumes ` +
          configured,
      fix: PROXY_FIX,
      facts,
    };
  }
  const figures =
    `Ratelimit-Policy ${i.quota} requests per ${i.windowSeconds} s; Ratelimit ${i.remaining} remaining` +
    `${i.resetMs !== undefined ? `, resets in ${Math.round(i.resetMs / 1000)} s` : ''}`;
  if (policy?.configuredExceedsServer) {
    return {
      status: 'warn',
      detail: `${figures}; ${configured} is more than Cloudflare allows this user: acns uses Cloudflare's figure`,
      fix:
        `set cloudflare.requests_per_window to ${policy.quota} (window_seconds ${policy.windowSeconds}), ` +
        'or leave it out',
      facts,
    };
  }
  return { status: 'ok', detail: figures, facts };
}

function headerName(h: 'ratelimit' | 'ratelimit-policy'): string {
  return h === 'ratelimit' ? 'Ratelimit' : 'Ratelimit-Policy';
}

function clockFinding(d: ReturnType<CloudflareClient['serverClock']>): Found {
  if (!d) return { status: 'skip', detail: 'not checked: no answer carried a Date header' };
  // Date has whole seconds: the server's time was in [date, date + 1 s) while the request flew.
  const local = (d.sentMs + d.receivedMs) / 2;
  const skewMs = d.serverMs + 500 - local; // > 0: the local clock is behind
  const slackMs = 500 + (d.receivedMs - d.sentMs) / 2;
  const secs = Math.round(Math.abs(skewMs) / 1000);
  const facts = { skew_seconds: Math.round(-skewMs / 1000) };
  if (Math.abs(skewMs) - slackMs > CLOCK_SKEW_WARN_MS) {
    return {
      status: 'warn',
      detail: `the local clock is ${secs} s ${skewMs > 0 ? 'behind' : 'ahead of'} Cloudflare's (its Date header)`,
      fix:
        "synchronise this machine's clock (NTP, e.g. timedatectl set-ntp true): plan and journal times, TLS " +
        'certificate checks and the older x-ratelimit-reset dates rely on it',
      facts,
    };
  }
  return {
    status: 'ok',
    detail: `within ${Math.max(1, secs)} s of Cloudflare's (its Date header)`,
    facts,
  };
}

// --- DNS ----------------------------------------------------------------------------------------

function firstHostZone(desired?: DesiredState): string | undefined {
  const s = desired?.sets.find((x) => x.names.length > 0);
  const name = s?.names[0]?.name;
  return name ? hostZoneOf(name, s?.hostZone) : undefined;
}

const DNS_FIX =
  'allow outbound DNS (UDP and TCP port 53) from this machine to any server: the glue check asks the ' +
  "registries' servers itself, not your resolver; or run acns where it can (e.g. in CI)";

function dnsFindings(r: DnsReachability | AcnsError, desired?: DesiredState): [CheckId, Found][] {
  if (r instanceof AcnsError) {
    const f = fail(r);
    return [
      ['dns_udp', f],
      ['dns_tcp', f],
      ['dns_interception', { status: 'skip', detail: 'not checked' }],
      ['dns_ipv6', { status: 'skip', detail: 'not checked' }],
    ];
  }
  // With the glue check off, acns never asks DNS: what fails here only warns.
  const off = desired?.policy.glueCheck === 'off';
  const bad = off ? ('warn' as const) : ('fail' as const);
  const who =
    r.role === 'parent'
      ? 'the configured parent servers'
      : r.source === 'iana'
        ? 'the root servers'
        : 'the configured root servers';
  const transport = (o: DnsReachability['udp'], name: 'UDP' | 'TCP'): Found => {
    if (o.status === 'ok') return { status: 'ok', detail: `${r.question}: ${o.answer}`, facts: { server: o.server } };
    if (o.status === 'skipped') return { status: 'skip', detail: o.why };
    return {
      status: bad,
      detail: `no answer from ${who} over ${name} (${o.errors.join('; ')})${off ? '; policy.glue_check is off' : ''}`,
      fix: DNS_FIX,
    };
  };
  const answered = r.udp.status === 'ok' || r.tcp.status === 'ok' || r.ipv6.status === 'ok';
  const interception: Found = r.interception
    ? {
        status: bad,
        detail: `${r.interception.server} over ${r.interception.transport.toUpperCase()}: ${r.interception.why}`,
        fix:
          'something on this network answers DNS in place of the servers asked (a firewall, VPN or "DNS ' +
          'redirect"): turn it off for port 53, or run acns from another network; glue checks here cannot be trusted',
      }
    : answered
      ? { status: 'ok', detail: `none seen: the answers to ${r.question} came as ${who} give them` }
      : { status: 'skip', detail: 'not checked: no answer to examine' };
  const ipv6: Found =
    r.ipv6.status === 'failed'
      ? {
          status: 'warn',
          detail:
            `no answer from ${who} over IPv6 (${r.ipv6.errors.join('; ')}): ` +
            'IPv6 servers count as unreachable from here',
          fix:
            'if this machine should have IPv6, check its route; otherwise nothing to do: ' +
            'IPv4 servers are asked first',
        }
      : r.ipv6.status === 'skipped'
        ? { status: 'skip', detail: r.ipv6.why }
        : { status: 'ok', detail: `${r.question}: ${r.ipv6.answer}`, facts: { server: r.ipv6.server } };
  return [
    ['dns_udp', transport(r.udp, 'UDP')],
    ['dns_tcp', transport(r.tcp, 'TCP')],
    ['dns_interception', interception],
    ['dns_ipv6', ipv6],
  ];
}

// --- helpers ------------------------------------------------------------------------------------

function fail(e: AcnsError): Found {
  return {
    // A read stopped before a wait was not checked; the rate-limit check says why it failed.
    status: e.code === STOPPED ? 'skip' : 'fail',
    detail: e.message,
    fix: e.hint ?? 'see "acns doctor" in docs/troubleshooting.md for what this answer means and what to do',
  };
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}
