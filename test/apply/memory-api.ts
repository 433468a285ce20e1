/**
 * An in-memory AccountApi for the executor's unit tests: state in maps, a call log (tagged with the
 * executor's current step id), injectable failures per method and target (account-wide errors,
 * lost responses), gates that hold a call until the test releases it, and in-flight tracking.
 * End-to-end behaviour against the real client and the emulator is tested through the CLI.
 */
import { currentStepId } from '../../src/apply/executor.js';
import type { AccountApi, ResolvedZones, ZoneRef } from '../../src/cloudflare/api.js';
import type { EndpointFlavour } from '../../src/config/types.js';
import { AcnsError } from '../../src/errors.js';
import type { LiveNameserver, ZoneNameservers } from '../../src/cloudflare/types.js';

export type Method = Exclude<keyof AccountApi, 'accountId' | 'endpoints'>;

export interface Call {
  method: Method;
  target: string; // nameserver name, zone name, 'account' or '*'
  step?: string; // the executor step the call ran under
}

interface Failure {
  method: Method;
  target: string; // '*' for any
  error: () => Error;
  times: number; // remaining; Infinity for persistent
  /** Lost response: the write is applied, then the call throws. */
  afterWrite: boolean;
}

interface Gate {
  method: Method;
  target: string;
  open: Promise<void>;
  release: () => void;
  started: Promise<void>;
  markStarted: () => void;
}

/** An error shaped like the client's CloudflareError (status, Cloudflare's envelope errors, accountWide). */
export class FakeCloudflareError extends AcnsError {
  readonly errors: { code: number; message: string }[];
  constructor(
    message: string,
    readonly status: number,
    cfCodes: number[],
    readonly accountWide = false,
    hint?: string,
  ) {
    super('cloudflare_api', message, { hint });
    this.errors = cfCodes.map((code) => ({ code, message }));
  }
}

export const serverError = (msg = 'Internal Server Error'): Error => new FakeCloudflareError(msg, 500, [1000]);
export const accountWideError = (msg = 'Authentication error'): Error =>
  new FakeCloudflareError(msg, 401, [10000], true, 'check CLOUDFLARE_API_TOKEN and its permissions');

export class MemoryApi implements AccountApi {
  readonly accountId = '372e67954025e0ba6aaa6d586b9e0b59';
  readonly endpoints: EndpointFlavour = 'dns_settings';
  readonly nameservers = new Map<string, LiveNameserver>();
  readonly zones = new Map<string, { name: string; ns: ZoneNameservers }>();
  accountDefault = 'cloudflare.standard';
  readonly calls: Call[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Called inside each call (the executor's step context is active), e.g. to journal it. */
  onCall?: (c: Call) => void;
  private failures: Failure[] = [];
  private gates: Gate[] = [];
  private nextAddress = 1;

  addNameserver(name: string, set: number): this {
    this.nameservers.set(name, this.withAddresses(name, set));
    return this;
  }

  addZone(id: string, name: string, ns: ZoneNameservers = { type: 'cloudflare.standard' }): this {
    this.zones.set(id, { name, ns });
    return this;
  }

  /** Makes `method` on `target` ('*': any) throw; `times` defaults to persistent. */
  fail(method: Method, target: string, error: () => Error, opts: { times?: number; afterWrite?: boolean } = {}): this {
    this.failures.push({ method, target, error, times: opts.times ?? Infinity, afterWrite: opts.afterWrite ?? false });
    return this;
  }

  clearFailures(): void {
    this.failures = [];
  }

  /** Holds the next call of `method` on `target` until release(); `started` resolves when it arrives. */
  hold(method: Method, target: string): { release: () => void; started: Promise<void> } {
    let release!: () => void;
    let markStarted!: () => void;
    const open = new Promise<void>((r) => (release = r));
    const started = new Promise<void>((r) => (markStarted = r));
    this.gates.push({ method, target, open, release, started, markStarted });
    return { release, started };
  }

  callsOf(method: Method): Call[] {
    return this.calls.filter((c) => c.method === method);
  }

  writes(): Call[] {
    return this.calls.filter((c) => /^(create|delete|set)/.test(c.method));
  }

  zoneByName(name: string): ZoneNameservers | undefined {
    return [...this.zones.values()].find((z) => z.name === name)?.ns;
  }

  // --- AccountApi ---

  listNameservers(): Promise<LiveNameserver[]> {
    return this.call('listNameservers', '*', () =>
      [...this.nameservers.values()]
        .sort((a, b) => a.set - b.set || a.name.localeCompare(b.name))
        .map((n) => ({ ...n })),
    );
  }

  createNameserver(name: string, set: number): Promise<LiveNameserver> {
    return this.call('createNameserver', name, () => {
      const existing = this.nameservers.get(name);
      if (existing) throw new FakeCloudflareError(`${name} already exists`, 400, [1406]);
      const ns = this.withAddresses(name, set);
      this.nameservers.set(name, ns);
      return { ...ns };
    });
  }

  deleteNameserver(name: string): Promise<void> {
    return this.call('deleteNameserver', name, () => {
      if (!this.nameservers.delete(name)) throw new FakeCloudflareError(`${name} not found`, 404, [1404]);
    });
  }

  resolveZones(names: string[]): Promise<ResolvedZones> {
    return this.call('resolveZones', '*', () => {
      const all = this.zoneRefs();
      return {
        found: all.filter((z) => names.includes(z.name)),
        missing: names.filter((n) => !all.some((z) => z.name === n)),
      };
    });
  }

  listAllZones(): Promise<ZoneRef[]> {
    return this.call('listAllZones', '*', () => this.zoneRefs());
  }

  listZonesBelow(zone: string): Promise<ZoneRef[]> {
    return this.call('listZonesBelow', zone, () => this.zoneRefs().filter((z) => z.name.endsWith(`.${zone}`)));
  }

  getZoneNameservers(zoneId: string): Promise<ZoneNameservers> {
    return this.call('getZoneNameservers', this.zoneName(zoneId), () => ({ ...this.zone(zoneId).ns }));
  }

  setZoneNameservers(zoneId: string, ns: ZoneNameservers): Promise<void> {
    return this.call('setZoneNameservers', this.zoneName(zoneId), () => {
      this.zone(zoneId).ns = { ...ns };
    });
  }

  getAccountDefault(): Promise<string> {
    return this.call('getAccountDefault', 'account', () => this.accountDefault);
  }

  setAccountDefault(value: string): Promise<void> {
    return this.call('setAccountDefault', 'account', () => {
      this.accountDefault = value;
    });
  }

  // --- helpers ---

  private async call<T>(method: Method, target: string, apply: () => T): Promise<T> {
    const c: Call = { method, target, step: currentStepId() };
    this.calls.push(c);
    this.onCall?.(c);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setImmediate(r));
      const gate = this.gates.find((g) => g.method === method && (g.target === '*' || g.target === target));
      if (gate) {
        this.gates.splice(this.gates.indexOf(gate), 1);
        gate.markStarted();
        await gate.open;
      }
      const failure = this.failures.find(
        (f) => f.times > 0 && f.method === method && (f.target === '*' || f.target === target),
      );
      if (failure) failure.times--;
      if (failure && !failure.afterWrite) throw failure.error();
      const out = apply();
      if (failure) throw failure.error();
      return out;
    } finally {
      this.inFlight--;
    }
  }

  private withAddresses(name: string, set: number): LiveNameserver {
    const n = this.nextAddress++;
    return { name, set, ipv4: `192.0.2.${n}`, ipv6: `2001:db8::${n}` };
  }

  private zone(id: string): { name: string; ns: ZoneNameservers } {
    const z = this.zones.get(id);
    if (!z) throw new FakeCloudflareError(`zone ${id} not found`, 404, [1001]);
    return z;
  }

  private zoneName(id: string): string {
    return this.zones.get(id)?.name ?? id;
  }

  protected zoneRefs(): ZoneRef[] {
    return [...this.zones.entries()]
      .map(([id, z]) => ({ id, name: z.name }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
