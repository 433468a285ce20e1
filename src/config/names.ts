/**
 * Host-name rules for nameserver names and zone names: normalisation (IDN → A-label, lower case,
 * no trailing dot) and the FQDN check that follows it, with a reason users can act on.
 */
import { domainToASCII } from 'node:url';

export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

/** The FQDN rule, applied to the normalised (ASCII) form. */
export const FQDN_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Normalises a name and checks it is a fully qualified host name: at least two labels, letters,
 * digits and hyphens only, no IP address, no numeric top-level label. Never throws.
 */
export function checkName(raw: string): NameCheck {
  if (typeof raw !== 'string') return { ok: false, reason: 'is not a text value' };
  let s = raw.trim();
  if (s === '') return { ok: false, reason: 'is empty' };
  if (/[^\x00-\x7f]/.test(s)) {
    const ascii = safeDomainToASCII(s.replace(/\.$/, ''));
    if (!ascii) return { ok: false, reason: 'is not a valid internationalised domain name' };
    s = ascii;
  }
  s = s.toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s === '') return { ok: false, reason: 'is only a dot' };
  if (FQDN_RE.test(s)) return { ok: true, name: s };
  return { ok: false, reason: explain(s) };
}

/** The normalised form of a name already known to be valid, or the raw text lower-cased. */
export function normaliseName(raw: string): string {
  const c = checkName(raw);
  return c.ok ? c.name : String(raw).toLowerCase();
}

/** True when `name` equals `zone` or lies below it (label-wise: notexample.org is not below example.org). */
export function isWithin(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

function safeDomainToASCII(s: string): string {
  try {
    return domainToASCII(s);
  } catch {
    return '';
  }
}

function explain(s: string): string {
  if (s.length > 253) return `is ${s.length} characters long; a domain name has at most 253`;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':')) return 'is an IP address, not a host name';
  if (/^\*|\.\*/.test(s)) return 'contains a wildcard label (*); use a real host name';
  const labels = s.split('.');
  if (labels.some((l) => l === '')) return 'has an empty label (two dots in a row, or a leading dot)';
  if (labels.length < 2) return 'is a single label, not a fully qualified name';
  const long = labels.find((l) => l.length > 63);
  if (long) return `has a label of ${long.length} characters ("${long.slice(0, 12)}…"); labels have at most 63`;
  if (s.includes('_')) return 'contains an underscore (_), which host names cannot have';
  const bad = /[^a-z0-9.-]/.exec(s);
  if (bad) return `contains the character ${JSON.stringify(bad[0])}; host names use letters, digits and hyphens`;
  if (labels.some((l) => l.startsWith('-') || l.endsWith('-'))) return 'has a label that starts or ends with a hyphen';
  if (/^\d+$/.test(labels[labels.length - 1]))
    return 'ends in a numeric label; the top-level domain must start with a letter';
  return 'is not a valid fully qualified domain name';
}
