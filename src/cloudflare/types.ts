/**
 * The account's objects as the Cloudflare layer reports them: normalised (lower case, no trailing dots)
 * plain data that every layer above shares.
 */
export interface LiveNameserver {
  name: string;
  set: number;
  ipv4?: string; // dns_records A (the glue to publish)
  ipv6?: string; // dns_records AAAA
}

/**
 * A zone's nameserver setting as the endpoint adapter reports it. `custom.account` carries the set;
 * other types (`cloudflare.standard`, `cloudflare.advanced`, `custom.tenant`, `custom.zone`, …) do not.
 */
export interface ZoneNameservers {
  type: string;
  set?: number;
}

/** The same zone setting? Only custom.account carries a set (1 when Cloudflare omits it). */
export function sameZoneNameservers(a: ZoneNameservers, b: ZoneNameservers): boolean {
  if (a.type !== b.type) return false;
  return a.type !== 'custom.account' || (a.set ?? 1) === (b.set ?? 1);
}
