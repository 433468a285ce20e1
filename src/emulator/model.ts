/**
 * The emulator's account model: plain data that tests read and mutate in-process, the demo seed
 * and a generator for big synthetic accounts. The state file lives in statefile.ts.
 */
import { createHash } from 'node:crypto';
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
  /** The name's real addresses while a DNS fixture serves it on loopback ones (saved instead of those). */
  real?: { ipv4: string; ipv6: string };
  /** Created while a DNS fixture ran, with loopback addresses only: saved without addresses. */
  fixture?: boolean;
}

export interface EmulatorState {
  accountId: string;
  accountName: string;
  /** User API tokens (they verify at GET /user/tokens/verify). */
  tokens: string[];
  /** Account API tokens (they verify at GET /accounts/{id}/tokens/verify); none when absent. */
  accountTokens?: string[];
  keys: { email: string; key: string }[];
  /** Account entitled to ACNS; false answers 1002 on every custom nameserver call. */
  entitled: boolean;
  /** Account plan type: DNS zone defaults (the account default) are Enterprise-only. */
  plan: 'enterprise' | 'business';
  accountDefault: string;
  zones: EmuZone[];
  customNs: EmuNameserver[];
  /** Sets whose glue the DNS fixture leaves out at the parent zone (not yet registered). */
  glueMissing: number[];
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
      hint:
        'the format is described in docs/emulator.md and schemas/emulator-state.schema.json ' +
        '(account_id, tokens, entitled, plan, account_default, zones, custom_ns, glue_missing)',
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
    plan: 'enterprise',
    accountDefault: 'cloudflare.standard',
    zones,
    customNs: [],
    glueMissing: [],
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

/** A deterministic 32-hex token id (what the verify endpoints report; never the token). */
export function tokenIdFor(token: string): string {
  return createHash('sha256').update(`token:${token}`).digest('hex').slice(0, 32);
}

/** Deterministic addresses: 198.51.100.0/24 and 2001:db8:cf::/48 (documentation ranges). */
export function defaultAddresses(name: string): { ipv4: string; ipv6: string } {
  const h = createHash('sha256').update(`ns:${name}`).digest();
  const w = (i: number) => ((h[i] as number) * 256 + (h[i + 1] as number)).toString(16);
  return { ipv4: `198.51.100.${1 + ((h[0] as number) % 254)}`, ipv6: `2001:db8:cf:${w(1)}:${w(3)}::53` };
}
