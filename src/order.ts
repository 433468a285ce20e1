/**
 * The one string order of acns: by UTF-16 code unit, like Array.prototype.sort without a comparator,
 * so plans, listings and files read the same on every machine whatever its locale.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
