/**
 * Words for plan values: how a zone's nameserver setting or a step's before/after reads to a person.
 * Used by the planner's reasons and by every renderer, so the same value always reads the same way.
 */
import type { ZoneNameservers } from '../cloudflare/types.js';
import type { StepKind, StepValue } from './types.js';

/** "set 2", "standard nameservers", or the raw type ("custom.tenant"). */
export function describeZoneNs(ns: ZoneNameservers): string {
  if (ns.type === 'custom.account') return `set ${ns.set ?? 1}`; // Cloudflare's default set is 1
  if (ns.type === 'cloudflare.standard') return 'standard nameservers';
  if (ns.type === 'cloudflare.advanced' || ns.type === 'cloudflare.foundation_dns') return 'advanced (Foundation DNS)';
  return ns.type;
}

/** A step value on one line: "set 2", "standard nameservers", "custom.account", "absent". */
export function describeValue(v: StepValue): string {
  if (v === null || v === undefined) return 'absent';
  if ('type' in v) return describeZoneNs(v);
  if ('value' in v) return v.value;
  if ('names' in v) return `set ${v.set}: ${v.names.join(', ')}`;
  return `set ${v.set}`;
}

/** The object a step acts on, in words: "nameserver ns1.example.com", "zone example.org", "glue check set 1". */
export function describeTarget(kind: StepKind, target: string): string {
  switch (kind) {
    case 'create_nameserver':
    case 'delete_nameserver':
      return `nameserver ${target}`;
    case 'assign_zone':
      return `zone ${target}`;
    case 'glue_check':
      return `glue check ${target}`;
    default:
      return target;
  }
}

/** The set a step value names (a name's set, a zone's custom set, a glue check's set), if any. */
export function valueSet(v: StepValue): number | undefined {
  return v !== null && 'set' in v && typeof v.set === 'number' ? v.set : undefined;
}

/** The custom set a zone setting uses (custom.account without a set is Cloudflare's default, 1), if any. */
export function customSet(v: StepValue): number | undefined {
  return v !== null && 'type' in v && v.type === 'custom.account' ? (v.set ?? 1) : undefined;
}

/** Names for a message: the first `max` of them, then how many more ("a, b, c and 4 more"). */
export function listShort(names: string[], max = 3): string {
  return names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', ');
}
