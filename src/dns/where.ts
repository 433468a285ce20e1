/**
 * Where a zone's delegation (its NS records and glue at the parent) is changed — data, so every
 * renderer words the "next step" the same way. "At your registrar" holds only for a registrable
 * domain under a public suffix: a zone whose parent is a Cloudflare zone is changed by editing NS
 * records in that zone, a deeper zone at whoever runs its parent zone, and a reverse zone at the
 * regional internet registry (or the ISP) that delegated the address block.
 */
import { registrableDomain } from '../config/names.js';
import { isInZone, normName, parentName } from './names.js';

export type WhereKind = 'registrar' | 'cloudflare_zone' | 'parent_zone' | 'rir';

export interface Where {
  kind: WhereKind;
  zone: string; // the zone whose delegation it is
  parentZone: string; // the zone that publishes that delegation ('' for the root)
}

export interface WhereOptions {
  /** Zones in the Cloudflare account: a parent among them is edited in Cloudflare. */
  cloudflareZones?: string[];
  /** NS names of the parent zone, when known: all under ns.cloudflare.com means a Cloudflare zone. */
  parentNs?: string[];
}

export function whereOf(zone: string, parentZone: string | undefined, opts: WhereOptions = {}): Where {
  const z = normName(zone);
  const parent = normName(parentZone ?? parentName(z));
  const base = { zone: z, parentZone: parent };
  if (isInZone(z, 'in-addr.arpa') || isInZone(z, 'ip6.arpa')) return { kind: 'rir', ...base };
  const cf = new Set((opts.cloudflareZones ?? []).map(normName));
  const ns = opts.parentNs ?? [];
  const cloudflareNs = ns.length > 0 && ns.every((n) => isInZone(n, 'ns.cloudflare.com'));
  if (parent !== '' && (cf.has(parent) || cloudflareNs)) return { kind: 'cloudflare_zone', ...base };
  const registrable = registrableDomain(z);
  if (registrable !== undefined && normName(registrable) !== z) return { kind: 'parent_zone', ...base };
  return { kind: 'registrar', ...base };
}

/** Where the user makes the change, as a phrase: "at the registrar of example.com", … */
export function whereText(w: Where, registrar: 'external' | 'cloudflare' = 'external'): string {
  const parent = w.parentZone || '.';
  switch (w.kind) {
    case 'cloudflare_zone':
      return `in the Cloudflare zone ${parent} (NS records for ${w.zone} in that zone's DNS records)`;
    case 'parent_zone':
      return `at the DNS operator of the parent zone ${parent} (NS records for ${w.zone} in that zone)`;
    case 'rir':
      return (
        `at the regional internet registry (or the provider) that delegated the address block of ${w.zone} ` +
        '(domain object of the reverse zone)'
      );
    default:
      return registrar === 'cloudflare'
        ? `at Cloudflare Registrar for ${w.zone} (Cloudflare Support for glue records)`
        : `at the registrar of ${w.zone}`;
  }
}
