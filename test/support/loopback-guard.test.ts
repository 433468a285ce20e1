/** The guard every test file runs with: nothing leaves loopback, and what was refused is reported. */
import dgram from 'node:dgram';
import net from 'node:net';
import { isLoopback, recordDestinations, takeBlocked } from './loopback-guard.js';

test.each([
  ['127.0.0.1', true],
  ['127.255.0.9', true],
  ['::1', true],
  ['0:0:0:0:0:0:0:1', true],
  ['::ffff:127.0.0.4', true],
  ['::ffff:7f00:4', true],
  ['[::1]', true],
  ['localhost', true],
  ['128.0.0.1', false],
  ['192.0.2.1', false],
  ['2001:db8::1', false],
  ['::ffff:192.0.2.1', false],
  ['::', false],
  ['example.com', false],
])('isLoopback(%s) is %s', (host, expected) => {
  expect(isLoopback(host)).toBe(expected);
});

test('a UDP datagram to a non-loopback address is not sent: its callback fails, the address is recorded', async () => {
  const socket = dgram.createSocket('udp4');
  const recording = recordDestinations();
  const err = await new Promise<Error | null>((resolve) => socket.send(Buffer.from('x'), 53, '192.0.2.1', resolve));
  socket.close();
  expect(err?.message).toContain('loopback guard: a test tried to reach 192.0.2.1 port 53');
  expect(recording.stop()).toEqual(['192.0.2.1 53']);
  expect(takeBlocked()).toEqual(['192.0.2.1 port 53']);
});

test('a UDP datagram to loopback is sent', async () => {
  const receiver = dgram.createSocket('udp4');
  await new Promise<void>((r) => receiver.bind(0, '127.0.0.1', r));
  const got = new Promise<string>((r) => receiver.once('message', (m) => r(m.toString())));
  const socket = dgram.createSocket('udp4');
  socket.send('ping', receiver.address().port, '127.0.0.1');
  expect(await got).toBe('ping');
  socket.close();
  receiver.close();
  expect(takeBlocked()).toEqual([]);
});

test('a TCP connection to a non-loopback address is never opened', async () => {
  const socket = net.createConnection({ host: '2001:db8::1', port: 53 });
  const err = await new Promise<Error>((resolve) => socket.once('error', resolve));
  expect(err.message).toContain('loopback guard: a test tried to reach 2001:db8::1 port 53');
  expect(takeBlocked()).toEqual(['2001:db8::1 port 53']);
});

test('a host name is reached only when its lookup answers loopback alone', async () => {
  const server = net.createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const connect = (addresses: string[]) =>
    new Promise<string>((resolve) => {
      const socket = net.createConnection({
        host: 'api.test',
        port,
        lookup: (_host, _opts, cb) =>
          (cb as (e: null, a: { address: string; family: number }[]) => void)(
            null,
            addresses.map((address) => ({ address, family: 4 })),
          ),
      });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (e) => resolve(e.message));
    });
  expect(await connect(['127.0.0.1'])).toBe('connected');
  expect(await connect(['127.0.0.1', '192.0.2.7'])).toContain('api.test (192.0.2.7)');
  expect(takeBlocked()).toEqual([`192.0.2.7 port ${port}`]);
  server.close();
});
