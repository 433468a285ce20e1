/**
 * Words for plan values: how a zone's nameserver setting or a step's before/after reads to a person.
 * Used by the planner's reasons and by every renderer, so the same value always reads the same way.
 */
import type { ZoneNameservers } from '../state/types.js';
import type { StepValue } from './types.js';

/** "set 2", "standard nameservers", or the raw type ("custom.tenant"). */
export function describeZoneNs(ns: ZoneNameservers): string {
  if (ns.type === 'custom.account') return ns.set === undefined ? 'custom.account (no set)' : `set ${ns.set}`;
  if (ns.type === 'cloudflare.standard') return 'standard nameservers';
  if (ns.type === 'cloudflare.advanced' || ns.type === 'cloudflare.foundation_dns') return 'advanced (Foundation DNS)';
  return ns.type;
}

/** A step value on one line: "set 2", "standard nameservers", "custom.account", "(none)". */
export function describeValue(v: StepValue): string {
  if (v === null) return '(none)';
  if ('type' in v) return describeZoneNs(v);
  if ('value' in v) return v.value;
  if ('names' in v) return `set ${v.set}: ${v.names.join(', ')}`;
  return `set ${v.set}`;
}

/** The same zone setting? Only custom.account carries a set; other types compare by type alone. */
export function sameZoneNs(a: ZoneNameservers, b: ZoneNameservers): boolean {
  if (a.type !== b.type) return false;
  return a.type !== 'custom.account' || a.set === b.set;
}

/** The set a step value names (a name's set, a zone's custom set, a glue check's set), if any. */
export function valueSet(v: StepValue): number | undefined {
  return v !== null && 'set' in v && typeof v.set === 'number' ? v.set : undefined;
}
