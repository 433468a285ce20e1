/** Valid files: the normalised DesiredState, defaults, positions, digest and environment overrides. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDesiredState, loadDesiredStateFromString, type LoadOptions } from '../../src/config/load.js';
import type { DesiredState, LoadResult } from '../../src/config/types.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const opts = (env: Record<string, string> = {}, extra: Partial<LoadOptions> = {}): LoadOptions => ({
  cwd: ROOT,
  env,
  ...extra,
});

function ok(res: LoadResult): DesiredState {
  if (!res.ok) throw new Error(res.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n'));
  return res.state;
}

describe('valid desired-state files', () => {
  test.each(['minimal', 'two-sets', 'account-default'])(
    'examples/%s.yaml is valid and starts with the schema comment',
    async (name) => {
      const file = `examples/${name}.yaml`;
      const res = await loadDesiredState(file, opts());
      const state = ok(res);
      expect(res.ok && res.warnings).toEqual([]);
      expect(state.file).toBe(file);
      expect(state.accountId).toBe('372e67954025e0ba6aaa6d586b9e0b59');
      const bytes = readFileSync(`${ROOT}/${file}`);
      expect(state.digest).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
      expect(bytes.toString('utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/acns.schema.json');
    },
  );

  test('two-sets.yaml: sets, zones sorted by name, targets and positions', async () => {
    const s = ok(await loadDesiredState('examples/two-sets.yaml', opts()));
    expect(s.sets.map((x) => [x.set, x.registrar, x.hostZone, x.names.map((n) => n.name)])).toEqual([
      [1, 'external', 'example.com', ['ns1.example.com', 'ns2.example.com']],
      [2, 'cloudflare', 'example.net', ['ns1.example.net', 'ns2.example.net']],
    ]);
    expect(s.zones.map((z) => [z.name, z.target])).toEqual([
      ['10.113.0.203.in-addr.arpa', { type: 'custom', set: 2 }],
      ['113.0.203.in-addr.arpa', { type: 'custom', set: 1 }],
      ['big.example', { type: 'advanced' }],
      ['example.org', { type: 'custom', set: 1 }],
      ['legacy.example', { type: 'standard' }],
      ['shop.example.org', { type: 'custom', set: 2 }],
    ]);
    const text = readFileSync(`${ROOT}/examples/two-sets.yaml`, 'utf8').split('\n');
    for (const z of s.zones)
      expect(text[z.pos.line - 1].slice(z.pos.col - 1)).toMatch(new RegExp(`^${z.name.replace(/\./g, '\\.')}:`));
    for (const set of s.sets) {
      expect(text[set.pos.line - 1].slice(set.pos.col - 1)).toMatch(new RegExp(`^${set.set}:`));
      for (const n of set.names) expect(text[n.pos.line - 1].slice(n.pos.col - 1).startsWith(n.name)).toBe(true);
    }
    expect(s.accountDefault).toBeUndefined();
  });

  test('account-default.yaml: the default and the policy block', async () => {
    const s = ok(await loadDesiredState('examples/account-default.yaml', opts()));
    expect(s.accountDefault?.value).toBe('custom.account');
    expect(s.accountDefault?.pos.line).toBeGreaterThan(1);
    expect(s.policy).toEqual({ prune: false, glueCheck: 'enforce', maxZoneChanges: 20 });
  });

  test('defaults apply when keys are left out', () => {
    const s = ok(loadDesiredStateFromString('version: 1\n', 'a.yaml', opts()));
    expect(s).toEqual({
      file: 'a.yaml',
      digest: `sha256:${createHash('sha256').update('version: 1\n').digest('hex')}`,
      version: 1,
      sets: [],
      zones: [],
      policy: { prune: false, glueCheck: 'enforce', maxZoneChanges: 50 },
      cloudflare: {
        endpoints: 'dns_settings',
        requestsPerWindow: 1000,
        windowSeconds: 300,
        requestsPerSecond: 200,
        concurrency: 64,
      },
      dns: { rootServers: [], parentServers: [], port: 53 },
    });
  });

  test('names and zone keys are normalised: IDN to A-label, lower case, no trailing dot; sets and zones sorted', () => {
    const yaml = [
      'version: 1', // 1
      'account_id: 372E67954025E0BA6AAA6D586B9E0B59', // 2
      'nameserver_sets:', // 3
      '  "2":', // 4
      '    names: [NS1.Bücher.Example., ns2.xn--bcher-kva.example]', // 5
      '  1:', // 6
      '    names:', // 7
      '      - Ns1.Example.COM.', // 8
      '      - ns2.example.com', // 9
      '    host_zone: Example.COM.', // 10
      'zones:', // 11
      '  Zeta.Example.: 1', // 12
      '  bücher.example: 2', // 13
      '  alpha.example: standard', // 14
      'policy: {prune: true, glue_check: warn, max_zone_changes: 0}', // 15
      'cloudflare: {endpoints: legacy, requests_per_window: 5000, window_seconds: 60, concurrency: 1}', // 16
      'dns: {root_servers: ["127.0.0.1:5353", "[::1]:5353"], parent_servers: ["::1"], port: 5300,', // 17
      '  switch_check_seconds: 0}', // 18
    ].join('\n');
    const s = ok(loadDesiredStateFromString(yaml, 'n.yaml', opts()));
    expect(s.accountId).toBe('372e67954025e0ba6aaa6d586b9e0b59');
    expect(s.sets.map((x) => x.set)).toEqual([1, 2]);
    expect(s.sets[0].names).toEqual([
      { name: 'ns1.example.com', set: 1, pos: { file: 'n.yaml', line: 8, col: 9 } },
      { name: 'ns2.example.com', set: 1, pos: { file: 'n.yaml', line: 9, col: 9 } },
    ]);
    expect(s.sets[0].hostZone).toBe('example.com');
    expect(s.sets[0].pos).toEqual({ file: 'n.yaml', line: 6, col: 3 });
    expect(s.sets[1].names.map((n) => [n.name, n.pos.line, n.pos.col])).toEqual([
      ['ns1.xn--bcher-kva.example', 5, 13],
      ['ns2.xn--bcher-kva.example', 5, 34],
    ]);
    expect(s.sets[1].pos).toEqual({ file: 'n.yaml', line: 4, col: 3 });
    expect(s.zones.map((z) => [z.name, z.pos.line, z.pos.col])).toEqual([
      ['alpha.example', 14, 3],
      ['xn--bcher-kva.example', 13, 3],
      ['zeta.example', 12, 3],
    ]);
    expect(s.policy).toEqual({ prune: true, glueCheck: 'warn', maxZoneChanges: 0 });
    // above 1200: Enterprise limits can be raised
    expect(s.cloudflare).toEqual({
      endpoints: 'legacy',
      requestsPerWindow: 5000,
      windowSeconds: 60,
      requestsPerSecond: 200,
      concurrency: 1,
    });
    expect(s.dns).toEqual({
      rootServers: ['127.0.0.1:5353', '[::1]:5353'],
      parentServers: ['::1'],
      port: 5300,
      switchCheckSeconds: 0, // 0: one check after a switch, no wait
    });
  });

  test('an unused set with one name is only a warning', () => {
    const res = loadDesiredStateFromString(
      'version: 1\nnameserver_sets:\n  1:\n    names: [a.example.com, b.example.com]\n' +
        '  3:\n    names: [c.example.com]\nzones:\n  example.org: 1\n',
      'w.yaml',
      opts(),
    );
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.warnings).toHaveLength(1);
    expect(res.warnings[0]).toMatchObject({ file: 'w.yaml', line: 5, col: 3 });
    expect(res.warnings[0].message).toContain('set 3 has 1 name and nothing uses it');
  });

  test('unrelated names are not a hierarchy conflict: example.org and notexample.org share a set', () => {
    const s = ok(
      loadDesiredStateFromString(
        'version: 1\nnameserver_sets:\n  1:\n    names: [a.example.com, b.example.com]\n' +
          'zones:\n  example.org: 1\n  notexample.org: 1\n  org.example: 1\n',
        'h.yaml',
        opts(),
      ),
    );
    expect(s.zones.map((z) => z.name)).toEqual(['example.org', 'notexample.org', 'org.example']);
  });

  test('a child on standard below a parent on a set is fine', () => {
    ok(
      loadDesiredStateFromString(
        'version: 1\nnameserver_sets:\n  1:\n    names: [a.example.com, b.example.com]\n' +
          'zones:\n  example.org: 1\n  shop.example.org: standard\n',
        'h.yaml',
        opts(),
      ),
    );
  });

  test('anchors and aliases are followed', () => {
    const s = ok(
      loadDesiredStateFromString(
        'version: 1\nnameserver_sets:\n  1:\n' +
          '    names: &n [a.example.com, b.example.com]\n    registrar: &r cloudflare\n' +
          '  2:\n    names: [c.example.com, d.example.com]\n    registrar: *r\n',
        'a.yaml',
        opts(),
      ),
    );
    expect(s.sets.map((x) => x.registrar)).toEqual(['cloudflare', 'cloudflare']);
  });

  describe('environment', () => {
    const base =
      'version: 1\naccount_id: 372e67954025e0ba6aaa6d586b9e0b59\ndns:\n  root_servers: [192.0.2.1]\n  port: 53\n';
    test('ACNS_DNS_* beat dns:; a CLOUDFLARE_ACCOUNT_ID equal to the file (any case) is accepted', () => {
      const s = ok(
        loadDesiredStateFromString(
          base,
          'e.yaml',
          opts({
            CLOUDFLARE_ACCOUNT_ID: '372E67954025E0BA6AAA6D586B9E0B59',
            ACNS_DNS_ROOT_SERVERS: '127.0.0.1:5300, [::1]:5300',
            ACNS_DNS_PARENT_SERVERS: '127.0.0.2',
            ACNS_DNS_PORT: '5300',
          }),
        ),
      );
      expect(s.accountId).toBe('372e67954025e0ba6aaa6d586b9e0b59');
      expect(s.dns).toEqual({
        rootServers: ['127.0.0.1:5300', '[::1]:5300'],
        parentServers: ['127.0.0.2'],
        port: 5300,
      });
    });
    test('CLOUDFLARE_ACCOUNT_ID never overrides another account_id: refused for the API, else a warning', () => {
      const env = { CLOUDFLARE_ACCOUNT_ID: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' };
      const forApi = loadDesiredStateFromString(base, 'e.yaml', opts(env, { requireAccountId: true }));
      expect(forApi.ok).toBe(false);
      if (forApi.ok) return;
      expect(forApi.errors).toHaveLength(1);
      expect(forApi.errors[0]).toMatchObject({ source: 'environment' });
      expect(forApi.errors[0]!.message).toContain('account_id 372e67954025e0ba6aaa6d586b9e0b59');
      expect(forApi.errors[0]!.message).toContain('CLOUDFLARE_ACCOUNT_ID is aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
      expect(forApi.errors[0]!.message).toContain('unset CLOUDFLARE_ACCOUNT_ID');

      const offline = loadDesiredStateFromString(base, 'e.yaml', opts(env));
      expect(offline.ok).toBe(true);
      if (!offline.ok) return;
      expect(offline.state.accountId).toBe('372e67954025e0ba6aaa6d586b9e0b59');
      expect(offline.warnings.map((w) => w.message).join('\n')).toMatch(/different accounts.*will refuse/);
    });
    test('empty variables are ignored', () => {
      const s = ok(
        loadDesiredStateFromString(
          base,
          'e.yaml',
          opts({ CLOUDFLARE_ACCOUNT_ID: '', ACNS_DNS_ROOT_SERVERS: ' ', ACNS_DNS_PORT: '' }),
        ),
      );
      expect(s.accountId).toBe('372e67954025e0ba6aaa6d586b9e0b59');
      expect(s.dns).toEqual({ rootServers: ['192.0.2.1'], parentServers: [], port: 53 });
    });
    test('the account id may come from the environment alone when required', () => {
      const s = ok(
        loadDesiredStateFromString(
          'version: 1\n',
          'e.yaml',
          opts({ CLOUDFLARE_ACCOUNT_ID: '372e67954025e0ba6aaa6d586b9e0b59' }, { requireAccountId: true }),
        ),
      );
      expect(s.accountId).toBe('372e67954025e0ba6aaa6d586b9e0b59');
    });
  });
});
