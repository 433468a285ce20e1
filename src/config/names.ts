/**
 * Host-name rules for nameserver names and zone names: the one normaliser every layer uses (IDN →
 * A-label, lower case, no trailing dot) and the FQDN check, with a reason users can act on.
 */
import { createRequire } from 'node:module';
import { domainToASCII, domainToUnicode } from 'node:url';

export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

/** The FQDN rule, applied to the normalised (ASCII) form. */
export const FQDN_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Normalises a name and checks it is a fully qualified host name: at least two labels, letters,
 * digits and hyphens only, no IP address, no numeric top-level label, and every punycode label
 * (xn--…) a valid encoding of an internationalised label. Never throws.
 */
export function checkName(raw: string): NameCheck {
  const s = validName(raw, true);
  return typeof s === 'string' ? { ok: true, name: s } : { ok: false, reason: s.reason };
}

/** checkName without building the reason (cheap on floods of bad names): the name, or undefined. */
export function nameIfValid(raw: string): string | undefined {
  const s = validName(raw, false);
  return typeof s === 'string' ? s : undefined;
}

type Tldts = typeof import('tldts');
let tldts: Tldts | undefined;

/**
 * The registrable domain of `name` by the public suffix list's ICANN section (example.co.uk for
 * ns1.example.co.uk), or undefined for a public suffix or an IP address. tldts is loaded on the
 * first call, with require: imported as an ES module the CommonJS package costs three to four times
 * as much start-up (its 200 kB file is scanned for its exports), and commands that never ask skip it.
 */
export function registrableDomain(name: string): string | undefined {
  tldts ??= createRequire(import.meta.url)('tldts') as Tldts;
  return tldts.getDomain(name, { allowPrivateDomains: false }) ?? undefined;
}

/** The cheap test the schema runs on every name. */
export function isValidName(raw: string): boolean {
  return nameIfValid(raw) !== undefined;
}

/**
 * THE name normaliser: IDN → A-label, lower case, no trailing dot (the root "." becomes "").
 * Total: any text, valid or not, so that live and desired names, DNS owner names and --zone
 * arguments all compare alike. Cheap for ASCII text (no IDN conversion is attempted).
 */
export function normaliseName(raw: string): string {
  let s = String(raw).trim().replace(/\.+$/, '');
  if (NON_ASCII.test(s)) s = safeDomainToASCII(s) || s;
  return s.toLowerCase();
}

/** True when `name` equals `zone` or lies below it (label-wise: notexample.org is not below example.org). */
export function isWithin(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

const NON_ASCII = /[^\x00-\x7f]/;

function validName(raw: string, why: boolean): string | { reason: string } {
  if (typeof raw !== 'string') return { reason: 'is not a text value' };
  let s = raw.trim();
  if (s === '') return { reason: 'is empty' };
  if (NON_ASCII.test(s)) {
    const ascii = safeDomainToASCII(s.replace(/\.$/, ''));
    if (!ascii) return { reason: 'is not a valid internationalised domain name' };
    s = ascii;
  }
  s = s.toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s === '') return { reason: 'is only a dot' };
  if (!FQDN_RE.test(s)) return { reason: why ? explain(s) : '' };
  const bad = s.includes('xn--') ? s.split('.').find((l) => l.startsWith('xn--') && !isPunycodeLabel(l)) : undefined;
  if (bad !== undefined) {
    return {
      reason:
        `has the label "${bad}", which is not valid punycode (an xn-- label must decode to an ` +
        'internationalised label and encode back to itself)',
    };
  }
  return s;
}

/** An xn-- label decodes (Node's IDNA implementation, UTS #46) and encodes back to itself. */
function isPunycodeLabel(label: string): boolean {
  const unicode = safeDomainToUnicode(label);
  return unicode !== '' && unicode !== label && safeDomainToASCII(unicode) === label;
}

function safeDomainToASCII(s: string): string {
  try {
    return domainToASCII(s);
  } catch {
    return '';
  }
}

function safeDomainToUnicode(s: string): string {
  try {
    return domainToUnicode(s);
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
