/**
 * The drift report: every difference between the live account and the file, each with the live
 * value, the desired value and the `file:line` that asks for it. Objects the file does not manage
 * are listed apart, as information, and so are zones on their set whose parent zone still
 * delegates them elsewhere (read from DNS by the command; never drift). Pure; `acns drift` renders
 * it and exits 2 when hasDrift.
 */
import { formatPos, type DesiredState } from '../config/types.js';
import type { LiveState } from '../state/types.js';
import type { LiveNameserver, ZoneNameservers } from '../cloudflare/types.js';
import { describeZoneNs } from './describe.js';
import { sameZoneNameservers } from '../cloudflare/types.js';
import { zoneTargetValue } from './diff.js';
import type { TakeoverProgress } from './takeover.js';

export type DriftValue = null | { set: number } | ZoneNameservers | { value: string };

export interface DriftItem {
  key: string; // 'ns:ns1.example.com', 'zone:example.org', 'default' (the baseline keys)
  kind: 'nameserver' | 'zone' | 'account_default';
  object: string; // the name, the zone, or 'account default'
  live: DriftValue; // null: absent live
  desired: DriftValue; // null: absent from the file (prune on)
  source?: string; // 'acns.yaml:14'
  message: string;
}

/** A zone on its custom set, live and in the file, whose parent zone does not (provably) delegate it to that set. */
export interface DriftDelegation {
  zone: string;
  status: 'elsewhere' | 'unknown'; // unknown: DNS could not tell
  nameservers: string[]; // what the parent delegates the zone to (empty: not delegated, or unknown)
  expected: string[]; // the names of the zone's set: the NS to set where the zone is delegated
  detail: string;
  /** Where that change is made ("at the registrar of …", "in the Cloudflare zone …"), when known. */
  where?: string;
}

/** What a delegation lookup said about one zone (the shape of dns/delegation's result). */
export interface ZoneDelegationResult {
  zone: string;
  status: 'delegated' | 'elsewhere' | 'unknown';
  nameservers: string[];
  detail: string;
  customNames: string[];
  where?: string;
}

export interface DriftReport {
  accountId: string;
  configFile: string;
  configDigest: string;
  hasDrift: boolean; // items only: delegation findings are information
  items: DriftItem[]; // names, then zones, then the default; each sorted by name
  unmanaged: { nameservers: LiveNameserver[]; zones: { name: string; nameservers: ZoneNameservers }[] };
  /** Zones whose delegation is not on their set yet, sorted by zone; undefined when not checked (glue_check: off). */
  delegation?: DriftDelegation[];
  /** Broken or unverifiable DNS checks (glue, lameness, referral); undefined when not checked. */
  dnsChecks?: DriftDnsFinding[];
  /** Where each recorded takeover of names in production stands (its glue is then not a finding). */
  takeover?: TakeoverProgress[];
}

/**
 * One DNS check that did not pass: a set's glue, a zone's lameness on its set's addresses (every
 * address answers SOA and NS with AA=1, serials agree, apex NS = the set's names), or the referral
 * resolvers get for it (NS = the set's names, glue = Cloudflare's addresses, DS matches a DNSKEY).
 */
export interface DriftDnsFinding {
  /** takeover: a server that must keep answering a takeover's zone until its hold is over does not. */
  check: 'glue' | 'lameness' | 'referral' | 'takeover';
  subject: string; // 'set 1' or a zone
  status: 'failed' | 'could_not_verify';
  problems: string[];
}

/** The checks worth reporting (not ok), in a stable order: glue, then lameness and referral by zone. */
export function dnsCheckFindings(
  results: { check: DriftDnsFinding['check']; subject: string; status: string; problems: string[] }[],
): DriftDnsFinding[] {
  const rank = { glue: 0, lameness: 1, referral: 2, takeover: 3 };
  return results
    .filter(
      (r): r is typeof r & { status: DriftDnsFinding['status'] } =>
        r.status === 'failed' || r.status === 'could_not_verify',
    )
    .map((r) => ({ check: r.check, subject: r.subject, status: r.status, problems: [...r.problems] }))
    .sort((a, b) =>
      a.subject === b.subject
        ? rank[a.check] - rank[b.check]
        : rank[a.check] - rank[b.check] || (a.subject < b.subject ? -1 : 1),
    );
}

export function buildDriftReport(desired: DesiredState, live: LiveState): DriftReport {
  const items: DriftItem[] = [...nameItems(desired, live), ...zoneItems(desired, live), ...defaultItems(desired, live)];
  const declared = new Set(desired.sets.flatMap((s) => s.names.map((n) => n.name)));
  return {
    accountId: live.accountId || desired.accountId || '',
    configFile: desired.file,
    configDigest: desired.digest,
    hasDrift: items.length > 0,
    items,
    unmanaged: {
      nameservers: desired.policy.prune ? [] : live.nameservers.filter((n) => !declared.has(n.name)),
      zones: (live.otherZones ?? []).map((z) => ({ name: z.name, nameservers: { ...z.nameservers } })),
    },
  };
}

/** Zones on the same custom set in the file and live: the ones whose delegation `drift` reads from DNS. */
export function delegationTargets(desired: DesiredState, live: LiveState): { zone: string; customNames: string[] }[] {
  const liveByName = new Map(live.zones.map((z) => [z.name, z]));
  const setNames = new Map(desired.sets.map((s) => [s.set, s.names.map((n) => n.name)]));
  return desired.zones.flatMap((z) => {
    const l = liveByName.get(z.name);
    if (z.target.type !== 'custom' || l?.nameservers.type !== 'custom.account' || l.nameservers.set !== z.target.set)
      return [];
    const customNames = setNames.get(z.target.set) ?? [];
    return customNames.length ? [{ zone: z.name, customNames }] : [];
  });
}

/** The lookups worth reporting (not delegated to the set, or unreadable), sorted by zone. */
export function delegationFindings(found: ZoneDelegationResult[]): DriftDelegation[] {
  return found
    .filter((f): f is ZoneDelegationResult & { status: DriftDelegation['status'] } => f.status !== 'delegated')
    .map((f) => ({
      zone: f.zone,
      status: f.status,
      nameservers: [...f.nameservers],
      expected: [...f.customNames],
      detail: f.detail,
      ...(f.where ? { where: f.where } : {}),
    }))
    .sort((a, b) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0));
}

function nameItems(desired: DesiredState, live: LiveState): DriftItem[] {
  const liveByName = new Map(live.nameservers.map((n) => [n.name, n]));
  const out: DriftItem[] = [];
  const declared = new Set<string>();
  for (const s of desired.sets) {
    for (const n of s.names) {
      declared.add(n.name);
      const l = liveByName.get(n.name);
      if (l && l.set === n.set) continue;
      out.push({
        key: `ns:${n.name}`,
        kind: 'nameserver',
        object: n.name,
        live: l ? { set: l.set } : null,
        desired: { set: n.set },
        source: formatPos(n.pos),
        message: l
          ? `${n.name} is in set ${l.set} live but set ${n.set} in the file`
          : `${n.name} (set ${n.set}) does not exist live`,
      });
    }
  }
  if (desired.policy.prune) {
    for (const l of live.nameservers) {
      if (declared.has(l.name)) continue;
      out.push({
        key: `ns:${l.name}`,
        kind: 'nameserver',
        object: l.name,
        live: { set: l.set },
        desired: null,
        message: `${l.name} exists live in set ${l.set} but is not in ${desired.file} (policy.prune is on)`,
      });
    }
  }
  return out.sort((a, b) => (a.object < b.object ? -1 : a.object > b.object ? 1 : 0));
}

function zoneItems(desired: DesiredState, live: LiveState): DriftItem[] {
  const liveZones = new Map(live.zones.map((z) => [z.name, z]));
  const missing = new Set(live.missingZones);
  const out: DriftItem[] = [];
  for (const z of desired.zones) {
    const want = zoneTargetValue(z);
    const lz = liveZones.get(z.name);
    if (!lz) {
      if (!missing.has(z.name)) continue;
      out.push({
        key: `zone:${z.name}`,
        kind: 'zone',
        object: z.name,
        live: null,
        desired: want ?? { type: 'cloudflare.advanced' },
        source: formatPos(z.pos),
        message: `zone ${z.name} is not in the account`,
      });
      continue;
    }
    if (want === null || sameZoneNameservers(want, lz.nameservers)) continue;
    out.push({
      key: `zone:${z.name}`,
      kind: 'zone',
      object: z.name,
      live: { ...lz.nameservers },
      desired: want,
      source: formatPos(z.pos),
      message: `zone ${z.name} uses ${describeZoneNs(lz.nameservers)} live but ${describeZoneNs(want)} in the file`,
    });
  }
  return out;
}

function defaultItems(desired: DesiredState, live: LiveState): DriftItem[] {
  const want = desired.accountDefault;
  if (!want) return [];
  const liveValue = live.accountDefault ?? 'unknown';
  if (liveValue === want.value) return [];
  return [
    {
      key: 'default',
      kind: 'account_default',
      object: 'account default',
      live: { value: liveValue },
      desired: { value: want.value },
      source: formatPos(want.pos),
      message: `the account default is ${liveValue} live but ${want.value} in the file`,
    },
  ];
}
