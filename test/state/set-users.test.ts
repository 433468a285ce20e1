/**
 * The users of a set losing names: every zone of the account on that set, and the account default.
 * When the run has already listed the account (to resolve the file's zones), that listing is used
 * instead of a second one; otherwise the account is listed once.
 */
import type { LiveState } from '../../src/state/types.js';
import { readSetUsers } from '../../src/state/set-users.js';
import { MemoryApi } from '../apply/memory-api.js';

function account(): MemoryApi {
  const api = new MemoryApi();
  api.addNameserver('ns1.example.net', 2).addNameserver('ns2.example.net', 2);
  api.addZone('z1', 'managed.example');
  api.addZone('z2', 'on-two.example', { type: 'custom.account', set: 2 });
  api.addZone('z3', 'standard.example');
  return api;
}

const base: LiveState = {
  accountId: 'a',
  nameservers: [],
  zones: [{ name: 'managed.example', id: 'z1', nameservers: { type: 'cloudflare.standard' } }],
  missingZones: [],
  accountDefault: 'cloudflare.standard',
};

describe('readSetUsers', () => {
  test('without a listing from this run: lists the account once and reads each zone not read yet', async () => {
    const api = account();
    const live = await readSetUsers(api, base, [2]);
    expect(api.callsOf('listAllZones')).toHaveLength(1);
    expect(api.callsOf('getZoneNameservers').map((c) => c.target)).toEqual(['on-two.example', 'standard.example']);
    expect(live.otherZones?.map((z) => z.name)).toEqual(['on-two.example']);
    expect(live.usersReadFor).toEqual([2]);
    expect(live.accountZones).toHaveLength(3);
  });

  test("with this run's listing: no second listing, the same zones read, the same users found", async () => {
    const api = account();
    const listed: LiveState = {
      ...base,
      accountZoneNames: ['managed.example', 'on-two.example', 'standard.example'],
      accountZones: [
        { name: 'managed.example', id: 'z1' },
        { name: 'on-two.example', id: 'z2' },
        { name: 'standard.example', id: 'z3' },
      ],
    };
    const live = await readSetUsers(api, listed, [2]);
    expect(api.callsOf('listAllZones')).toHaveLength(0);
    expect(api.callsOf('getZoneNameservers').map((c) => c.target)).toEqual(['on-two.example', 'standard.example']);
    expect(live.otherZones?.map((z) => z.name)).toEqual(['on-two.example']);
    expect(live.accountZoneNames).toEqual(['managed.example', 'on-two.example', 'standard.example']);
  });
});
