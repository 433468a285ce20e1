/**
 * Zone data shared by the DNS tests: a fake `.com`, child zones and a root, on loopback IPs. The checks
 * ask every address they are given, so every address here is on loopback: IPv6 ones are IPv4-mapped
 * 127.x addresses (::ffff:127.0.0.3 reaches the fake server on 127.0.0.3; canonical text ::ffff:7f00:3).
 */
import type { FakeRecord, FakeZone } from '../../src/dns/fakeserver.js';

const ns = (name: string, data: string): FakeRecord => ({ name, type: 'NS', data });
const a = (name: string, data: string): FakeRecord => ({ name, type: 'A', data });
const aaaa = (name: string, data: string): FakeRecord => ({ name, type: 'AAAA', data });

/** The expected (Cloudflare-assigned) addresses of the example.com names. */
export const EXAMPLE = [
  { name: 'ns1.example.com', ipv4: '127.0.0.3', ipv6: '::ffff:127.0.0.3' },
  { name: 'ns2.example.com', ipv4: '127.0.0.4', ipv6: '::ffff:127.0.0.4' },
];

export function comZone(): FakeZone {
  return {
    origin: 'com',
    records: [
      ns('com', 'a.nic.com'),
      a('a.nic.com', '127.0.0.1'),
      // 1) good: in-domain names with full glue (note the mixed case and the long IPv6 form of ::ffff:127.0.0.3)
      ns('example.com', 'ns1.example.com'),
      ns('example.com', 'NS2.Example.COM'),
      a('ns1.example.com', '127.0.0.3'),
      aaaa('ns1.example.com', '0:0:0:0:0:FFFF:7F00:0003'),
      a('ns2.example.com', '127.0.0.4'),
      aaaa('ns2.example.com', '::ffff:127.0.0.4'),
      // 2) missing: in-domain names without any glue
      ns('missing.com', 'ns1.missing.com'),
      ns('missing.com', 'ns2.missing.com'),
      // 3) mismatch: ns1 stale A (where nothing listens), ns2 no AAAA
      ns('mismatch.com', 'ns1.mismatch.com'),
      ns('mismatch.com', 'ns2.mismatch.com'),
      a('ns1.mismatch.com', '127.0.0.19'),
      aaaa('ns1.mismatch.com', '::ffff:127.0.0.11'),
      a('ns2.mismatch.com', '127.0.0.12'),
      // 4) hosted: the names' domain is delegated elsewhere (sibling glue for the other server)
      ns('hosted.com', 'ns.elsewhere.com'),
      ns('elsewhere.com', 'ns.elsewhere.com'),
      a('ns.elsewhere.com', '127.0.0.8'),
      a('ns1.hosted.com', '127.0.0.21'),
      aaaa('ns1.hosted.com', '::ffff:127.0.0.21'),
      // 5) out of bailiwick: NS targets under .net, no glue possible from .com
      ns('oob.com', 'ns1.oob.net'),
    ],
  };
}

export function exampleZone(): FakeZone {
  return {
    origin: 'example.com',
    records: [
      ns('example.com', 'ns1.example.com'),
      ns('example.com', 'ns2.example.com'),
      ...EXAMPLE.flatMap((e) => [a(e.name, e.ipv4), aaaa(e.name, e.ipv6)]),
    ],
  };
}

export function hostedZone(): FakeZone {
  return {
    origin: 'hosted.com',
    records: [
      ns('hosted.com', 'ns.elsewhere.com'),
      a('ns1.hosted.com', '127.0.0.21'),
      aaaa('ns1.hosted.com', '::ffff:127.0.0.21'),
    ],
  };
}

export function rootZone(): FakeZone {
  return { origin: '', records: [ns('', 'a.root-servers.test'), ns('com', 'a.nic.com'), a('a.nic.com', '127.0.0.1')] };
}

/** The check's own deadline must end it: fail clearly if it is still running well after that. */
export async function finishesWithin<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the check was still running ${ms} ms after it started`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
