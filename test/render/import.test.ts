import { parse } from 'yaml';
import { loadDesiredStateFromString } from '../../src/config/load.js';
import { renderImportYaml, schemaReference, type ImportOptions } from '../../src/render/import.js';
import type { AccountSnapshot } from '../../src/state/snapshot.js';

const ACC = '372e67954025e0ba6aaa6d586b9e0b59';
const OPTS: ImportOptions = {
  allZones: false,
  endpoints: 'dns_settings',
  schemaRef: './schemas/acns.schema.json',
  generatedAt: '2025-01-02T03:04:05Z',
};

function snapshot(over: Partial<AccountSnapshot> = {}): AccountSnapshot {
  return {
    accountId: ACC,
    nameservers: [
      { name: 'ns1.example.com', set: 1, ipv4: '192.0.2.1' },
      { name: 'ns2.example.com', set: 1, ipv4: '192.0.2.2' },
      { name: 'ns1.example.net', set: 2, ipv4: '192.0.2.3' },
      { name: 'ns2.example.net', set: 2, ipv4: '192.0.2.4' },
    ],
    zones: [
      { name: '113.0.203.in-addr.arpa', id: 'a', nameservers: { type: 'custom.account', set: 2 } },
      { name: 'big.example', id: 'b', nameservers: { type: 'cloudflare.advanced' } },
      { name: 'example.org', id: 'c', nameservers: { type: 'custom.account', set: 1 } },
      { name: 'legacy.example', id: 'd', nameservers: { type: 'cloudflare.standard' } },
      { name: 'tenant.example', id: 'e', nameservers: { type: 'custom.tenant' } },
    ],
    accountDefault: 'custom.account',
    ...over,
  };
}

function load(text: string) {
  const r = loadDesiredStateFromString(text, 'acns.yaml', { cwd: '/', env: {}, requireAccountId: true });
  if (!r.ok)
    throw new Error(
      `import output does not validate:\n` +
        `${r.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n')}\n---\n` +
        `${text}`,
    );
  return r.state;
}

test('custom-set zones only: validates with the real loader and describes the account', () => {
  const text = renderImportYaml(snapshot(), OPTS);
  expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schemas/acns.schema.json');
  expect(text).toContain(`from account ${ACC}`);
  expect(text).toContain('2025-01-02T03:04:05Z');
  expect(text).toMatch(/--all-zones/);
  expect(text.endsWith('\n')).toBe(true);
  const s = load(text);
  expect(s.accountId).toBe(ACC);
  expect(s.sets.map((x) => [x.set, x.names.map((n) => n.name), x.registrar])).toEqual([
    [1, ['ns1.example.com', 'ns2.example.com'], 'external'],
    [2, ['ns1.example.net', 'ns2.example.net'], 'external'],
  ]);
  expect(s.zones.map((z) => [z.name, z.target])).toEqual([
    ['113.0.203.in-addr.arpa', { type: 'custom', set: 2 }],
    ['example.org', { type: 'custom', set: 1 }],
  ]);
  expect(s.accountDefault?.value).toBe('custom.account');
  expect(s.policy).toEqual({ prune: false, glueCheck: 'enforce', maxZoneChanges: 50 });
  expect(s.cloudflare.endpoints).toBe('dns_settings');
  expect(text).not.toMatch(/^cloudflare:/m);
  expect(text).not.toContain('not importable'); // only --all-zones walks the other zones
});

test('--all-zones lists every zone: standard, advanced, and non-importable types as comments', () => {
  const text = renderImportYaml(snapshot(), { ...OPTS, allZones: true });
  expect(text).toContain('# not importable (nameserver type acns does not manage): tenant.example (custom.tenant)');
  const s = load(text);
  expect(Object.fromEntries(s.zones.map((z) => [z.name, z.target]))).toEqual({
    '113.0.203.in-addr.arpa': { type: 'custom', set: 2 },
    'big.example': { type: 'advanced' },
    'example.org': { type: 'custom', set: 1 },
    'legacy.example': { type: 'standard' },
  });
});

test('legacy endpoints are written back so plan uses the same flavour', () => {
  const text = renderImportYaml(snapshot(), { ...OPTS, endpoints: 'legacy' });
  expect(text).toMatch(/^cloudflare:\n {2}endpoints: legacy/m);
  expect(load(text).cloudflare.endpoints).toBe('legacy');
});

test('legacy endpoints with --all-zones never write `standard`: they cannot tell it from advanced', () => {
  const text = renderImportYaml(snapshot(), { ...OPTS, endpoints: 'legacy', allZones: true });
  expect(text).toContain(
    "# not imported: legacy.example is on Cloudflare's nameservers, " +
      'standard or advanced (the legacy endpoints cannot tell)',
  );
  const zones = Object.fromEntries(load(text).zones.map((z) => [z.name, z.target]));
  expect(zones['legacy.example']).toBeUndefined();
  expect(zones['example.org']).toEqual({ type: 'custom', set: 1 });
});

test('an empty account still validates: example set commented, no zones, default managed', () => {
  const text = renderImportYaml(snapshot({ nameservers: [], zones: [], accountDefault: 'cloudflare.standard' }), OPTS);
  expect(text).toContain('nameserver_sets: {}');
  expect(text).toContain('zones: {}');
  expect(text).toContain('# nameserver_sets:');
  const s = load(text);
  expect(s.sets).toEqual([]);
  expect(s.zones).toEqual([]);
  expect(s.accountDefault?.value).toBe('cloudflare.standard');
});

test('an account default acns does not manage is left out with a comment', () => {
  const text = renderImportYaml(snapshot({ accountDefault: 'custom.tenant' }), OPTS);
  expect(text).toContain('# The account default is custom.tenant, which acns does not manage');
  expect(text).not.toMatch(/^account_default:/m);
  expect(load(text).accountDefault).toBeUndefined();
});

test('a used set with a single name gets the warning comment (and the loader says why)', () => {
  const text = renderImportYaml(
    snapshot({
      nameservers: [
        { name: 'ns1.example.com', set: 1 },
        { name: 'ns1.example.net', set: 2 },
      ],
      zones: [{ name: 'example.org', id: 'c', nameservers: { type: 'custom.account', set: 1 } }],
      accountDefault: 'cloudflare.standard',
    }),
    OPTS,
  );
  expect(text).toContain('# warning: set 1 has 1 name but zones use it; add a name before planning');
  expect(text).not.toContain('warning: set 2'); // set 2 is unused: no warning
  const r = loadDesiredStateFromString(text, 'acns.yaml', { cwd: '/', env: {} });
  expect(r.ok).toBe(false);
});

test('a set with one unused name still validates', () => {
  const text = renderImportYaml(
    snapshot({
      nameservers: [
        { name: 'ns1.example.com', set: 1 },
        { name: 'ns2.example.com', set: 1 },
        { name: 'ns1.example.net', set: 2 },
      ],
      zones: [{ name: 'example.org', id: 'c', nameservers: { type: 'custom.account', set: 1 } }],
      accountDefault: 'cloudflare.standard',
    }),
    OPTS,
  );
  expect(text).not.toContain('warning:');
  expect(load(text).sets.map((x) => x.names.length)).toEqual([2, 1]);
});

test('a zone on a set that has no names in the account: the output still validates, the zone is flagged', () => {
  const text = renderImportYaml(
    snapshot({
      zones: [
        ...snapshot().zones,
        { name: 'orphan.example', id: 'f', nameservers: { type: 'custom.account', set: 3 } },
      ],
    }),
    OPTS,
  );
  expect(text).toMatch(/# warning: .*orphan\.example.*set 3/);
  const s = load(text);
  expect(s.zones.map((z) => z.name)).not.toContain('orphan.example');
});

test('a custom.account default uses every set: a one-name set gets the warning even with no zone on it', () => {
  const snap = snapshot({
    nameservers: [
      { name: 'ns1.example.com', set: 1 },
      { name: 'ns2.example.com', set: 1 },
      { name: 'ns1.example.net', set: 2 },
    ],
    zones: [],
    accountDefault: 'custom.account',
  });
  const text = renderImportYaml(snap, OPTS);
  expect(text).toMatch(/# warning: set 2 has 1 name but the account default \(custom\.account\) or zones use it/);
  expect(loadDesiredStateFromString(text, 'acns.yaml', { cwd: '/', env: {} }).ok).toBe(false);
});

test('every string from the API stays one string: YAML quoting comes from the yaml library', () => {
  const hostile = [
    'ns1,ns9.example.net',
    'a: b.example',
    '- dash.example',
    '#hash.example',
    "it's.example",
    'yes',
    '1',
  ];
  const text = renderImportYaml(
    snapshot({
      accountId: '12345678901234567890123456789012', // all digits: unquoted it would be a number
      nameservers: hostile.map((name) => ({ name, set: 1 })),
      zones: [
        { name: 'a,b.example', id: 'x', nameservers: { type: 'custom.account', set: 1 } },
        { name: 'null', id: 'y', nameservers: { type: 'custom.account', set: 1 } },
        { name: 'evil\nzones:\n  injected.example', id: 'z', nameservers: { type: 'custom.account', set: 7 } },
      ],
    }),
    OPTS,
  );
  const doc = parse(text) as {
    account_id: unknown;
    nameserver_sets: Record<string, { names: unknown[] }>;
    zones: Record<string, unknown>;
  };
  expect(doc.account_id).toBe('12345678901234567890123456789012');
  expect(doc.nameserver_sets['1']!.names).toEqual(hostile);
  // The zone on a set without names goes into a comment: its newlines cannot make keys.
  expect(doc.zones).toEqual({ 'a,b.example': 1, null: 1 });
  expect(text).not.toMatch(/^\s*injected\.example/m);
  // Names acns would refuse are flagged where they are, not silently split or dropped.
  expect(text).toContain('# warning: the name "ns1,ns9.example.net" contains the character ","');
});

describe('schemaReference: the $schema comment never points outside the project', () => {
  const schema = '/proj/node_modules/acns/schemas/acns.schema.json';
  test('acns installed in the project: a relative path into node_modules', () => {
    expect(schemaReference('/proj/acns.yaml', schema, '1.2.3')).toBe('./node_modules/acns/schemas/acns.schema.json');
    expect(schemaReference('/proj/accounts/prod.yaml', schema, '1.2.3')).toBe(
      '../node_modules/acns/schemas/acns.schema.json',
    );
  });
  test('a file in the acns checkout itself: its own schemas folder (a sibling folder gets the URL)', () => {
    expect(schemaReference('/src/acns/acns.yaml', '/src/acns/schemas/acns.schema.json', '0.1.0')).toBe(
      './schemas/acns.schema.json',
    );
    expect(schemaReference('/src/acns/tmp/a.yaml', '/src/acns/schemas/acns.schema.json', '0.1.0')).toBe(
      'https://raw.githubusercontent.com/acns/acns/v0.1.0/schemas/acns.schema.json',
    );
  });
  test('acns installed elsewhere (global install, another clone): the schema of this version by URL', () => {
    expect(
      schemaReference('/home/me/infra/acns.yaml', '/usr/lib/node_modules/acns/schemas/acns.schema.json', '0.1.0'),
    ).toBe('https://raw.githubusercontent.com/acns/acns/v0.1.0/schemas/acns.schema.json');
  });
});
