/** Shared set-up for the state tests: the real emulator and the real AccountApi client on it. */
import { accountApiFromEnv, type AccountApiHandle } from '../../src/cloudflare/account.js';
import type { EndpointFlavour } from '../../src/config/types.js';
import { DEMO_ACCOUNT_ID, newZone, type EmulatorState } from '../../src/emulator/model.js';
import { startEmulator, type Emulator, type LogEntry } from '../../src/emulator/server.js';

export interface StateWorld {
  emu: Emulator;
  api: AccountApiHandle;
  close(): Promise<void>;
}

export async function startWorld(o: { state?: EmulatorState; endpoints?: EndpointFlavour } = {}): Promise<StateWorld> {
  const emu = await startEmulator({ ...(o.state ? { state: o.state } : {}) });
  const api = accountApiFromEnv(
    { CLOUDFLARE_BASE_URL: emu.url, CLOUDFLARE_API_TOKEN: 'demo-token' },
    { accountId: DEMO_ACCOUNT_ID, endpoints: o.endpoints ?? 'dns_settings' },
  );
  return {
    emu,
    api,
    close: async () => {
      await api.close();
      await emu.close();
    },
  };
}

export function addNs(emu: Emulator, name: string, set: number, ipv4 = '198.51.100.7', ipv6 = '2001:db8:cf::7'): void {
  emu.state.customNs.push({ ns_name: name, ns_set: set, ipv4, ipv6, status: 'verified', zone_tag: 'x' });
}

export function setZone(emu: Emulator, name: string, ns: { type: string; ns_set?: number }): void {
  const z = emu.state.zones.find((x) => x.name === name);
  if (z) z.nameservers = ns;
  else emu.state.zones.push(newZone(name, ns));
}

export function zoneId(emu: Emulator, name: string): string {
  return emu.state.zones.find((z) => z.name === name)!.id;
}

export type RequestKind = 'custom_ns' | 'zones_by_name' | 'zones_page' | 'zone_settings' | 'default' | 'other';

/** What each logged request was for. */
export function kindOf(e: LogEntry): RequestKind {
  const [path = '', query = ''] = e.path.split('?');
  if (e.method !== 'GET') return 'other';
  if (/^\/accounts\/[0-9a-f]+\/custom_ns$/.test(path)) return 'custom_ns';
  if (path === '/zones') return /(^|&)name=/.test(query) ? 'zones_by_name' : 'zones_page';
  if (/^\/zones\/[0-9a-f]+\/(dns_settings|custom_ns)$/.test(path)) return 'zone_settings';
  if (/^\/accounts\/[0-9a-f]+(\/dns_settings)?$/.test(path)) return 'default';
  return 'other';
}

export function countKinds(emu: Emulator): Record<RequestKind, number> {
  const out: Record<RequestKind, number> = {
    custom_ns: 0,
    zones_by_name: 0,
    zones_page: 0,
    zone_settings: 0,
    default: 0,
    other: 0,
  };
  for (const e of emu.requests()) out[kindOf(e)]++;
  return out;
}
