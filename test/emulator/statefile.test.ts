/** The emulator state file: schema validation with positions, defaults, and the round trip. */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { demoState, DEMO_ACCOUNT_ID } from '../../src/emulator/model.js';
import { renderStateFile, STATE_SCHEMA_PATH, stateFromText, stateToDocument } from '../../src/emulator/statefile.js';

const errorOf = (text: string, file = 'state.yaml'): string => {
  try {
    stateFromText(text, file);
  } catch (e) {
    return `${(e as Error).message}\nhint: ${(e as { hint?: string }).hint}`;
  }
  throw new Error('no error');
};

test('every problem is reported at once, each with file:line:column and the fix', () => {
  const msg = errorOf(
    [
      'account_id: 12345',
      'plan: enterprize',
      'tokens: ["demo token"]',
      'zones:',
      '  - name: example.org',
      '    nameservers: {type: custom.account, ns_set: 7}',
      '  - name: shop.example.org',
      '    nameserver: cloudflare.standard',
      'custom_ns:',
      '  - {ns_name: ns1.example.com, ipv4: 300.1.1.1}',
      'glue_missing: [2, 2]',
      '',
    ].join('\n'),
  );
  expect(msg).toContain('state.yaml:1:13: account_id must be text, not 12345 — quote it');
  expect(msg).toContain('state.yaml:2:7: plan must be one of: enterprise, business');
  expect(msg).toContain('state.yaml:3:10: tokens[0] must be a token without spaces');
  expect(msg).toContain('state.yaml:6:49: zones[0].nameservers.ns_set must be a set number from 1 to 5');
  expect(msg).toContain('state.yaml:8:5: unknown key "nameserver" in zones[1] — did you mean "nameservers"?');
  expect(msg).toContain('state.yaml:10:38: custom_ns[0].ipv4 must be an IPv4 address');
  expect(msg).toContain('state.yaml:11:15: glue_missing lists a set twice');
  expect(msg).toContain('docs/emulator.md'); // the hint
});

test('duplicates and overfull sets are impossible accounts, with positions', () => {
  const names = Array.from({ length: 6 }, (_, i) => `  - {ns_name: ns${i}.example.com, ns_set: 2}`);
  const msg = errorOf(`zones: [example.org, Example.ORG.]\ncustom_ns:\n${names.join('\n')}\n`);
  expect(msg).toContain('state.yaml:1:22: zone example.org is listed twice (also zones[0])');
  expect(msg).toContain('set 2 has 6 names; Cloudflare allows at most 5 per set');
});

test('empty files and YAML errors are clear', () => {
  expect(errorOf('  \n')).toContain('is empty (write {} for the demo account)');
  expect(errorOf('zones: [a\n')).toMatch(/is not valid JSON or YAML:\n {2}state\.yaml:\d+:\d+:/);
});

test('what the file leaves out comes from the demo account', () => {
  const s = stateFromText('{}');
  expect(s).toEqual(demoState());
  const t = stateFromText('zones: [Example.COM.]\nplan: business\n');
  expect(t.zones.map((z) => [z.name, z.nameservers])).toEqual([['example.com', { type: 'cloudflare.standard' }]]);
  expect([t.plan, t.tokens, t.accountId]).toEqual(['business', ['demo-token'], DEMO_ACCOUNT_ID]);
});

test('a state written out reads back the same, in YAML and JSON, and validates against the schema', () => {
  const s = demoState();
  s.customNs.push(
    {
      ns_name: 'ns1.example.com',
      ns_set: 1,
      ipv4: '192.0.2.1',
      ipv6: '2001:db8::1',
      status: 'verified',
      zone_tag: 'x',
    },
    {
      ns_name: 'ns2.example.com',
      ns_set: 1,
      ipv4: '192.0.2.2',
      ipv6: '2001:db8::2',
      status: 'verified',
      zone_tag: 'x',
    },
  );
  (s.zones[0] as { nameservers: object }).nameservers = { type: 'custom.account', ns_set: 1 };
  s.glueMissing = [2];
  s.plan = 'business';
  s.accountTokens = ['account-token-1'];
  for (const file of ['s.yaml', 's.json']) {
    const text = renderStateFile(s, file, { schemaRef: './emulator-state.schema.json' });
    const back = stateFromText(text, file);
    expect({ ...back, customNs: back.customNs.map((n) => ({ ...n, zone_tag: 'x' })) }).toEqual(s);
  }
  const ajv = new Ajv({ strict: true, allErrors: true });
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
    a: Ajv,
  ) => void;
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(STATE_SCHEMA_PATH, 'utf8')) as object);
  expect(validate(parse(renderStateFile(s, 's.yaml')))).toBe(true);
});

test('names a DNS fixture served on loopback are saved with their real addresses, invented ones without', () => {
  const s = demoState();
  s.customNs.push(
    {
      ns_name: 'ns1.example.com',
      ns_set: 1,
      ipv4: '127.53.0.1',
      ipv6: '::1',
      status: 'verified',
      zone_tag: 'x',
      real: { ipv4: '162.159.0.1', ipv6: '2606:4700::1' },
    },
    {
      ns_name: 'ns2.example.com',
      ns_set: 1,
      ipv4: '127.53.0.2',
      ipv6: '::1',
      status: 'verified',
      zone_tag: 'x',
      fixture: true,
    },
  );
  expect(stateToDocument(s).custom_ns).toEqual([
    { ns_name: 'ns1.example.com', ns_set: 1, ipv4: '162.159.0.1', ipv6: '2606:4700::1' },
    { ns_name: 'ns2.example.com', ns_set: 1 },
  ]);
});
