/**
 * Renders an account snapshot as a commented acns.yaml that validates against the schema and
 * that `acns plan` reports as matching the account (no changes).
 */
import type { AccountSnapshot } from '../state/snapshot.js';

export interface ImportOptions {
  allZones: boolean;
  endpoints: 'dns_settings' | 'legacy';
  schemaRef: string; // path from the output file to schemas/acns.schema.json
  generatedAt: string;
}

const DEFAULTS = new Set(['cloudflare.standard', 'cloudflare.standard.random', 'custom.account']);

export function renderImportYaml(s: AccountSnapshot, o: ImportOptions): string {
  const out: string[] = [];
  out.push(`# yaml-language-server: $schema=${o.schemaRef}`);
  out.push(`# Written by \`acns import\` on ${o.generatedAt} from account ${s.accountId}.`);
  out.push('# `acns plan -c <this file>` should report no changes. Edit it, then plan to see what would change.');
  out.push('version: 1');
  out.push(`account_id: ${s.accountId}`);
  out.push('');

  const sets = new Map<number, string[]>();
  for (const n of s.nameservers) sets.set(n.set, [...(sets.get(n.set) ?? []), n.name]);
  const used = new Set(
    s.zones.flatMap((z) =>
      z.nameservers.type === 'custom.account' && z.nameservers.set !== undefined ? [z.nameservers.set] : [],
    ),
  );
  // A custom.account default uses every declared set (Cloudflare falls back from set 1 onwards).
  if (s.accountDefault === 'custom.account') for (const set of sets.keys()) used.add(set);
  if (sets.size) {
    out.push('# Custom nameserver sets (ns_set 1–5). Each set used by a zone needs 2–5 names.');
    out.push("# registrar: who publishes glue for the names' domain — `external` (your registrar) or `cloudflare`");
    out.push('# (Cloudflare Registrar: glue is added by Cloudflare Support). Check it: acns cannot tell from the API.');
    out.push('nameserver_sets:');
    for (const [set, names] of [...sets].sort((a, b) => a[0] - b[0])) {
      if (names.length < 2 && used.has(set))
        out.push(
          `  # warning: set ${set} has ${names.length} name but ${s.accountDefault === 'custom.account' ? 'the account default (custom.account) or zones use' : 'zones use'} it; add a name before planning`,
        );
      out.push(`  ${set}:`);
      out.push(`    names: [${names.join(', ')}]`);
      out.push('    registrar: external');
    }
  } else {
    out.push('# The account has no custom nameservers yet. Add a set like this to start:');
    out.push('# nameserver_sets:');
    out.push('#   1:');
    out.push('#     names: [ns1.example.com, ns2.example.com]');
    out.push('nameserver_sets: {}');
  }
  out.push('');

  const lines: string[] = [];
  const skipped: string[] = [];
  for (const z of s.zones) {
    const t = z.nameservers.type;
    if (t === 'custom.account' && z.nameservers.set !== undefined && !sets.has(z.nameservers.set)) {
      // A set without names cannot be declared; writing the zone would make the file invalid.
      skipped.push(
        `# warning: zone ${z.name} uses set ${z.nameservers.set}, which has no names in the account; it is left out — add names to the set, or move the zone`,
      );
    } else if (t === 'custom.account' && z.nameservers.set !== undefined)
      lines.push(`  ${z.name}: ${z.nameservers.set}`);
    else if (!o.allZones) continue;
    else if (t === 'cloudflare.standard' && o.endpoints === 'legacy') {
      // The legacy endpoints only say "not on a custom set": standard and advanced look the same, and
      // writing `standard` for an advanced zone would flip it once the file moves to dns_settings.
      skipped.push(
        `# not imported: ${z.name} is on Cloudflare's nameservers, standard or advanced (the legacy endpoints cannot tell) — add it yourself`,
      );
    } else if (t === 'cloudflare.standard') lines.push(`  ${z.name}: standard`);
    else if (t === 'cloudflare.advanced') lines.push(`  ${z.name}: advanced`);
    else skipped.push(`# not importable (nameserver type acns does not manage): ${z.name} (${t})`);
  }
  out.push(
    o.allZones
      ? '# Every zone of the account: a set number, `standard`, or `advanced` (left as it is).'
      : '# Zones on a custom set. Zones not listed here are not managed by acns (`acns import --all-zones` lists them all).',
  );
  out.push(...skipped);
  out.push(lines.length ? 'zones:' : 'zones: {}');
  out.push(...lines);
  out.push('');

  if (DEFAULTS.has(s.accountDefault)) {
    out.push('# What new zones get: cloudflare.standard | cloudflare.standard.random | custom.account.');
    out.push('# Remove this line to leave the account default unmanaged.');
    out.push(`account_default: ${s.accountDefault}`);
  } else {
    out.push(`# The account default is ${s.accountDefault}, which acns does not manage; it is left as it is.`);
  }
  out.push('');
  out.push('policy:');
  out.push('  prune: false            # true: delete live names this file does not list');
  out.push('  glue_check: enforce     # enforce | warn | off: check glue in DNS before switching zones');
  out.push('  max_zone_changes: 50    # a plan changing more zones needs --allow-mass-change');
  if (o.endpoints === 'legacy') {
    out.push('');
    out.push('cloudflare:');
    out.push('  endpoints: legacy       # the deprecated PUT endpoints this file was imported with');
  }
  return `${out.join('\n')}\n`;
}
