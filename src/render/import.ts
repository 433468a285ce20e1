/**
 * Renders an account snapshot as a commented acns.yaml that validates against the schema and
 * that `acns plan` reports as matching the account (no changes). The file is built as a `yaml`
 * Document, so every value the API returned is quoted exactly as YAML needs (a comma, a colon or
 * a leading dash in a name stays one string), and comments can never break out into data.
 */
import { dirname, isAbsolute, relative, sep } from 'node:path';
import { Document, Pair, Scalar, YAMLMap, type Node as YamlNode } from 'yaml';
import { checkName } from '../config/names.js';
import { count } from '../config/words.js';
import type { AccountSnapshot } from '../state/snapshot.js';

export interface ImportOptions {
  allZones: boolean;
  endpoints: 'dns_settings' | 'legacy';
  /** What the `$schema` comment points at (see schemaReference). */
  schemaRef: string;
  generatedAt: string;
}

/** Where the published schema of a release lives, for files that cannot reach an installed copy. */
export const SCHEMA_URL_BASE = 'https://raw.githubusercontent.com/acns/acns';

/**
 * The `$schema` reference for a file written to `outputFile`. A relative path to the installed
 * schema when it stays inside the project: below the file's folder (the file is written inside
 * the acns checkout), or up to a folder whose node_modules holds acns (acns is a dependency of the
 * project) — such a path holds on every machine that checks the project out. Otherwise (a global
 * install, another clone) the schema of this acns version by URL: never a path to wherever acns
 * happens to be installed on this machine.
 */
export function schemaReference(outputFile: string, installedSchema: string, version: string): string {
  const rel = relative(dirname(outputFile), installedSchema).split(sep).join('/');
  const segments = rel.split('/');
  const up = segments.findIndex((x) => x !== '..');
  if (rel && !isAbsolute(rel) && (up === 0 || segments[up] === 'node_modules')) {
    return up === 0 ? `./${rel}` : rel;
  }
  return `${SCHEMA_URL_BASE}/v${version}/schemas/acns.schema.json`;
}

const DEFAULTS = new Set(['cloudflare.standard', 'cloudflare.standard.random', 'custom.account']);

export function renderImportYaml(s: AccountSnapshot, o: ImportOptions): string {
  const doc = new Document();
  const root = new YAMLMap<YamlNode, YamlNode>();
  doc.contents = root;
  doc.commentBefore = comment([
    `yaml-language-server: $schema=${o.schemaRef}`,
    `Written by \`acns import\` on ${o.generatedAt} from account ${s.accountId}.`,
    '`acns plan -c <this file>` should report no changes. Edit it, then plan to see what would change.',
  ]);
  const add = (map: YAMLMap<YamlNode, YamlNode>, k: string | number, v: unknown, before?: string[], space = false) => {
    const key = new Scalar(k);
    if (before?.length) key.commentBefore = comment(before);
    key.spaceBefore = space;
    const value = doc.createNode(v) as YamlNode;
    map.add(new Pair(key, value));
    return value;
  };
  add(root, 'version', 1);
  add(root, 'account_id', s.accountId);

  const sets = new Map<number, string[]>();
  for (const n of s.nameservers) sets.set(n.set, [...(sets.get(n.set) ?? []), n.name]);
  const used = new Set(
    s.zones.flatMap((z) =>
      z.nameservers.type === 'custom.account' && z.nameservers.set !== undefined ? [z.nameservers.set] : [],
    ),
  );
  // A custom.account default uses every declared set (Cloudflare falls back from set 1 onwards).
  if (s.accountDefault === 'custom.account') for (const set of sets.keys()) used.add(set);
  const setMap = new YAMLMap<YamlNode, YamlNode>();
  for (const [set, names] of [...sets].sort((a, b) => a[0] - b[0])) {
    const notes: string[] = [];
    if (names.length < 2 && used.has(set)) {
      const users =
        s.accountDefault === 'custom.account' ? 'the account default (custom.account) or zones use' : 'zones use';
      notes.push(`warning: set ${set} has ${count(names.length, 'name')} but ${users} it; add a name before planning`);
    }
    for (const n of names) {
      const c = checkName(n);
      if (!c.ok)
        notes.push(`warning: the name ${JSON.stringify(n)} ${c.reason}; acns will refuse the file until it is fixed`);
    }
    const body = new YAMLMap<YamlNode, YamlNode>();
    const list = add(body, 'names', names);
    (list as { flow?: boolean }).flow = true;
    add(body, 'registrar', 'external');
    const key = new Scalar(set);
    if (notes.length) key.commentBefore = comment(notes);
    setMap.add(new Pair(key, body));
  }
  if (sets.size) {
    root.add(
      new Pair(
        keyWith('nameserver_sets', [
          'Custom nameserver sets (ns_set 1–5). Each set used by a zone needs 2–5 names.',
          "registrar: who publishes glue for the names' domain — `external` (your registrar) or `cloudflare`",
          '(Cloudflare Registrar: glue is added by Cloudflare Support). Check it: acns cannot tell from the API.',
        ]),
        setMap,
      ),
    );
  } else {
    setMap.flow = true;
    root.add(
      new Pair(
        keyWith('nameserver_sets', [
          'The account has no custom nameservers yet. Add a set like this to start:',
          'nameserver_sets:',
          '  1:',
          '    names: [ns1.example.com, ns2.example.com]',
        ]),
        setMap,
      ),
    );
  }

  const zoneMap = new YAMLMap<YamlNode, YamlNode>();
  const skipped: string[] = [];
  for (const z of s.zones) {
    const t = z.nameservers.type;
    if (t === 'custom.account' && z.nameservers.set !== undefined && !sets.has(z.nameservers.set)) {
      // A set without names cannot be declared; writing the zone would make the file invalid.
      skipped.push(
        `warning: zone ${z.name} uses set ${z.nameservers.set}, which has no names in the account; ` +
          'it is left out — add names to the set, or move the zone',
      );
    } else if (t === 'custom.account' && z.nameservers.set !== undefined) add(zoneMap, z.name, z.nameservers.set);
    else if (!o.allZones) continue;
    else if (t === 'cloudflare.standard' && o.endpoints === 'legacy') {
      // The legacy endpoints only say "not on a custom set": standard and advanced look the same, and
      // writing `standard` for an advanced zone would flip it once the file moves to dns_settings.
      skipped.push(
        `not imported: ${z.name} is on Cloudflare's nameservers, standard or advanced ` +
          '(the legacy endpoints cannot tell) — add it yourself',
      );
    } else if (t === 'cloudflare.standard') add(zoneMap, z.name, 'standard');
    else if (t === 'cloudflare.advanced') add(zoneMap, z.name, 'advanced');
    else skipped.push(`not importable (nameserver type acns does not manage): ${z.name} (${t})`);
  }
  if (!zoneMap.items.length) zoneMap.flow = true;
  const zonesKey = keyWith('zones', [
    o.allZones
      ? 'Every zone of the account: a set number, `standard`, or `advanced` (left as it is).'
      : 'Zones on a custom set. Zones not listed here are not managed by acns ' +
        '(`acns import --all-zones` lists them all).',
    ...skipped,
  ]);
  root.add(new Pair(zonesKey, zoneMap));

  if (DEFAULTS.has(s.accountDefault)) {
    add(
      root,
      'account_default',
      s.accountDefault,
      [
        'What new zones get: cloudflare.standard | cloudflare.standard.random | custom.account.',
        'Remove this line to leave the account default unmanaged.',
      ],
      true,
    );
  }

  const policy = new YAMLMap<YamlNode, YamlNode>();
  add(policy, 'prune', false).comment = comment(['true: delete live names this file does not list']);
  add(policy, 'glue_check', 'enforce').comment = comment([
    'enforce | warn | off: check glue in DNS before switching zones',
  ]);
  add(policy, 'max_zone_changes', 50).comment = comment(['a plan changing more zones needs --allow-mass-change']);
  const policyKey = keyWith(
    'policy',
    DEFAULTS.has(s.accountDefault)
      ? []
      : [`The account default is ${s.accountDefault}, which acns does not manage; it is left as it is.`],
  );
  root.add(new Pair(policyKey, policy));
  if (o.endpoints === 'legacy') {
    const cf = new YAMLMap<YamlNode, YamlNode>();
    add(cf, 'endpoints', 'legacy').comment = comment(['the deprecated PUT endpoints this file was imported with']);
    root.add(new Pair(keyWith('cloudflare', []), cf));
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** A top-level key after a blank line, with comment lines above it. */
function keyWith(name: string, lines: string[]): Scalar {
  const key = new Scalar(name);
  key.spaceBefore = true;
  if (lines.length) key.commentBefore = comment(lines);
  return key;
}

/** Comment text for yaml (which adds the #): one space after each #, control characters blanked. */
function comment(lines: string[]): string {
  return lines
    .flatMap((l) => l.split('\n'))
    .map((l) => ` ${l.replace(/[\u0000-\u001f\u007f]/g, ' ')}`)
    .join('\n');
}
