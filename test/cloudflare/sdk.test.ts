/**
 * Contract tests against Cloudflare's own TypeScript SDK (generated from Cloudflare's OpenAPI):
 * (a) every endpoint acns uses, driven through the SDK against the emulator — the SDK must parse
 *     each answer, and acns's client must read the same state from it;
 * (b) at type level, the fields acns sends and reads agree with the SDK's types field by field,
 *     so an SDK upgrade that brings a schema change fails `tsc` here.
 */
import Cloudflare from 'cloudflare';
import type {
  CustomNameserver,
  CustomNameserverCreateParams,
} from 'cloudflare/resources/custom-nameservers/custom-nameservers';
import type { Account } from 'cloudflare/resources/accounts/accounts';
import type { TokenVerifyResponse as AccountTokenVerifyResponse } from 'cloudflare/resources/accounts/tokens/tokens';
import type { AccountEditParams, AccountGetResponse } from 'cloudflare/resources/dns/settings/account';
import type { ZoneEditParams, ZoneEditResponse, ZoneGetResponse } from 'cloudflare/resources/dns/settings/zone';
import type {
  CustomNameserverGetResponse as LegacyZoneGetResponse,
  CustomNameserverUpdateParams as LegacyZoneUpdateParams,
} from 'cloudflare/resources/zones/custom-nameservers';
import type { TokenVerifyResponse as UserTokenVerifyResponse } from 'cloudflare/resources/user/tokens/tokens';
import type { Zone, ZoneListParams } from 'cloudflare/resources/zones/zones';
import type { V4PagePaginationArrayResponse } from 'cloudflare/core/pagination';
import { createAccountApi } from '../../src/cloudflare/account.js';
import { CloudflareClient } from '../../src/cloudflare/client.js';
import { getAccount, verifyToken } from '../../src/cloudflare/endpoints.js';
import type {
  WireAccount,
  WireAccountDnsSettings,
  WireCreateCustomNs,
  WireCustomNs,
  WireDnsRecord,
  WireLegacyZoneCustomNs,
  WirePatchAccountDnsSettings,
  WirePatchZoneDnsSettings,
  WirePutLegacyZoneCustomNs,
  WireResultInfo,
  WireTokenVerify,
  WireZone,
  WireZoneDnsSettings,
  WireZoneNameservers,
  WireZonesQuery,
} from '../../src/cloudflare/wire.js';
import { bigAccountState, DEMO_ACCOUNT_ID, DEMO_TOKEN } from '../../src/emulator/model.js';
import { type Emulator, startEmulator } from '../../src/emulator/server.js';

// --- (b) types, checked by tsc --------------------------------------------------------------------

/** The keys of every member of a union. */
type KeysOf<T> = T extends unknown ? keyof T : never;
/** A field's type across the members of a union that have it. */
type Field<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;
/** For each field acns reads: the SDK has it, and the SDK's values fit how acns reads it. */
type Reads<Ours, Sdk> = {
  [K in keyof Ours]-?: [K] extends [KeysOf<Sdk>]
    ? [Field<Sdk, K>] extends [Ours[K]]
      ? true
      : 'the SDK type of this field differs from what acns reads'
    : 'this field is missing in the SDK';
};
/** For each field acns sends: the SDK has it, and every value acns sends fits the SDK's type. */
type Sends<Ours, Sdk> = {
  [K in keyof Ours]-?: [K] extends [KeysOf<Sdk>]
    ? [Ours[K]] extends [Field<Sdk, K>]
      ? true
      : 'acns sends a value the SDK type does not allow'
    : 'this field is missing in the SDK';
};
/** Assigning `{ field: true, … }` fails tsc, naming the field, when any agreement above fails. */
type Agree<T> = { [K in keyof T]: true };
const agree = <T>(x: Agree<T> & T): T => x;
const all = { ns_name: true, ns_set: true, dns_records: true } as const;
const TOKEN_FIELDS = { id: true, status: true, expires_on: true, not_before: true } as const;

const TYPE_CONTRACT = [
  // POST and GET /accounts/{account_id}/custom_ns
  agree<Reads<WireCustomNs, CustomNameserver>>(all),
  agree<Reads<WireDnsRecord, CustomNameserver.DNSRecord>>({ type: true, value: true }),
  agree<Sends<WireCreateCustomNs, Omit<CustomNameserverCreateParams, 'account_id'>>>({ ns_name: true, ns_set: true }),
  // GET /zones (total_count is a hint the SDK does not type: acns never trusts it alone)
  agree<Reads<WireZone, Zone>>({ id: true, name: true, status: true, name_servers: true, vanity_name_servers: true }),
  agree<Reads<Omit<WireResultInfo, 'total_count' | 'count' | 'total_pages'>, V4PagePaginationArrayResponse.ResultInfo>>(
    { page: true, per_page: true },
  ),
  agree<Sends<Omit<WireZonesQuery, 'account.id'>, ZoneListParams>>({ name: true, page: true, per_page: true }),
  agree<Sends<{ id: WireZonesQuery['account.id'] }, NonNullable<ZoneListParams['account']>>>({ id: true }),
  // GET and PATCH /zones/{zone_id}/dns_settings
  agree<Reads<WireZoneDnsSettings, ZoneGetResponse>>({ nameservers: true, foundation_dns: true }),
  agree<Reads<WireZoneDnsSettings, ZoneEditResponse>>({ nameservers: true, foundation_dns: true }),
  agree<Reads<WireZoneNameservers, ZoneGetResponse['nameservers']>>({ type: true, ns_set: true }),
  agree<Sends<WirePatchZoneDnsSettings, Omit<ZoneEditParams, 'zone_id'>>>({ nameservers: true }),
  agree<Sends<WirePatchZoneDnsSettings['nameservers'], NonNullable<ZoneEditParams['nameservers']>>>({
    type: true,
    ns_set: true,
  }),
  // GET and PATCH /accounts/{account_id}/dns_settings
  agree<Reads<WireAccountDnsSettings, AccountGetResponse>>({ zone_defaults: true }),
  agree<Reads<NonNullable<WireAccountDnsSettings['zone_defaults']>, AccountGetResponse.ZoneDefaults>>({
    nameservers: true,
  }),
  agree<Sends<WirePatchAccountDnsSettings, Omit<AccountEditParams, 'account_id'>>>({ zone_defaults: true }),
  // Deprecated GET and PUT /zones/{zone_id}/custom_ns (the fields sit beside result)
  agree<Reads<WireLegacyZoneCustomNs, LegacyZoneGetResponse>>({ enabled: true, ns_set: true }),
  agree<Sends<WirePutLegacyZoneCustomNs, Omit<LegacyZoneUpdateParams, 'zone_id'>>>({ enabled: true, ns_set: true }),
  // acns doctor: GET /user/tokens/verify, GET /accounts/{account_id}/tokens/verify, GET /accounts/{account_id}
  agree<Reads<WireTokenVerify, UserTokenVerifyResponse>>(TOKEN_FIELDS),
  agree<Reads<WireTokenVerify, AccountTokenVerifyResponse>>(TOKEN_FIELDS),
  agree<Reads<WireAccount, Account>>({ id: true, name: true, type: true }),
];

test('the type contract covers every request and response acns sends or reads (checked by tsc)', () => {
  expect(TYPE_CONTRACT).toHaveLength(20);
});

// --- (a) the SDK against the emulator -------------------------------------------------------------

let emu: Emulator;
let sdk: Cloudflare;
const account_id = DEMO_ACCOUNT_ID;

beforeAll(async () => {
  emu = await startEmulator({ state: bigAccountState(75) });
  sdk = new Cloudflare({ apiToken: DEMO_TOKEN, baseURL: emu.url, maxRetries: 0 });
});
afterAll(() => emu.close());

function acns() {
  const client = new CloudflareClient({ baseUrl: emu.url, credentials: { kind: 'token', token: DEMO_TOKEN } });
  return { client, api: createAccountApi({ client, accountId: account_id, endpoints: 'dns_settings' }) };
}

test('every endpoint acns uses parses in the SDK, and acns reads the same state', async () => {
  // custom nameservers: create, list, delete
  const created = await sdk.customNameservers.create({ account_id, ns_name: 'ns1.sdk.example', ns_set: 2 });
  expect(created).toMatchObject({ ns_name: 'ns1.sdk.example', ns_set: 2, dns_records: expect.any(Array) });
  await sdk.customNameservers.create({ account_id, ns_name: 'ns2.sdk.example', ns_set: 2 });
  const listed: CustomNameserver[] = [];
  for await (const ns of sdk.customNameservers.get({ account_id })) listed.push(ns);
  expect(listed.map((n) => n.ns_name).sort()).toEqual(['ns1.sdk.example', 'ns2.sdk.example']);

  const { client, api } = acns();
  expect(await api.listNameservers()).toEqual(
    listed
      .map((n) => ({
        name: n.ns_name,
        set: n.ns_set ?? 1,
        ipv4: n.dns_records.find((r) => r.type === 'A')?.value,
        ipv6: n.dns_records.find((r) => r.type === 'AAAA')?.value,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
  );

  // zones: the SDK pages until an empty page; acns stops at the short one, with the same zones
  const zones: Zone[] = [];
  for await (const z of sdk.zones.list({ account: { id: account_id }, per_page: 50 })) zones.push(z);
  expect(zones).toHaveLength(75);
  const ours = await api.listAllZones();
  // with each zone's own pair of Cloudflare nameservers (what to set at the registrar to leave ACNS)
  expect(ours).toEqual(
    zones
      .map((z) => ({ id: z.id, name: z.name, nameServers: z.name_servers }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
  );
  const byName = await sdk.zones.list({ account: { id: account_id }, name: zones[3]?.name });
  expect(byName.result.map((z) => z.id)).toEqual([zones[3]?.id]);

  // zone dns_settings: edit and get
  const zoneId = zones[0]?.id as string;
  const edited = await sdk.dns.settings.zone.edit({
    zone_id: zoneId,
    nameservers: { type: 'custom.account', ns_set: 2 },
  });
  expect(edited.nameservers).toEqual({ type: 'custom.account', ns_set: 2 });
  const got = await sdk.dns.settings.zone.get({ zone_id: zoneId });
  expect(got.nameservers).toEqual({ type: 'custom.account', ns_set: 2 });
  expect(await api.getZoneNameservers(zoneId)).toEqual({ type: 'custom.account', set: 2 });

  // account dns_settings: edit and get
  const acc = await sdk.dns.settings.account.edit({
    account_id,
    zone_defaults: { nameservers: { type: 'custom.account' } },
  });
  expect(acc.zone_defaults.nameservers.type).toBe('custom.account');
  expect((await sdk.dns.settings.account.get({ account_id })).zone_defaults.nameservers.type).toBe('custom.account');
  expect(await api.getAccountDefault()).toBe('custom.account');

  // deprecated zone custom_ns: update and get (the fields beside result)
  const legacyZone = zones[1]?.id as string;
  const updated = await sdk.zones.customNameservers.update({ zone_id: legacyZone, enabled: true, ns_set: 2 });
  expect(updated).toBeDefined();
  const legacy = await sdk.zones.customNameservers.get({ zone_id: legacyZone });
  expect(legacy).toMatchObject({ success: true, enabled: true, ns_set: 2 });
  const legacyApi = createAccountApi({ client, accountId: account_id, endpoints: 'legacy' });
  expect(await legacyApi.getZoneNameservers(legacyZone)).toEqual({ type: 'custom.account', set: 2 });

  // delete
  await sdk.customNameservers.delete('ns1.sdk.example', { account_id });
  await api.deleteNameserver('ns2.sdk.example');
  const after: CustomNameserver[] = [];
  for await (const ns of sdk.customNameservers.get({ account_id })) after.push(ns);
  expect(after).toEqual([]);
  await client.close();
});

test('token verification and the account read parse in the SDK, and acns reads the same', async () => {
  const { client } = acns();
  const user = await sdk.user.tokens.verify();
  expect(user.status).toBe('active');
  expect(await verifyToken(client, 'user', account_id)).toEqual({ id: user.id, status: user.status });

  emu.state.accountTokens = ['acct-sdk-token'];
  const acctSdk = new Cloudflare({ apiToken: 'acct-sdk-token', baseURL: emu.url, maxRetries: 0 });
  const acct = await acctSdk.accounts.tokens.verify({ account_id });
  const acctClient = new CloudflareClient({
    baseUrl: emu.url,
    credentials: { kind: 'token', token: 'acct-sdk-token' },
  });
  expect(await verifyToken(acctClient, 'account', account_id)).toEqual({ id: acct.id, status: acct.status });
  await expect(acctSdk.user.tokens.verify()).rejects.toMatchObject({ status: 401 });

  const a = await sdk.accounts.get({ account_id });
  expect(await getAccount(client, account_id)).toEqual({ id: a.id, name: a.name, type: a.type });
  await Promise.all([client.close(), acctClient.close()]);
});

test("the SDK's own errors agree with acns's reading of the same failure", async () => {
  const e = await sdk.dns.settings.zone.get({ zone_id: 'f'.repeat(32) }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(Cloudflare.APIError);
  const { client, api } = acns();
  const ours = await api.getZoneNameservers('f'.repeat(32)).catch((x: unknown) => x);
  expect(ours).toMatchObject({ status: (e as InstanceType<typeof Cloudflare.APIError>).status });
  expect(ours).toMatchObject({ code: 'cloudflare_zone_not_found' });
  await client.close();
});
