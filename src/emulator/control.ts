/**
 * The emulator's control endpoint, under /__acns (a path Cloudflare does not have): changes made
 * "in the dashboard" — outside the API a client uses — for drift and stale-plan rehearsals, the
 * DNS fixture's glue per set, and the whole state as a state-file document. Loopback only, no auth.
 */
import { defaultAddresses, newZone, zoneIdFor, type EmuNameserversSetting, type EmulatorState } from './model.js';
import type { EmuResponse } from './routes.js';
import { stateToDocument } from './statefile.js';

export const CONTROL_PREFIX = '/__acns';

export interface ControlRequest {
  method: string;
  path: string; // after /__acns, without the query
  body: unknown;
}

/** Answers one control request; `changed` is true when the state was modified. */
export function controlRoute(s: EmulatorState, r: ControlRequest): EmuResponse & { changed: boolean } {
  const p = r.path.split('/').filter(Boolean).map(decodeURIComponent);
  const m = r.method;
  const o = (typeof r.body === 'object' && r.body !== null ? r.body : {}) as Record<string, unknown>;
  if (p.length === 1 && p[0] === 'state' && m === 'GET') return done(stateToDocument(s), false);
  if (p[0] === 'zones') {
    if (p.length === 1 && m === 'POST') return addZone(s, o);
    const name = norm(p[1] ?? '');
    const zone = s.zones.find((z) => z.name === name);
    if (p.length === 2 && !zone) return refused(404, `the account has no zone ${name}`);
    if (zone && p.length === 2 && m === 'PATCH') {
      const ns = setting(o.nameservers);
      if (typeof ns === 'string') return refused(400, ns);
      zone.nameservers = ns;
      return done({ name: zone.name, nameservers: ns }, true);
    }
    if (zone && p.length === 2 && m === 'DELETE') {
      s.zones.splice(s.zones.indexOf(zone), 1);
      return done({ deleted: zone.name }, true);
    }
  }
  if (p.length === 1 && p[0] === 'account_default' && m === 'PUT') {
    if (typeof o.type !== 'string' || !DEFAULT_TYPES.includes(o.type))
      return refused(400, `type must be one of ${DEFAULT_TYPES.join(', ')}`);
    s.accountDefault = o.type;
    return done({ account_default: o.type }, true);
  }
  if (p[0] === 'custom_ns') {
    if (p.length === 1 && m === 'POST') {
      if (typeof o.ns_name !== 'string' || !/^[a-z0-9.-]+\.[a-z0-9-]+\.?$/i.test(o.ns_name))
        return refused(400, 'ns_name must be a host name such as ns1.example.com');
      const set = o.ns_set ?? 1;
      if (!isSet(set)) return refused(400, 'ns_set must be a whole number from 1 to 5');
      const name = norm(o.ns_name);
      if (s.customNs.some((n) => n.ns_name === name)) return refused(400, `${name} already exists`);
      const addr = defaultAddresses(name);
      s.customNs.push({
        ns_name: name,
        ns_set: set,
        ipv4: typeof o.ipv4 === 'string' ? o.ipv4 : addr.ipv4,
        ipv6: typeof o.ipv6 === 'string' ? o.ipv6 : addr.ipv6,
        status: 'verified',
        zone_tag: zoneIdFor(name.split('.').slice(-2).join('.')),
      });
      return done({ ns_name: name, ns_set: set }, true);
    }
    if (p.length === 2 && m === 'DELETE') {
      const name = norm(p[1] as string);
      const i = s.customNs.findIndex((n) => n.ns_name === name);
      if (i < 0) return refused(404, `the account has no custom nameserver ${name}`);
      s.customNs.splice(i, 1);
      return done({ deleted: name }, true);
    }
  }
  if (p[0] === 'glue' && p.length === 2 && m === 'PUT') {
    const set = Number(p[1]);
    if (!isSet(set)) return refused(400, 'the set in /__acns/glue/<set> must be a whole number from 1 to 5');
    if (typeof o.published !== 'boolean') return refused(400, 'send {"published": true} or {"published": false}');
    s.glueMissing = o.published
      ? s.glueMissing.filter((x) => x !== set)
      : [...new Set([...s.glueMissing, set])].sort((a, b) => a - b);
    return done({ set, published: o.published }, true);
  }
  return refused(404, `no control route ${m} ${CONTROL_PREFIX}${r.path} (see docs/emulator.md)`);
}

function addZone(s: EmulatorState, o: Record<string, unknown>): EmuResponse & { changed: boolean } {
  if (typeof o.name !== 'string' || !o.name.includes('.')) return refused(400, 'name must be a zone name');
  const name = norm(o.name);
  if (s.zones.some((z) => z.name === name)) return refused(400, `the account already has a zone ${name}`);
  // A new zone gets the account default; set 1 stands for custom.account (Cloudflare tries it first).
  const fallback: EmuNameserversSetting =
    s.accountDefault === 'custom.account'
      ? { type: 'custom.account', ns_set: 1 }
      : { type: s.accountDefault === 'cloudflare.standard.random' ? 'cloudflare.standard' : s.accountDefault };
  const ns = o.nameservers === undefined ? fallback : setting(o.nameservers);
  if (typeof ns === 'string') return refused(400, ns);
  const zone = newZone(name, ns);
  s.zones.push(zone);
  return done({ name, id: zone.id, nameservers: ns }, true);
}

/** A nameserver setting from `"type"` or `{type, ns_set}`, or the reason it is not one. */
function setting(v: unknown): EmuNameserversSetting | string {
  const o = (typeof v === 'string' ? { type: v } : (v ?? {})) as Record<string, unknown>;
  if (typeof o.type !== 'string' || !ZONE_TYPES.includes(o.type))
    return `nameservers must be one of ${ZONE_TYPES.join(', ')}, or {"type": "custom.account", "ns_set": N}`;
  if (o.type !== 'custom.account') return { type: o.type };
  const set = o.ns_set ?? 1;
  if (!isSet(set)) return 'ns_set must be a whole number from 1 to 5';
  return { type: o.type, ns_set: set };
}

const ZONE_TYPES = ['cloudflare.standard', 'cloudflare.advanced', 'custom.account', 'custom.tenant', 'custom.zone'];
const DEFAULT_TYPES = [
  'cloudflare.standard',
  'cloudflare.advanced',
  'cloudflare.standard.random',
  'custom.account',
  'custom.tenant',
];

function isSet(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 5;
}

function norm(n: string): string {
  return n.trim().toLowerCase().replace(/\.+$/, '');
}

function done(result: unknown, changed: boolean): EmuResponse & { changed: boolean } {
  return { status: 200, body: { ok: true, result }, changed };
}

function refused(status: number, error: string): EmuResponse & { changed: boolean } {
  return { status, body: { ok: false, error }, changed: false };
}
