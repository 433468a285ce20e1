/**
 * Cloudflare's set and zone rules, and the construction of the normalised DesiredState. Reads the
 * parsed data defensively: anything of the wrong shape was already reported by the schema and is
 * skipped here, so both passes can report everything at once without duplicates.
 */
import { findHierarchyConflicts } from './hierarchy.js';
import { isWithin, nameIfValid, registrableDomain } from './names.js';
import { parseServerAddress } from './formats.js';
import { pointerSegment, type LinePos, type PositionIndex } from './parse.js';
import type { Problems } from './problems.js';
import type {
  AccountDefault,
  DesiredName,
  DesiredSet,
  DesiredState,
  DesiredZone,
  Diagnostic,
  EndpointFlavour,
  GluePolicy,
  SourcePos,
} from './types.js';

export interface SemanticResult {
  state: DesiredState;
  warnings: Diagnostic[];
}

/**
 * Builds the desired state from schema-shaped data and checks the cross-field rules; errors go to
 * `problems` (bounded), warnings are returned.
 */
export function buildDesiredState(
  data: unknown,
  positions: PositionIndex,
  file: string,
  digest: string,
  problems: Problems,
): SemanticResult {
  const warnings: Diagnostic[] = [];
  const at = (p: LinePos): SourcePos => ({ file, line: p.line, col: p.col });
  // A message may be given as a function: past the listed problems it is only counted, never built.
  const err = (p: LinePos, message: string | (() => string)) => {
    if (typeof message === 'function' && !problems.wants(p)) problems.count(1);
    else problems.add({ file, line: p.line, col: p.col, message: typeof message === 'function' ? message() : message });
  };
  const root = obj(data);

  const rawSets = obj(root.nameserver_sets);
  const sets: DesiredSet[] = [];
  const setRawCount = new Map<number, number>();
  const allNames: DesiredName[] = [];
  for (const key of Object.keys(rawSets)) {
    if (!/^[1-5]$/.test(key)) continue;
    const n = Number(key);
    const raw = obj(rawSets[key]);
    if (raw !== rawSets[key]) continue; // not a mapping: the schema reported it
    const setPointer = `/nameserver_sets/${key}`;
    const names: DesiredName[] = [];
    const list = Array.isArray(raw.names) ? raw.names : [];
    list.forEach((item, i) => {
      if (typeof item !== 'string') return;
      const name = nameIfValid(item);
      if (name) names.push({ name, set: n, pos: at(positions.value(`${setPointer}/names/${i}`)) });
    });
    const invalid = list.length - names.length;
    const registrar = raw.registrar === 'cloudflare' ? 'cloudflare' : 'external';
    const set: DesiredSet = { set: n, names, registrar, pos: at(positions.key(setPointer)) };
    const hostZone = typeof raw.host_zone === 'string' ? (nameIfValid(raw.host_zone) ?? null) : undefined;
    if (hostZone) {
      set.hostZone = hostZone;
      for (const nm of names) {
        if (!isWithin(nm.name, hostZone)) {
          err(
            nm.pos,
            `name ${nm.name} is not inside host_zone ${hostZone} of set ${n} — ` +
              'fix host_zone or move the name to another set',
          );
        }
      }
    } else if (hostZone === undefined) {
      const domains = new Set(names.map((x) => registrableDomain(x.name) ?? x.name));
      if (domains.size === 1) set.hostZone = [...domains][0];
    }
    allNames.push(...names);
    setRawCount.set(n, invalid);
    sets.push(set);
  }
  sets.sort((a, b) => a.set - b.set);

  // A name appears once: within a set and across sets (compared after normalisation).
  const firstSeen = new Map<string, DesiredName>();
  const dupes = new Set<DesiredName>();
  for (const nm of [...allNames].sort(byPos)) {
    const first = firstSeen.get(nm.name);
    if (!first) {
      firstSeen.set(nm.name, nm);
      continue;
    }
    dupes.add(nm);
    err(
      nm.pos,
      first.set === nm.set
        ? `name ${nm.name} is listed twice in set ${nm.set} (first at line ${first.pos.line}) — ` +
            'remove one; a set needs distinct names'
        : `name ${nm.name} is in set ${first.set} (line ${first.pos.line}) and in set ${nm.set} — ` +
            'a name belongs to exactly one set; remove it from one of them',
    );
  }
  for (const s of sets) s.names = s.names.filter((x) => !dupes.has(x));

  const rawZones = obj(root.zones);
  const zones: DesiredZone[] = [];
  const zoneByName = new Map<string, { raw: string; zone: DesiredZone }>();
  const candidates: { raw: string; name: string; pos: SourcePos; value: unknown }[] = [];
  for (const raw of Object.keys(rawZones)) {
    const name = nameIfValid(raw);
    if (!name) continue;
    candidates.push({
      raw,
      name,
      pos: at(positions.key(`/zones/${pointerSegment(raw)}`)),
      value: rawZones[raw],
    });
  }
  candidates.sort((a, b) => byPos(a, b));
  const declared = new Set(
    Object.keys(rawSets)
      .filter((k) => /^[1-5]$/.test(k))
      .map(Number),
  );
  for (const c of candidates) {
    const prev = zoneByName.get(c.name);
    if (prev) {
      err(
        c.pos,
        () =>
          `zone "${c.raw}" is the same zone as "${prev.raw}" (line ${prev.zone.pos.line}) ` +
          `once names are normalised to ${c.name} — keep one entry`,
      );
      continue;
    }
    let zone: DesiredZone | undefined;
    if (Number.isInteger(c.value) && (c.value as number) >= 1 && (c.value as number) <= 5) {
      const n = c.value as number;
      zone = { name: c.name, target: { type: 'custom', set: n }, pos: c.pos };
      if (!declared.has(n)) {
        const have = [...declared].sort().join(', ');
        err(
          positions.value(`/zones/${pointerSegment(c.raw)}`),
          () =>
            `zone ${c.name} uses set ${n}, which nameserver_sets does not declare — ` +
            `declare set ${n} with 2 to 5 names` +
            (have ? `, or use a declared set (${have})` : ''),
        );
      }
    } else if (c.value === 'standard' || c.value === 'advanced') {
      zone = { name: c.name, target: { type: c.value }, pos: c.pos };
    }
    if (zone) {
      zoneByName.set(c.name, { raw: c.raw, zone });
      zones.push(zone);
    }
  }
  zones.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  let accountDefault: DesiredState['accountDefault'];
  if (
    root.account_default === 'cloudflare.standard' ||
    root.account_default === 'cloudflare.standard.random' ||
    root.account_default === 'custom.account'
  ) {
    accountDefault = { value: root.account_default as AccountDefault, pos: at(positions.value('/account_default')) };
  }

  // Set sizes: 2..5 distinct names for a set in use; an unused small set is only a warning.
  const usedBy = new Map<number, string>();
  for (const z of zones) {
    if (z.target.type === 'custom' && !usedBy.has(z.target.set))
      usedBy.set(z.target.set, `zone ${z.name} (line ${z.pos.line}) uses it`);
  }
  if (accountDefault?.value === 'custom.account') {
    for (const s of sets)
      if (!usedBy.has(s.set))
        usedBy.set(s.set, `account_default custom.account (line ${accountDefault.pos.line}) uses every declared set`);
    if (!sets.length) {
      err(
        accountDefault.pos,
        'account_default is custom.account but no nameserver set is declared — ' +
          'declare set 1 with 2 to 5 names, or use cloudflare.standard',
      );
    }
  }
  for (const s of sets) {
    const count = s.names.length + (setRawCount.get(s.set) ?? 0);
    if (count >= 2) continue;
    const why = usedBy.get(s.set);
    const has = `set ${s.set} has ${count === 0 ? 'no names' : count === 1 ? '1 name' : `${count} names`}`;
    if (why) err(s.pos, `${has} but ${why} — a set in use needs 2 to 5 distinct names; add ${2 - count} more`);
    else
      warnings.push({
        ...s.pos,
        message: `${has} and nothing uses it — a set needs 2 to 5 distinct names before a zone can use it`,
      });
  }

  // Subdomain and reverse zones: a different set from every zone above or below them.
  const conflicts = findHierarchyConflicts(
    zones.map((z) => ({ name: z.name, set: z.target.type === 'custom' ? z.target.set : null })),
  );
  for (const c of conflicts) {
    const child = zoneByName.get(c.child)!.zone;
    const anc = zoneByName.get(c.ancestor)!.zone;
    const rel = c.child.slice(c.child.indexOf('.') + 1) === c.ancestor ? 'parent' : 'ancestor';
    err(
      child.pos,
      `zone ${c.child} uses set ${c.set}, the same set as its ${rel} zone ${c.ancestor} (line ${anc.pos.line}) — ` +
        'a subdomain or reverse zone must use a different set from every zone above or below it; ' +
        'move one of them to another set',
    );
  }

  const policy = obj(root.policy);
  const cf = obj(root.cloudflare);
  const dns = obj(root.dns);
  const state: DesiredState = {
    file,
    digest,
    version: 1,
    accountId:
      typeof root.account_id === 'string' && /^[0-9a-f]{32}$/i.test(root.account_id)
        ? root.account_id.toLowerCase()
        : undefined,
    sets,
    zones,
    accountDefault,
    policy: {
      prune: typeof policy.prune === 'boolean' ? policy.prune : false,
      glueCheck: oneOf<GluePolicy>(policy.glue_check, ['enforce', 'warn', 'off'], 'enforce'),
      maxZoneChanges: intIn(policy.max_zone_changes, 0, Number.MAX_SAFE_INTEGER, 50),
    },
    cloudflare: {
      endpoints: oneOf<EndpointFlavour>(cf.endpoints, ['dns_settings', 'legacy'], 'dns_settings'),
      requestsPerWindow: intIn(cf.requests_per_window, 1, Number.MAX_SAFE_INTEGER, 1000),
      windowSeconds: intIn(cf.window_seconds, 1, 3600, 300),
      requestsPerSecond: intIn(cf.requests_per_second, 1, 10_000, 200),
      concurrency: intIn(cf.concurrency, 1, 64, 64),
    },
    dns: {
      rootServers: servers(dns.root_servers),
      parentServers: servers(dns.parent_servers),
      port: intIn(dns.port, 1, 65535, 53),
      ...(dns.deadline_seconds !== undefined ? { deadlineSeconds: intIn(dns.deadline_seconds, 1, 600, 10) } : {}),
      ...(dns.switch_check_seconds !== undefined
        ? { switchCheckSeconds: intIn(dns.switch_check_seconds, 0, 600, 30) }
        : {}),
    },
  };
  if (accountDefault?.value === 'cloudflare.standard.random' && state.cloudflare.endpoints === 'legacy') {
    // The deprecated PUT /accounts/{id} only knows cloudflare.standard, custom.account and custom.tenant.
    err(
      accountDefault.pos,
      'account_default cloudflare.standard.random cannot be set through the legacy endpoints ' +
        '(cloudflare.endpoints: legacy) — ' +
        'use cloudflare.endpoints: dns_settings, or account_default: cloudflare.standard',
    );
  }
  if (state.accountId === undefined) delete state.accountId;
  if (state.accountDefault === undefined) delete state.accountDefault;
  return { state, warnings };
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], dflt: T): T {
  return allowed.includes(v as T) ? (v as T) : dflt;
}

function intIn(v: unknown, min: number, max: number, dflt: number): number {
  return Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : dflt;
}

function servers(v: unknown): string[] {
  return Array.isArray(v)
    ? v.filter((s): s is string => typeof s === 'string' && parseServerAddress(s) !== undefined)
    : [];
}

function byPos(a: { pos: SourcePos }, b: { pos: SourcePos }): number {
  return a.pos.line - b.pos.line || a.pos.col - b.pos.col;
}
