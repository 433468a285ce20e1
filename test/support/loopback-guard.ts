/**
 * Tests talk to loopback only (jest loads this before every test file). A UDP datagram or a TCP
 * connection to any other address is never sent: the attempt fails at once, as on a network that
 * cannot reach it, and the test (or hook) during which it happened fails with the address named.
 * A host name is allowed only when its lookup answers loopback addresses alone.
 *
 * The socket prototypes are shared by every test file a worker runs, so each file re-wraps the
 * originals (kept on the core module) and only the current file's wrappers are installed.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { isLoopbackAddress } from '../../src/cloudflare/credentials.js';

type Lookup = (host: string, opts: object, cb: (err: Error | null, address?: unknown, family?: number) => void) => void;
type Send = (this: dgram.Socket, msg: unknown, ...rest: unknown[]) => void;
type UdpConnect = (this: dgram.Socket, port: number, address?: unknown, cb?: unknown) => void;
type TcpConnect = (this: net.Socket, ...args: unknown[]) => net.Socket;

interface Originals {
  send: Send;
  udpConnect: UdpConnect;
  tcpConnect: TcpConnect;
}

interface FileState {
  /** Non-loopback destinations refused since the last check. */
  blocked: string[];
  /** Open recordings of every destination (loopback or not). */
  recorders: Set<string[]>;
}

const ORIGINALS = Symbol.for('acns.test.loopback-guard.originals');
const FILE = Symbol.for('acns.test.loopback-guard.file');

const shared = dgram as unknown as Record<symbol, Originals | undefined>;
shared[ORIGINALS] ??= {
  send: dgram.Socket.prototype.send as unknown as Send,
  udpConnect: dgram.Socket.prototype.connect as unknown as UdpConnect,
  tcpConnect: net.Socket.prototype.connect as unknown as TcpConnect,
};
const originals = shared[ORIGINALS]!;
const context = globalThis as unknown as Record<symbol, FileState | undefined>;
// a test file that imports this module again must not install a second set of wrappers and hooks
const installed = context[FILE] !== undefined;
const file: FileState = context[FILE] ?? { blocked: [], recorders: new Set() };
context[FILE] = file;

/** Loopback addresses as the product judges them (any IPv6 spelling of ::1 and mapped 127.x), and "localhost". */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

/**
 * Records every UDP/TCP destination ('host port') from now until `stop()`, which returns them: a
 * test can show which servers its code asked.
 */
export function recordDestinations(): { stop: () => string[] } {
  const seen: string[] = [];
  file.recorders.add(seen);
  return {
    stop: () => {
      file.recorders.delete(seen);
      return seen;
    },
  };
}

/** The refused destinations since the last call, cleared (for the guard's own test). */
export function takeBlocked(): string[] {
  return file.blocked.splice(0);
}

function refusal(host: string, port: unknown): Error {
  const err = new Error(`loopback guard: a test tried to reach ${host} port ${String(port)}; tests use loopback only`);
  (err as NodeJS.ErrnoException).code = 'ENETUNREACH';
  return err;
}

/** Notes the destination; false (and the refusal recorded) when it is not loopback. */
function allowed(host: string, port: unknown): boolean {
  for (const r of file.recorders) r.push(`${host} ${String(port)}`);
  if (isLoopback(host)) return true;
  file.blocked.push(`${host} port ${String(port)}`);
  return false;
}

/** A lookup that fails, and records, any answer with an address that is not loopback. */
function guardLookup(lookup: Lookup, port: unknown): Lookup {
  return (host, opts, cb) =>
    lookup(host, opts, (err, address, family) => {
      if (err) return cb(err, address, family);
      const all = Array.isArray(address) ? (address as { address: string }[]).map((a) => a.address) : [address];
      const bad = all.filter((a) => typeof a !== 'string' || !isLoopback(a));
      for (const a of all) allowed(String(a), port); // records each, and refuses the bad ones
      if (bad.length > 0) return cb(refusal(`${host} (${bad.join(', ')})`, port));
      return cb(null, address, family);
    });
}

function failOnBlocked(where: string): void {
  const blocked = file.blocked.splice(0);
  if (blocked.length > 0) {
    throw new Error(
      `${where} sent network traffic to non-loopback addresses (refused): ${[...new Set(blocked)].join(', ')}. ` +
        'Use 127.0.0.0/8 (or ::1) for every address the code under test contacts.',
    );
  }
}

if (!installed) {
  install();
  afterEach(() => failOnBlocked('this test'));
  afterAll(() => failOnBlocked("this file's hooks"));
}

function install(): void {
  dgram.Socket.prototype.send = function guardedSend(this: dgram.Socket, msg: unknown, ...rest: unknown[]): void {
    // send(msg[, offset, length][, port][, address][, callback]): Node's own rule for which form it is
    const long = Boolean(rest[3]) || (rest[2] !== undefined && typeof rest[2] !== 'function');
    const [port, address, callback] = long ? [rest[2], rest[3], rest[4]] : [rest[0], rest[1], rest[2]];
    const cb = [address, callback].find((x) => typeof x === 'function') as ((e: Error) => void) | undefined;
    // no address: the connected peer (checked by connect) or loopback, Node's default
    if (port !== undefined && typeof address === 'string' && !allowed(address, port)) {
      const err = refusal(address, port);
      process.nextTick(() => (cb ? cb(err) : this.emit('error', err)));
      return;
    }
    originals.send.call(this, msg, ...rest);
  } as typeof dgram.Socket.prototype.send;

  dgram.Socket.prototype.connect = function guardedUdpConnect(
    this: dgram.Socket,
    port: number,
    address?: unknown,
    cb?: unknown,
  ): void {
    if (typeof address === 'string' && !allowed(address, port)) {
      const err = refusal(address, port);
      process.nextTick(() => this.emit('error', err));
      return;
    }
    originals.udpConnect.call(this, port, address, cb);
  } as typeof dgram.Socket.prototype.connect;

  net.Socket.prototype.connect = function guardedTcpConnect(this: net.Socket, ...args: unknown[]): net.Socket {
    // connect(options[, cb]), connect(port[, host][, cb]), connect(path[, cb]), or net.connect's [options, cb]
    const normalised = Array.isArray(args[0]) ? (args[0] as unknown[]) : undefined;
    const first = normalised ? normalised[0] : args[0];
    const refuse = (host: string, port: unknown): net.Socket => {
      const err = refusal(host, port);
      process.nextTick(() => this.destroy(err));
      return this;
    };
    if (first !== null && typeof first === 'object') {
      const o = first as { host?: string; port?: unknown; path?: string; lookup?: Lookup };
      if (o.path !== undefined) return originals.tcpConnect.apply(this, args);
      const host = o.host ?? 'localhost';
      if (net.isIP(host) || host === 'localhost') {
        if (!allowed(host, o.port)) return refuse(host, o.port);
      } else {
        const guarded = { ...o, lookup: guardLookup(o.lookup ?? (dns.lookup as unknown as Lookup), o.port) };
        if (normalised) normalised[0] = guarded;
        else args[0] = guarded;
      }
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      const host = typeof args[1] === 'string' ? args[1] : 'localhost';
      if (!allowed(host, first)) return refuse(host, first);
    }
    return originals.tcpConnect.apply(this, args);
  };
}
