/**
 * The invalid corpus: each file breaks one rule; the loader must report it at the exact line
 * (and column) with the words that tell the user what is wrong and how to fix it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/program.js';
import { loadDesiredStateFromString } from '../../src/config/load.js';
import type { Diagnostic } from '../../src/config/types.js';

const HEAD = 'version: 1\naccount_id: 372e67954025e0ba6aaa6d586b9e0b59\n';
const SETS =
  'nameserver_sets:\n  1:\n    names: [ns1.example.com, ns2.example.com]\n  2:\n' +
  '    names: [ns1.example.net, ns2.example.net]\n';
// HEAD = lines 1-2, SETS = lines 3-7, so the first line after both is 8.

interface Case {
  name: string;
  yaml: string;
  line: number;
  col?: number;
  words: string[];
  count?: number; // number of errors expected (default 1)
  env?: Record<string, string>;
  requireAccountId?: boolean;
  /** A problem with a variable: reported as `environment: …`, never at a line of the file. */
  environment?: boolean;
}

const cases: Case[] = [
  { name: 'version 2', yaml: `version: 2\n${SETS}`, line: 1, col: 10, words: ['unsupported version 2', 'version: 1'] },
  { name: 'version missing', yaml: SETS, line: 1, col: 1, words: ['missing the required key "version"', 'version: 1'] },
  {
    name: 'version as text',
    yaml: 'version: "1"\n',
    line: 1,
    col: 10,
    words: ['version', 'whole number', 'remove the quotes'],
  },
  {
    name: 'account_id too short',
    yaml: 'version: 1\naccount_id: abc123\n',
    line: 2,
    col: 13,
    words: ['account_id', 'not a Cloudflare account id', '32 hexadecimal'],
  },
  {
    name: 'account_id parsed as a number',
    yaml: 'version: 1\naccount_id: 12345678901234567890123456789012\n',
    line: 2,
    col: 13,
    words: ['account_id', 'quote it'],
  },
  {
    name: 'unknown top-level key with suggestion',
    yaml: `${HEAD}zone:\n  example.org: 1\n`,
    line: 3,
    col: 1,
    words: ['unknown key "zone"', 'did you mean "zones"'],
  },
  {
    name: 'unknown policy key',
    yaml: `${HEAD}policy:\n  prunee: true\n`,
    line: 4,
    col: 3,
    words: ['unknown key "prunee"', 'policy', 'did you mean "prune"'],
  },
  {
    name: 'unknown set key',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names: [ns1.example.com, ns2.example.com]\n    registar: external\n`,
    line: 6,
    col: 5,
    words: ['unknown key "registar"', 'did you mean "registrar"'],
  },
  {
    name: 'set number 6',
    yaml: `${HEAD}nameserver_sets:\n  6:\n    names: [ns1.example.com, ns2.example.com]\n`,
    line: 4,
    col: 3,
    words: ['set "6"', 'numbered 1 to 5', 'rename it to a free number: 1, 2, 3, 4, 5'],
  },
  {
    name: 'a sixth set when 1 to 5 are taken',
    yaml:
      HEAD +
      'nameserver_sets:\n' +
      [1, 2, 3, 4, 5].map((n) => `  ${n}:\n    names: [ns1.s${n}.example, ns2.s${n}.example]\n`).join('') +
      '  6:\n    names: [ns1.s6.example, ns2.s6.example]\n',
    line: 14,
    col: 3,
    words: ['set "6"', 'Cloudflare allows five sets per account', '1 to 5 are all declared'],
  },
  {
    name: 'policy indented under zones',
    yaml: `${HEAD + SETS}zones:\n  example.org: 1\n  policy:\n    prune: true\n`,
    line: 10,
    col: 3,
    words: ['"policy" looks like a top-level key indented by mistake', 'zone named "policy"', 'start of its line'],
  },
  {
    name: 'names one level off reads as a set named "names"',
    yaml: `${HEAD}nameserver_sets:\n  names: [ns1.example.com, ns2.example.com]\n`,
    line: 4,
    col: 3,
    words: ['"names" sits directly under nameserver_sets', 'set named "names"', 'indent it under a set number'],
  },
  {
    name: 'a policy key at the top level',
    yaml: `${HEAD}prune: true\n`,
    line: 3,
    col: 1,
    words: ['"prune" belongs under policy:'],
  },
  {
    name: 'a zone at the top level',
    yaml: `${HEAD + SETS}example.org: 1\n`,
    line: 8,
    col: 1,
    words: ['"example.org" looks like a zone indented by mistake', 'indent it under zones:'],
  },
  {
    name: 'zones indented under policy',
    yaml: `${HEAD}policy:\n  prune: true\n  zones:\n    example.org: standard\n`,
    line: 5,
    col: 3,
    words: ['"zones" looks like a top-level key indented by mistake', 'inside policy'],
  },
  {
    name: 'a punycode label that does not decode',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names: [ns1.xn--zzzz.example, ns2.example.com]\n`,
    line: 5,
    col: 13,
    words: ['ns1.xn--zzzz.example', '"xn--zzzz"', 'not valid punycode'],
  },
  {
    name: 'a punycode zone label encoding a capital letter (IDNA maps it, so it never round-trips)',
    yaml: `${HEAD + SETS}zones:\n  xn--wca.example: 1\n`,
    line: 9,
    col: 3,
    words: ['zone name "xn--wca.example"', 'not valid punycode'],
  },
  {
    name: 'set without names',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    registrar: external\n`,
    line: 5,
    col: 5,
    words: ['missing the required key "names"'],
  },
  {
    name: 'registrar typo',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names: [ns1.example.com, ns2.example.com]\n    registrar: cloudflair\n`,
    line: 6,
    col: 16,
    words: ['registrar', 'did you mean "cloudflare"', 'external, cloudflare'],
  },
  {
    name: 'six names in a set',
    yaml:
      HEAD +
      'nameserver_sets:\n  1:\n    names: [a.example.com, b.example.com, ' +
      'c.example.com, d.example.com, e.example.com, f.example.com]\n',
    line: 5,
    col: 12,
    words: ['6 names', 'at most 5'],
  },
  {
    name: 'single-label name',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names: [ns1.example.com, localhost]\n`,
    line: 5,
    col: 30,
    words: ['"localhost"', 'single label'],
  },
  {
    name: 'IP address as a name',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names:\n      - ns1.example.com\n      - 1.2.3.4\n`,
    line: 7,
    col: 9,
    words: ['"1.2.3.4"', 'IP address'],
  },
  {
    name: 'numeric TLD',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names: [ns1.example.123, ns2.example.com]\n`,
    line: 5,
    col: 13,
    words: ['ns1.example.123', 'numeric'],
  },
  {
    name: 'underscore in a name',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names: [ns_1.example.net, ns2.example.net]\n`,
    line: 5,
    col: 13,
    words: ['ns_1.example.net', 'underscore'],
  },
  {
    name: 'name as a number',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names: [ns1.example.com, 42]\n`,
    line: 5,
    col: 30,
    words: ['names[1]', 'text value', 'the number 42'],
  },
  {
    name: 'names is a string',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names: ns1.example.com\n`,
    line: 5,
    col: 12,
    words: ['names', 'must be a list'],
  },
  {
    name: 'set used with one name',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names: [ns1.example.com]\nzones:\n  example.org: 1\n`,
    line: 4,
    col: 3,
    words: ['set 1 has 1 name', 'zone example.org (line 7) uses it', 'add 1 more'],
  },
  {
    name: 'set used with no names',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names: []\nzones:\n  example.org: 1\n`,
    line: 4,
    col: 3,
    words: ['set 1 has no names', 'add 2 more'],
  },
  {
    name: 'duplicate name in a set after normalisation',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names: [ns1.example.com, NS1.Example.com.]\n`,
    line: 5,
    col: 30,
    words: ['ns1.example.com', 'listed twice in set 1', 'first at line 5'],
  },
  {
    name: 'name in two sets',
    yaml:
      HEAD +
      'nameserver_sets:\n  1:\n    names: [ns1.example.com, ns2.example.com]\n  2:\n' +
      '    names: [ns3.example.com, ns2.example.com]\n',
    line: 7,
    col: 30,
    words: ['ns2.example.com', 'set 1 (line 5)', 'set 2', 'exactly one set'],
  },
  {
    name: 'zone on an undeclared set',
    yaml: `${HEAD + SETS}zones:\n  example.org: 3\n`,
    line: 9,
    col: 16,
    words: ['zone example.org uses set 3', 'does not declare', 'declared set (1, 2)'],
  },
  {
    name: 'zone on set 0',
    yaml: `${HEAD + SETS}zones:\n  example.org: 0\n`,
    line: 9,
    col: 16,
    words: ['zone example.org', 'the number 0', '1 to 5', 'standard'],
  },
  {
    name: 'zone target typo',
    yaml: `${HEAD + SETS}zones:\n  example.org: standrd\n`,
    line: 9,
    col: 16,
    words: ['zone example.org', '"standrd"', 'did you mean "standard"'],
  },
  {
    name: 'zone target as quoted number',
    yaml: `${HEAD + SETS}zones:\n  example.org: "1"\n`,
    line: 9,
    col: 16,
    words: ['zone example.org', '"1"', '1 to 5'],
  },
  {
    name: 'zone key is an IP',
    yaml: `${HEAD + SETS}zones:\n  example.org: 1\n  10.0.0.1: 2\n`,
    line: 10,
    col: 3,
    words: ['zone name "10.0.0.1"', 'IP address'],
  },
  {
    name: 'zone key collides after normalisation',
    yaml: `${HEAD + SETS}zones:\n  example.org: 1\n  Example.ORG.: 1\n`,
    line: 10,
    col: 3,
    words: ['"Example.ORG."', 'same zone as "example.org" (line 9)', 'keep one'],
  },
  {
    name: 'IDN zone collides with its A-label',
    yaml: `${HEAD + SETS}zones:\n  xn--bcher-kva.example: 1\n  bücher.example: 1\n`,
    line: 10,
    col: 3,
    words: ['same zone', 'xn--bcher-kva.example'],
  },
  {
    name: 'subdomain on the parent set',
    yaml: `${HEAD + SETS}zones:\n  example.org: 1\n  shop.example.org: 1\n`,
    line: 10,
    col: 3,
    words: ['zone shop.example.org uses set 1', 'parent zone example.org (line 9)', 'different set'],
  },
  {
    name: 'grandchild on the grandparent set',
    yaml: `${HEAD + SETS}zones:\n  example.org: 1\n  b.a.example.org: 1\n  a.example.org: 2\n`,
    line: 10,
    col: 3,
    words: ['b.a.example.org', 'ancestor zone example.org'],
  },
  {
    name: 'reverse zone on the parent set',
    yaml: `${HEAD + SETS}zones:\n  168.192.in-addr.arpa: 2\n  1.168.192.in-addr.arpa: 2\n`,
    line: 10,
    col: 3,
    words: ['1.168.192.in-addr.arpa', 'set 2', 'parent zone 168.192.in-addr.arpa'],
  },
  {
    name: 'duplicate YAML key',
    yaml: `${HEAD + SETS}zones:\n  example.org: 1\n  example.org: 2\n`,
    line: 10,
    col: 3,
    words: ['duplicate key "example.org"', 'first at line 9'],
  },
  {
    name: 'duplicate top-level key',
    yaml: `${HEAD}version: 1\n`,
    line: 3,
    col: 1,
    words: ['duplicate key "version"', 'first at line 1'],
  },
  {
    name: 'glue_check enum',
    yaml: `${HEAD}policy:\n  glue_check: enforced\n`,
    line: 4,
    col: 15,
    words: ['policy.glue_check', 'did you mean "enforce"', 'enforce, warn, off'],
  },
  {
    name: 'prune as yes',
    yaml: `${HEAD}policy:\n  prune: "yes"\n`,
    line: 4,
    col: 10,
    words: ['policy.prune', 'true or false'],
  },
  {
    name: 'negative max_zone_changes',
    yaml: `${HEAD}policy:\n  max_zone_changes: -1\n`,
    line: 4,
    col: 21,
    words: ['policy.max_zone_changes', '>= 0'],
  },
  {
    name: 'requests_per_second of 0',
    yaml: `${HEAD}cloudflare:\n  requests_per_second: 0\n`,
    line: 4,
    col: 24,
    words: ['cloudflare.requests_per_second', '>= 1'],
  },
  {
    name: 'endpoints typo',
    yaml: `${HEAD}cloudflare:\n  endpoints: legacyy\n`,
    line: 4,
    col: 14,
    words: ['cloudflare.endpoints', 'did you mean "legacy"'],
  },
  {
    name: 'account_default unknown',
    yaml: `${HEAD + SETS}account_default: custom\n`,
    line: 8,
    col: 18,
    words: ['account_default', 'custom.account'],
  },
  {
    name: 'custom.account without sets',
    yaml: `${HEAD}account_default: custom.account\n`,
    line: 3,
    col: 18,
    words: ['custom.account', 'no nameserver set', 'declare set 1'],
  },
  {
    name: 'custom.account with a one-name set',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names: [ns1.example.com]\naccount_default: custom.account\n`,
    line: 4,
    col: 3,
    words: ['set 1 has 1 name', 'account_default custom.account (line 6)'],
  },
  {
    name: 'bad dns server',
    yaml: `${HEAD}dns:\n  root_servers: ["1.2.3.4:99999"]\n`,
    line: 4,
    col: 18,
    words: ['dns.root_servers[0]', 'IP address with an optional port'],
  },
  {
    name: 'IPv6 with a port needs brackets',
    yaml: `${HEAD}dns:\n  parent_servers:\n    - "2001:db8::1:53:x"\n`,
    line: 5,
    col: 7,
    words: ['dns.parent_servers[0]', '[2001:db8::53]:5353'],
  },
  {
    name: 'dns port out of range',
    yaml: `${HEAD}dns:\n  port: 70000\n`,
    line: 4,
    col: 9,
    words: ['dns.port', '<= 65535'],
  },
  {
    name: 'switch check wait negative',
    yaml: `${HEAD}dns:\n  port: 53\n  switch_check_seconds: -1\n`,
    line: 5,
    col: 25,
    words: ['dns.switch_check_seconds', '>= 0'],
  },
  {
    name: 'switch check wait with a unit',
    yaml: `${HEAD}dns:\n  switch_check_seconds: 30s\n`,
    line: 4,
    col: 25,
    words: ['dns.switch_check_seconds', 'whole number'],
  },
  {
    name: 'nameserver_sets is a list',
    yaml: `${HEAD}nameserver_sets:\n  - ns1.example.com\n`,
    line: 4,
    col: 3,
    words: ['nameserver_sets', 'must be a mapping', 'not a list'],
  },
  {
    name: 'top level is a list',
    yaml: '- a\n- b\n',
    line: 1,
    col: 1,
    words: ['top level', 'mapping', 'examples/minimal.yaml'],
  },
  {
    name: 'merge key',
    yaml: `${HEAD}policy:\n  <<: {prune: true}\n`,
    line: 4,
    col: 3,
    words: ['merge keys (<<)', 'write the keys out'],
  },
  {
    name: 'YAML syntax error',
    yaml: `${HEAD}zones:\n  example.org: [1\n`,
    line: 5,
    col: 1,
    words: ['YAML', 'fix the YAML syntax'],
    count: undefined,
  },
  { name: 'tab indentation', yaml: `${HEAD}policy:\n\tprune: true\n`, line: 4, words: ['YAML'], count: undefined },
  { name: 'two documents', yaml: `${HEAD}---\nversion: 1\n`, line: 3, words: ['YAML', 'single YAML document'] },
  { name: 'empty file', yaml: '', line: 1, col: 1, words: ['empty', 'examples/minimal.yaml'] },
  { name: 'comments only', yaml: '# nothing here\n# at all\n', line: 1, col: 1, words: ['empty'] },
  {
    name: 'undefined alias',
    yaml: `${HEAD}policy:\n  prune: *nope\n`,
    line: 4,
    col: 10,
    words: ['alias *nope', 'define &nope'],
  },
  {
    name: 'host_zone not containing the names',
    yaml: `${HEAD}nameserver_sets:\n  1:\n    names: [ns1.example.com, ns2.example.net]\n    host_zone: example.com\n`,
    line: 5,
    col: 30,
    words: ['ns2.example.net', 'not inside host_zone example.com'],
  },
  {
    name: 'env account id invalid',
    yaml: HEAD,
    env: { CLOUDFLARE_ACCOUNT_ID: 'not-an-id' },
    environment: true,
    line: 1,
    col: 1,
    words: ['CLOUDFLARE_ACCOUNT_ID', 'not a Cloudflare account id'],
  },
  {
    name: 'account id required but missing',
    yaml: 'version: 1\n',
    requireAccountId: true,
    line: 1,
    col: 1,
    words: ['no account id', 'account_id', 'CLOUDFLARE_ACCOUNT_ID'],
  },
  {
    name: 'env port invalid',
    yaml: HEAD,
    env: { ACNS_DNS_PORT: '0' },
    environment: true,
    line: 1,
    col: 1,
    words: ['ACNS_DNS_PORT', '1 to 65535'],
  },
  {
    name: 'env root servers invalid',
    yaml: HEAD,
    env: { ACNS_DNS_ROOT_SERVERS: '127.0.0.1:5353,nope' },
    environment: true,
    line: 1,
    col: 1,
    words: ['ACNS_DNS_ROOT_SERVERS', 'nope'],
  },
];

function load(c: Pick<Case, 'yaml' | 'env' | 'requireAccountId'>) {
  return loadDesiredStateFromString(c.yaml, 'bad.yaml', {
    cwd: '/',
    env: c.env ?? {},
    requireAccountId: c.requireAccountId,
  });
}

describe('invalid desired-state files', () => {
  test('the corpus has at least 30 files', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const res = load(c);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    const errs: Diagnostic[] = res.errors;
    if (!('count' in c) || c.count !== undefined)
      expect(errs.map((e) => `${e.line}:${e.col} ${e.message}`)).toHaveLength(c.count ?? 1);
    const hit = c.environment
      ? errs.find((e) => e.source === 'environment')
      : errs.find((e) => e.line === c.line && (c.col === undefined || e.col === c.col) && !e.source);
    if (!hit)
      throw new Error(
        `no error at ${c.line}:${c.col ?? '*'}; got:\n${errs.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n')}`,
      );
    expect(hit.file).toBe('bad.yaml');
    for (const w of c.words) expect(hit.message).toContain(w);
    expect(hit.message).toContain(' — '); // what is wrong — how to fix it
  });

  test.each(cases.filter((c) => !c.requireAccountId).map((c) => [c.name, c] as const))(
    'as a real file through `acns validate`: %s',
    async (_name, c) => {
      const dir = mkdtempSync(join(tmpdir(), 'acns-invalid-'));
      try {
        writeFileSync(join(dir, 'bad.yaml'), c.yaml);
        let out = '';
        let err = '';
        const code = await run(['validate', '-c', 'bad.yaml'], {
          stdout: { write: (x: string) => (out += x) },
          stderr: { write: (x: string) => (err += x) },
          env: c.env ?? {},
          cwd: dir,
        });
        expect(code).toBe(1);
        expect(out).toBe('');
        const start = c.environment ? 'environment: ' : `bad.yaml:${c.line}:${c.col === undefined ? '' : `${c.col}:`}`;
        const line = err.split('\n').find((l) => l.startsWith(start));
        if (!line) throw new Error(`no line for ${c.line}:${c.col ?? '*'} in:\n${err}`);
        for (const w of c.words) expect(line).toContain(w);
        if (c.environment) {
          expect(err).not.toContain('bad.yaml:1:1');
          expect(err).toMatch(/1 problem found in the environment\.\n$/);
        } else expect(err).toMatch(/\d+ problems? found in bad\.yaml\.\n$/);
        expect(err).not.toMatch(/\n\s+at /); // no stack trace
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  test('all problems are reported at once, sorted by position', () => {
    const res = load({
      yaml:
        'version: 3\n' +
        'nameserver_sets:\n  1:\n    names: [ns1.example.com, localhost]\n  9:\n    names: []\n' +
        'zones:\n  example.org: 4\n  foo.example: standrd\npolicy:\n  colour: red\n',
    });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors.map((e) => e.line)).toEqual([1, 4, 5, 8, 9, 11]);
    const sorted = [...res.errors].sort((a, b) => a.line - b.line || a.col - b.col);
    expect(res.errors).toEqual(sorted);
  });
});

test('cloudflare.standard.random with the legacy endpoints is refused at the account_default line', () => {
  const src = [
    'version: 1',
    'account_id: 372e67954025e0ba6aaa6d586b9e0b59',
    'account_default: cloudflare.standard.random',
    'cloudflare:',
    '  endpoints: legacy',
    '',
  ].join('\n');
  const res = loadDesiredStateFromString(src, 'acns.yaml', { cwd: '/', env: {} });
  expect(res.ok).toBe(false);
  if (res.ok) return;
  expect(res.errors).toHaveLength(1);
  expect(res.errors[0]).toMatchObject({ line: 3, col: 18 });
  expect(res.errors[0]!.message).toMatch(/cannot be set through the legacy endpoints.*dns_settings/);
});

test('an empty account_id says to write the id or use CLOUDFLARE_ACCOUNT_ID (not to quote nothing)', () => {
  const res = loadDesiredStateFromString('version: 1\naccount_id:\n', 'acns.yaml', { cwd: '/', env: {} });
  expect(res.ok).toBe(false);
  if (res.ok) return;
  expect(res.errors[0]).toMatchObject({ line: 2 });
  expect(res.errors[0]!.message).toMatch(/write the 32-character account id .* CLOUDFLARE_ACCOUNT_ID/);
  expect(res.errors[0]!.message).not.toMatch(/quote/);
});
