/**
 * Name and address normalisation shared by the DNS client, the glue check and the fake server.
 * dns-packet returns names without the trailing dot and with their case preserved; addresses come
 * back in whatever text form the server's data had. Compare only normalised forms.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { normaliseName } from '../config/names.js';

/** Lower case, no trailing dot; the root is ''. The one normaliser of config/, under its DNS name. */
export function normName(name: string): string {
  return normaliseName(name);
}

/** True when `name` equals `zone` or lies below it (the root '' contains every name). */
export function isInZone(name: string, zone: string): boolean {
  const n = normName(name);
  const z = normName(zone);
  return z === '' || n === z || n.endsWith(`.${z}`);
}

/** The zone one label up ('' for a top-level label). */
export function parentName(name: string): string {
  const n = normName(name);
  const dot = n.indexOf('.');
  return dot < 0 ? '' : n.slice(dot + 1);
}

/** Canonical text of an IP address: IPv6 compressed and lower case (2001:0DB8::0001 → 2001:db8::1). */
export function canonIp(ip: string): string {
  const s = ip.trim();
  if (isIPv4(s)) return s;
  if (isIPv6(s)) return new URL(`http://[${s}]/`).hostname.slice(1, -1);
  return s.toLowerCase();
}

/** A zone name for messages: 'example.com', or '.' for the root. */
export function displayZone(zone: string): string {
  return zone === '' ? '.' : zone;
}
