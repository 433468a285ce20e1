/**
 * The custom string formats of the desired-state schema (fqdn, server-address), in the shape ajv
 * calls them: the generated validator (schema-validate.generated.ts) reads them from here.
 */
import { isIP } from 'node:net';
import { isValidName } from './names.js';

/** True when `s` is IPv4, IPv4:port, IPv6 or [IPv6]:port with a port in 1..65535. */
export function isServerAddress(s: string): boolean {
  return parseServerAddress(s) !== undefined;
}

/** Splits IP[:port] / [IPv6]:port; undefined when malformed. */
export function parseServerAddress(s: string): { host: string; port?: number } | undefined {
  if (typeof s !== 'string') return undefined;
  const v6 = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(s);
  if (v6)
    return isIP(v6[1]) === 6 && portOk(v6[2]) ? { host: v6[1], port: v6[2] ? Number(v6[2]) : undefined } : undefined;
  if (isIP(s) === 6) return { host: s };
  const v4 = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(s);
  if (v4 && isIP(v4[1]) === 4 && portOk(v4[2])) return { host: v4[1], port: v4[2] ? Number(v4[2]) : undefined };
  return undefined;
}

function portOk(p: string | undefined): boolean {
  return p === undefined || (Number(p) >= 1 && Number(p) <= 65535);
}

/** Format name → ajv format definition (strings only: other types pass the format unchecked). */
export const SCHEMA_FORMATS = {
  fqdn: { type: 'string', validate: isValidName },
  'server-address': { type: 'string', validate: isServerAddress },
} as const;
