/** Builders for DesiredState / LiveState objects, so planner and renderer tests read like acns.yaml. */
import type { AccountDefault, DesiredState, DesiredZone, GluePolicy } from '../../src/config/types.js';
import type { LiveState, LiveZone } from '../../src/state/types.js';
import type { LiveNameserver, ZoneNameservers } from '../../src/cloudflare/types.js';

export type ZoneSpec = number | 'standard' | 'advanced';

export interface DesiredSpec {
  sets?: Record<number, string[]>;
  registrar?: Record<number, 'external' | 'cloudflare'>;
  zones?: Record<string, ZoneSpec>;
  accountDefault?: AccountDefault;
  prune?: boolean;
  glueCheck?: GluePolicy;
  maxZoneChanges?: number;
}

/** Positions follow the file layout: line 1 version, sets from line 3, one line per name, then zones. */
export function desired(spec: DesiredSpec): DesiredState {
  const file = 'acns.yaml';
  let line = 3;
  const pos = () => ({ file, line: line++, col: 3 });
  const sets = Object.entries(spec.sets ?? {})
    .map(([k, names]) => {
      const set = Number(k);
      const p = pos();
      return {
        set,
        pos: p,
        registrar: spec.registrar?.[set] ?? ('external' as const),
        hostZone: names[0]?.split('.').slice(-2).join('.'),
        names: names.map((name) => ({ name, set, pos: pos() })),
      };
    })
    .sort((a, b) => a.set - b.set);
  line++;
  const zones: DesiredZone[] = Object.entries(spec.zones ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, t]) => ({
      name,
      pos: pos(),
      target:
        typeof t === 'number'
          ? { type: 'custom', set: t }
          : t === 'standard'
            ? { type: 'standard' }
            : { type: 'advanced' },
    }));
  const state: DesiredState = {
    file,
    digest: `sha256:${'ab'.repeat(32)}`,
    version: 1,
    accountId: '372e67954025e0ba6aaa6d586b9e0b59',
    sets,
    zones,
    policy: {
      prune: spec.prune ?? false,
      glueCheck: spec.glueCheck ?? 'enforce',
      maxZoneChanges: spec.maxZoneChanges ?? 50,
    },
    cloudflare: {
      endpoints: 'dns_settings',
      requestsPerWindow: 1000,
      windowSeconds: 300,
      requestsPerSecond: 200,
      concurrency: 8,
    },
    dns: { rootServers: [], parentServers: [], port: 53 },
  };
  if (spec.accountDefault) state.accountDefault = { value: spec.accountDefault, pos: pos() };
  return state;
}

export type LiveZoneSpec = number | 'standard' | 'advanced' | ZoneNameservers;

export interface LiveSpec {
  sets?: Record<number, string[]>;
  zones?: Record<string, LiveZoneSpec>;
  missing?: string[];
  accountZoneNames?: string[];
  other?: Record<string, LiveZoneSpec>;
  accountDefault?: string;
}

export function live(spec: LiveSpec): LiveState {
  const nameservers: LiveNameserver[] = [];
  let i = 1;
  for (const [k, names] of Object.entries(spec.sets ?? {})) {
    for (const name of names) {
      nameservers.push({ name, set: Number(k), ipv4: `192.0.2.${i}`, ipv6: `2001:db8::${i}` });
      i++;
    }
  }
  nameservers.sort((a, b) => a.set - b.set || (a.name < b.name ? -1 : 1));
  const state: LiveState = {
    accountId: '372e67954025e0ba6aaa6d586b9e0b59',
    nameservers,
    zones: toZones(spec.zones ?? {}, 'z'),
    missingZones: [...(spec.missing ?? [])].sort(),
  };
  if (spec.accountZoneNames) state.accountZoneNames = spec.accountZoneNames;
  if (spec.other) state.otherZones = toZones(spec.other, 'o');
  if (spec.accountDefault) state.accountDefault = spec.accountDefault;
  return state;
}

export function zoneNs(t: LiveZoneSpec): ZoneNameservers {
  if (typeof t === 'number') return { type: 'custom.account', set: t };
  if (t === 'standard') return { type: 'cloudflare.standard' };
  if (t === 'advanced') return { type: 'cloudflare.advanced' };
  return t;
}

function toZones(spec: Record<string, LiveZoneSpec>, prefix: string): LiveZone[] {
  return Object.entries(spec)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, t], i) => ({ name, id: `${prefix}${String(i).padStart(31, '0')}`, nameservers: zoneNs(t) }));
}
