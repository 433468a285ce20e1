/**
 * The little DNSSEC arithmetic the referral check needs: a DNSKEY's key tag (RFC 4034 appendix B)
 * and the DS digest of a DNSKEY (RFC 4034 §5.1.4, SHA-256 in RFC 4509, SHA-384 in RFC 6605), so
 * a DS published at the parent can be matched against the keys the zone serves. No validation of
 * signatures: a DS that matches no served key is what breaks a zone for validating resolvers.
 */
import { createHash } from 'node:crypto';
import type { DnskeyData, DsData } from 'dns-packet';
import { normName } from './names.js';

const DIGESTS: Record<number, string> = { 1: 'sha1', 2: 'sha256', 4: 'sha384' };

/** DNSKEY RDATA in wire form: flags, protocol 3, algorithm, public key. */
export function dnskeyRdata(key: DnskeyData): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(key.flags, 0);
  head.writeUInt8(3, 2);
  head.writeUInt8(key.algorithm, 3);
  return Buffer.concat([head, key.key]);
}

/** RFC 4034 appendix B (algorithm 1 has its own rule, long obsolete: not supported). */
export function keyTag(key: DnskeyData): number {
  const rdata = dnskeyRdata(key);
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i]! : rdata[i]! << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}

/** An owner name in canonical wire form (lower case, uncompressed). */
export function nameWire(name: string): Buffer {
  const n = normName(name);
  const labels = n === '' ? [] : n.split('.');
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
}

/** The DS digest of `key` owned by `owner` for a digest type, or undefined for an unknown type. */
export function dsDigest(owner: string, key: DnskeyData, digestType: number): Buffer | undefined {
  const algo = DIGESTS[digestType];
  if (!algo) return undefined;
  return createHash(algo).update(nameWire(owner)).update(dnskeyRdata(key)).digest();
}

/** Does this DS record point at this DNSKEY? */
export function dsMatches(owner: string, ds: DsData, key: DnskeyData): boolean {
  if (ds.keyTag !== keyTag(key) || ds.algorithm !== key.algorithm) return false;
  const digest = dsDigest(owner, key, ds.digestType);
  return digest?.equals(ds.digest) === true;
}
