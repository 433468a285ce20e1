/**
 * Synthetic data for the benchmark: an emulator account of N zones, a desired-state file (YAML
 * text) managing an evenly spread subset of them, and in-memory desired and live states for pure
 * planning. Deterministic: the same sizes always give the same data.
 */
import type { DesiredState, DesiredZone, SourcePos } from '../src/config/types.js';
import {
  bigAccountState,
  DEMO_ACCOUNT_ID,
  defaultAddresses,
  zoneIdFor,
  type EmulatorState,
} from '../src/emulator/model.js';
import type { LiveState, LiveZone } from '../src/state/types.js';

export interface DesiredFileOptions {
  zones: string[];
  /** Declare set 2 as well (set 1 is always declared). */
  twoSets?: boolean;
  accountDefault?: boolean; // manage the account default (custom.account)
  /** Spread the zones over set 1, set 2 and standard (implies set 2); otherwise every zone uses set 1. */
  mix?: boolean;
  /** policy.prune: names of sets the file does not declare are deleted. */
  prune?: boolean;
}

export const BENCH_HOST = 'bench-dns.example';
export const SET1_NAMES = [`ns1.${BENCH_HOST}`, `ns2.${BENCH_HOST}`];
export const SET2_NAMES = [`ns3.${BENCH_HOST}`, `ns4.${BENCH_HOST}`, `ns5.${BENCH_HOST}`];

/** zone-00001.example … as bigAccountState names them (five digits). */
export function accountZoneName(i: number): string {
  return `zone-${String(i).padStart(5, '0')}.example`;
}

/** `managed` zone names spread evenly over an account of `account` zones (sorted). */
export function managedZoneNames(managed: number, account: number): string[] {
  if (managed > account) throw new RangeError('managed zones cannot outnumber the account');
  const out: string[] = [];
  for (let k = 0; k < managed; k++) out.push(accountZoneName(Math.floor((k * account) / managed) + 1));
  return out;
}

/**
 * An emulator account of `zones` standard zones; with `existingSet1`, set 1's names already exist;
 * with `existingSet2`, set 2's too.
 */
export function accountState(zones: number, existingSet1 = false, existingSet2 = false): EmulatorState {
  const s = bigAccountState(zones);
  const existing = [
    ...(existingSet1 ? SET1_NAMES.map((name) => ({ name, set: 1 })) : []),
    ...(existingSet2 ? SET2_NAMES.map((name) => ({ name, set: 2 })) : []),
  ];
  for (const { name, set } of existing) {
    s.customNs.push({
      ns_name: name,
      ns_set: set,
      ...defaultAddresses(name),
      status: 'verified',
      zone_tag: zoneIdFor(BENCH_HOST),
    });
  }
  return s;
}

/** A desired-state file as YAML text. Glue checks are off: the benchmark measures the API, not DNS. */
export function desiredYaml(o: DesiredFileOptions): string {
  const lines = [
    'version: 1',
    `account_id: ${DEMO_ACCOUNT_ID}`,
    'nameserver_sets:',
    '  1:',
    `    names: [${SET1_NAMES.join(', ')}]`,
    '    registrar: external',
  ];
  if (o.twoSets || o.mix) lines.push('  2:', `    names: [${SET2_NAMES.join(', ')}]`, '    registrar: cloudflare');
  lines.push('zones:');
  o.zones.forEach((z, i) => lines.push(`  ${z}: ${o.mix ? mixTarget(i) : '1'}`));
  if (o.accountDefault) lines.push('account_default: custom.account');
  lines.push('policy:', '  glue_check: "off"', '  max_zone_changes: 1000000');
  if (o.prune) lines.push('  prune: true');
  lines.push('');
  return lines.join('\n');
}

/**
 * In-memory states for pure planning: `n` zones split over set 1, set 2 and standard; set 1's names
 * exist live, set 2's do not; every fifth zone is already where the file wants it.
 */
export function pureStates(n: number): { desired: DesiredState; live: LiveState } {
  const file = 'bench.yaml';
  const pos = (line: number): SourcePos => ({ file, line, col: 3 });
  const zones: DesiredZone[] = [];
  const liveZones: LiveZone[] = [];
  for (let i = 0; i < n; i++) {
    const name = `zone-${String(i + 1).padStart(6, '0')}.example`;
    const t = mixTarget(i);
    const target: DesiredZone['target'] = t === 'standard' ? { type: 'standard' } : { type: 'custom', set: t };
    zones.push({ name, target, pos: pos(20 + i) });
    const matches = i % 5 === 0;
    const nameservers =
      matches && t !== 'standard' ? { type: 'custom.account', set: t } : { type: 'cloudflare.standard' };
    liveZones.push({ name, id: zoneIdFor(name), nameservers });
  }
  const desired: DesiredState = {
    file,
    digest: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
    version: 1,
    accountId: DEMO_ACCOUNT_ID,
    sets: [
      {
        set: 1,
        names: SET1_NAMES.map((name, i) => ({ name, set: 1, pos: pos(5 + i) })),
        registrar: 'external',
        hostZone: BENCH_HOST,
        pos: pos(4),
      },
      {
        set: 2,
        names: SET2_NAMES.map((name, i) => ({ name, set: 2, pos: pos(9 + i) })),
        registrar: 'cloudflare',
        hostZone: BENCH_HOST,
        pos: pos(8),
      },
    ],
    zones,
    accountDefault: { value: 'custom.account', pos: pos(19 + n) },
    policy: { prune: false, glueCheck: 'off', maxZoneChanges: 1_000_000 },
    cloudflare: {
      endpoints: 'dns_settings',
      requestsPerWindow: 1000,
      windowSeconds: 300,
      requestsPerSecond: 200,
      concurrency: 8,
    },
    dns: { rootServers: [], parentServers: [], port: 53 },
  };
  const live: LiveState = {
    accountId: DEMO_ACCOUNT_ID,
    nameservers: SET1_NAMES.map((name) => ({ name, set: 1, ...defaultAddresses(name) })),
    zones: liveZones,
    missingZones: [],
    accountDefault: 'cloudflare.standard',
  };
  return { desired, live };
}

/** set 1, set 2 or standard, in a fixed rotation. */
function mixTarget(i: number): 1 | 2 | 'standard' {
  const r = i % 7;
  return r === 6 ? 'standard' : r % 2 === 0 ? 1 : 2;
}
