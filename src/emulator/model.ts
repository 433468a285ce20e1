/**
 * The emulator's account model: plain data that tests read and mutate in-process, the demo seed,
 * a generator for big synthetic accounts, and loading a state file (JSON or YAML).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { AcnsError } from '../errors.js';

export interface EmuNameserversSetting {
  type: string; // cloudflare.standard | cloudflare.advanced | custom.account | custom.tenant | custom.zone
  ns_set?: number;
}

export interface EmuZone {
  id: string;
  name: string;
  status: string;
  nameservers: EmuNameserversSetting;
}

export interface EmuNameserver {
  ns_name: string;
  ns_set: number;
  ipv4: string;
  ipv6: string;
  status: string;
  zone_tag: string;
}

export interface EmulatorState {
  accountId: string;
  accountName: string;
  tokens: string[];
  keys: { email: string; key: string }[];
  /** Account entitled to ACNS; false answers 1002 on every custom nameserver call. */
  entitled: boolean;
  accountDefault: string;
  zones: EmuZone[];
  customNs: EmuNameserver[];
}

export const DEMO_ACCOUNT_ID = '372e67954025e0ba6aaa6d586b9e0b59';
export const DEMO_TOKEN = 'demo-token';

export const DEMO_ZONES: readonly string[] = [
  'example.org',
  'shop.example.org',
  '113.0.203.in-addr.arpa',
  '10.113.0.203.in-addr.arpa',
  'legacy.example',
  'example.com',
  'example.net',
];

export class EmulatorStateError extends AcnsError {
  constructor(file: string, problem: string) {
    super('emulator_state', `emulator state file ${file}: ${problem}`, {
      hint: 'see `acns emulator --help` for the state file format (account_id, tokens, entitled, zones, custom_ns, account_default)',
    });
    this.name = 'EmulatorStateError';
  }
}

/** The demo account: seven zones on Cloudflare's standard nameservers plus big.example on advanced. */
export function demoState(): EmulatorState {
  const zones = DEMO_ZONES.map((name) => newZone(name, { type: 'cloudflare.standard' }));
  zones.push(newZone('big.example', { type: 'cloudflare.advanced' }));
  return {
    accountId: DEMO_ACCOUNT_ID,
    accountName: 'Demo Account',
    tokens: [DEMO_TOKEN],
    keys: [],
    entitled: true,
    accountDefault: 'cloudflare.standard',
    zones,
    customNs: [],
  };
}

/** A synthetic account of `n` zones named zone-00001.example … for benchmarks. */
export function bigAccountState(n: number): EmulatorState {
  const s = demoState();
  s.zones = [];
  for (let i = 1; i <= n; i++)
    s.zones.push(newZone(`zone-${String(i).padStart(5, '0')}.example`, { type: 'cloudflare.standard' }));
  return s;
}

export function newZone(name: string, nameservers: EmuNameserversSetting, id?: string): EmuZone {
  return { id: id ?? zoneIdFor(name), name, status: 'active', nameservers };
}

/** A deterministic 32-hex zone id. */
export function zoneIdFor(name: string): string {
  return createHash('sha256').update(`zone:${name}`).digest('hex').slice(0, 32);
}

/** Deterministic addresses: 198.51.100.0/24 and 2001:db8:cf::/48 (documentation ranges). */
export function defaultAddresses(name: string): { ipv4: string; ipv6: string } {
  const h = createHash('sha256').update(`ns:${name}`).digest();
  const w = (i: number) => ((h[i] as number) * 256 + (h[i + 1] as number)).toString(16);
  return { ipv4: `198.51.100.${1 + ((h[0] as number) % 254)}`, ipv6: `2001:db8:cf:${w(1)}:${w(3)}::53` };
}

/** Loads a state file (JSON or YAML); anything not given comes from the demo seed. */
export async function loadStateFile(file: string): Promise<EmulatorState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new EmulatorStateError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new EmulatorStateError(file, `is not valid JSON or YAML (${(e as Error).message.split('\n')[0]})`);
  }
  return stateFromDocument(doc, file);
}

export function stateFromDocument(doc: unknown, file = '<state>'): EmulatorState {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new EmulatorStateError(file, 'must be a mapping');
  const d = doc as Record<string, unknown>;
  const s = demoState();
  const bad = (p: string) => new EmulatorStateError(file, p);
  if (d.account_id !== undefined) {
    if (typeof d.account_id !== 'string' || !/^[0-9a-f]{32}$/.test(d.account_id))
      throw bad('account_id must be 32 hex digits');
    s.accountId = d.account_id;
  }
  if (typeof d.account_name === 'string') s.accountName = d.account_name;
  if (d.tokens !== undefined) {
    if (!Array.isArray(d.tokens) || !d.tokens.every((t) => typeof t === 'string' && t !== ''))
      throw bad('tokens must be a list of strings');
    s.tokens = d.tokens as string[];
  }
  if (d.keys !== undefined) {
    if (!Array.isArray(d.keys)) throw bad('keys must be a list of {email, key}');
    s.keys = d.keys.map((k, i) => {
      const o = k as Record<string, unknown>;
      if (typeof o?.email !== 'string' || typeof o?.key !== 'string') throw bad(`keys[${i}] needs email and key`);
      return { email: o.email, key: o.key };
    });
  }
  if (d.entitled !== undefined) {
    if (typeof d.entitled !== 'boolean') throw bad('entitled must be true or false');
    s.entitled = d.entitled;
  }
  if (d.account_default !== undefined) {
    if (typeof d.account_default !== 'string')
      throw bad('account_default must be a string such as cloudflare.standard');
    s.accountDefault = d.account_default;
  }
  if (d.zones !== undefined) {
    if (!Array.isArray(d.zones)) throw bad('zones must be a list');
    s.zones = d.zones.map((z, i) => zoneFromDoc(z, i, bad));
  }
  if (d.custom_ns !== undefined) {
    if (!Array.isArray(d.custom_ns)) throw bad('custom_ns must be a list');
    s.customNs = d.custom_ns.map((x, i) => {
      const o = (x ?? {}) as Record<string, unknown>;
      if (typeof o.ns_name !== 'string') throw bad(`custom_ns[${i}].ns_name is missing`);
      const set = o.ns_set ?? 1;
      if (typeof set !== 'number' || !Number.isInteger(set) || set < 1 || set > 5)
        throw bad(`custom_ns[${i}].ns_set must be 1–5`);
      const name = o.ns_name.toLowerCase().replace(/\.$/, '');
      const addr = defaultAddresses(name);
      return {
        ns_name: name,
        ns_set: set,
        ipv4: typeof o.ipv4 === 'string' ? o.ipv4 : addr.ipv4,
        ipv6: typeof o.ipv6 === 'string' ? o.ipv6 : addr.ipv6,
        status: 'verified',
        zone_tag: zoneIdFor(name.split('.').slice(-2).join('.')),
      };
    });
  }
  return s;
}

function zoneFromDoc(z: unknown, i: number, bad: (p: string) => Error): EmuZone {
  const o = (typeof z === 'string' ? { name: z } : (z ?? {})) as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name === '') throw bad(`zones[${i}].name is missing`);
  const name = o.name.toLowerCase().replace(/\.$/, '');
  let ns: EmuNameserversSetting = { type: 'cloudflare.standard' };
  if (typeof o.nameservers === 'string') ns = { type: o.nameservers };
  else if (typeof o.nameservers === 'object' && o.nameservers !== null) {
    const n = o.nameservers as Record<string, unknown>;
    if (typeof n.type !== 'string') throw bad(`zones[${i}].nameservers.type is missing`);
    ns = typeof n.ns_set === 'number' ? { type: n.type, ns_set: n.ns_set } : { type: n.type };
  }
  if (o.id !== undefined && (typeof o.id !== 'string' || !/^[0-9a-f]{32}$/.test(o.id)))
    throw bad(`zones[${i}].id must be 32 hex digits`);
  return newZone(name, ns, o.id as string | undefined);
}
