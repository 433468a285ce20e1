/**
 * Integration test against a real NSD serving a fake `.com` (test/fixtures/dns/com.zone) on a
 * random loopback port. CI installs nsd, so there a missing nsd is a failure; elsewhere the test
 * is skipped and the run's summary names it with the reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import dgram from 'node:dgram';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseServer, query } from '../../src/dns/client.js';
import { checkSetGlue, checkZoneDelegation, type GlueCheckOptions } from '../../src/dns/glue.js';
import { checkZoneLameness } from '../../src/dns/lameness.js';

const here = dirname(fileURLToPath(import.meta.url));
const zoneFile = join(here, '..', 'fixtures', 'dns', 'com.zone');
const nsd = findNsd();
const inCi = process.env.CI === 'true';

if (!nsd && inCi) {
  test('real nsd is installed in CI', () => {
    throw new Error(
      'nsd is not installed but CI=true: install it (apt-get install -y --no-install-recommends nsd) ' +
        'so the real-NSD glue test cannot be skipped',
    );
  });
} else if (!nsd) {
  // The run's summary lists skipped tests by title (test/support/skipped-reporter.js): the title says why.
  test.skip('real nsd glue check: skipped, nsd is not installed (apt-get install -y --no-install-recommends nsd)', () =>
    undefined);
} else {
  describe('glue check against a real NSD', () => {
    let proc: ChildProcess | undefined;
    let dir: string;
    let server: string;
    let stderr = '';

    let second: ChildProcess | undefined; // serves only "org" on 127.0.0.2: REFUSED for anything else
    let port: number;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'acns-nsd-'));
      mkdirSync(join(dir, 'com'));
      mkdirSync(join(dir, 'org'));
      copyFileSync(zoneFile, join(dir, 'com', 'com.zone'));
      // lame.com is delegated to ns1.lame.com with glue 127.0.0.2, where only "org" is served
      appendFileSync(
        join(dir, 'com', 'com.zone'),
        'lame.com.           IN NS   ns1.lame.com.\nns1.lame.com.       IN A    127.0.0.2\n',
      );
      writeFileSync(
        join(dir, 'org', 'org.zone'),
        '$ORIGIN org.\n$TTL 3600\n@ IN SOA a.org. h.org. ( 5 1800 900 604800 86400 )\n' +
          '  IN NS a.org.\na IN A 127.0.0.2\n',
      );
      port = await freePort();
      server = `127.0.0.1:${port}`;
      proc = startNsd(join(dir, 'com'), '127.0.0.1', port, 'com', (c) => (stderr += c));
      second = startNsd(join(dir, 'org'), '127.0.0.2', port, 'org', (c) => (stderr += c));
      await ready(proc, server, 'com');
      await ready(second, `127.0.0.2:${port}`, 'org');
    });

    afterAll(async () => {
      await Promise.all([stop(proc), stop(second)]);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    async function ready(p: ChildProcess, address: string, zone: string): Promise<void> {
      const deadline = Date.now() + 8000;
      for (;;) {
        if (p.exitCode !== null) throw new Error(`nsd exited with ${p.exitCode}: ${stderr}`);
        try {
          const res = await query(parseServer(address), zone, 'SOA', { timeoutMs: 100, retries: 0 });
          if (res.rcode === 'NOERROR') return;
        } catch {
          // not ready yet
        }
        if (Date.now() > deadline) throw new Error(`nsd did not answer within 8 s: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    const opts = (over: Partial<GlueCheckOptions> = {}): GlueCheckOptions => ({
      rootServers: [],
      parentServers: [server],
      port: Number(server.split(':')[1]),
      timeoutMs: 300,
      retries: 0,
      ...over,
    });

    test('ok: full glue (case and IPv6 text form normalised)', async () => {
      const r = await checkSetGlue(
        {
          set: 1,
          registrar: 'external',
          names: [
            { name: 'ns1.example.com', ipv4: '198.51.100.1', ipv6: '2001:db8::1' },
            { name: 'ns2.example.com', ipv4: '198.51.100.2', ipv6: '2001:db8::2' },
          ],
        },
        opts(),
      );
      expect(r.names.map((n) => n.status)).toEqual(['ok', 'ok']);
      expect(r.verdict).toBe('ok');
      expect(r.servers[0]).toMatchObject({ kind: 'referral', transport: 'udp' });
    });

    test('missing glue, confirmed over TCP', async () => {
      const r = await checkSetGlue(
        { set: 1, registrar: 'external', names: [{ name: 'ns1.missing.com', ipv4: '198.51.100.5' }] },
        opts(),
      );
      expect(r.verdict).toBe('failed');
      expect(r.names[0]!.status).toBe('missing');
      expect(r.servers[0]).toMatchObject({ transport: 'tcp', confirmedOverTcp: true });
    });

    test('mismatch: stale A, missing AAAA', async () => {
      const r = await checkSetGlue(
        {
          set: 1,
          registrar: 'external',
          names: [
            { name: 'ns1.mismatch.com', ipv4: '198.51.100.11', ipv6: '2001:db8::11' },
            { name: 'ns2.mismatch.com', ipv4: '198.51.100.12', ipv6: '2001:db8::12' },
          ],
        },
        opts(),
      );
      expect(r.names.map((n) => [n.status, n.ipv4, n.ipv6])).toEqual([
        ['mismatch', 'mismatch', 'ok'],
        ['mismatch', 'ok', 'missing'],
      ]);
      expect(r.stale).toEqual([{ name: 'ns1.mismatch.com', address: '203.0.113.9' }]);
    });

    test('NSD partial glue with TC=0 at a 512-byte buffer is confirmed over TCP, not reported', async () => {
      const names = Array.from({ length: 13 }, (_, i) => ({
        name: `ns${i + 1}.big.com`,
        ipv4: `198.51.100.${101 + i}`,
        ipv6: `2001:db8::${(101 + i).toString(16)}`,
      }));
      const r = await checkSetGlue({ set: 1, registrar: 'external', names }, opts({ udpPayloadSize: 512 }));
      expect(r.servers[0]).toMatchObject({ transport: 'tcp', truncatedOverUdp: false, confirmedOverTcp: true });
      expect(r.names.every((n) => n.status === 'ok')).toBe(true);
    });

    test('NXDOMAIN host zone → failed', async () => {
      const r = await checkSetGlue(
        { set: 1, registrar: 'external', names: [{ name: 'ns1.nonexistent.com', ipv4: '198.51.100.9' }] },
        opts(),
      );
      expect(r.verdict).toBe('failed');
      expect(r.servers[0]!.kind).toBe('nxdomain');
    });

    test('delegation check: delegated and elsewhere', async () => {
      const o = { rootServers: [], parentServers: [server], port: 53, timeoutMs: 300, retries: 0 };
      expect((await checkZoneDelegation('example.com', ['ns1.example.com', 'ns2.example.com'], o)).status).toBe(
        'delegated',
      );
      const hosted = await checkZoneDelegation('hosted.com', ['ns1.hosted.com'], o);
      expect(hosted).toMatchObject({
        status: 'elsewhere',
        nameservers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
      });
    });

    test('the parent is trusted only as an authoritative server: NSD answers com SOA with AA=1, RA=0', async () => {
      const res = await query(parseServer(server), 'com', 'SOA', { timeoutMs: 300, retries: 0 });
      expect([res.aa, res.ra]).toEqual([true, false]);
      const r = await checkSetGlue(
        { set: 1, registrar: 'external', names: [{ name: 'ns1.example.com', ipv4: '198.51.100.1' }] },
        opts(),
      );
      expect(r.servers[0]).toMatchObject({ kind: 'referral' });
    });

    test('names domain delegated to its own names with matching glue, but REFUSED there: failed, not ok', async () => {
      const r = await checkSetGlue(
        { set: 1, registrar: 'external', names: [{ name: 'ns1.lame.com', ipv4: '127.0.0.2' }] },
        opts(),
      );
      expect(r.names[0]).toMatchObject({ status: 'ok', child: { status: 'lame' } });
      expect(r.verdict).toBe('failed');
      expect(r.warnings.join('\n')).toContain(`127.0.0.2:${port} answers REFUSED for lame.com`);
    });

    test('lameness: a real server that does not serve the zone is lame; one that does is ok', async () => {
      const lame = await checkZoneLameness('lame.com', ['127.0.0.2'], ['ns1.lame.com'], { port, timeoutMs: 300 });
      expect(lame).toMatchObject({ status: 'failed', lame: [`127.0.0.2:${port}`] });
      const com = await checkZoneLameness('com', [server], ['a.gtld-servers.com', 'b.gtld-servers.com'], {
        port,
        timeoutMs: 300,
      });
      expect(com).toMatchObject({ status: 'ok', serials: [1], apexNsMatches: true });
    });

    test('delegation: the NS TTL of the referral is returned', async () => {
      const o = { rootServers: [], parentServers: [server], port: 53, timeoutMs: 300, retries: 0 };
      const d = await checkZoneDelegation('example.com', ['ns1.example.com', 'ns2.example.com'], o);
      expect(d).toMatchObject({ status: 'delegated', nsTtl: 172800, disagreement: false });
    });
  });
}

function startNsd(dir: string, ip: string, port: number, zone: string, onErr: (c: string) => void): ChildProcess {
  writeFileSync(
    join(dir, 'nsd.conf'),
    [
      'server:',
      `  ip-address: ${ip}@${port}`,
      '  do-ip6: no',
      '  username: ""',
      '  chroot: ""',
      `  zonesdir: "${dir}"`,
      '  database: ""',
      `  zonelistfile: "${dir}/zone.list"`,
      `  xfrdfile: "${dir}/xfrd.state"`,
      `  xfrdir: "${dir}"`,
      `  pidfile: "${dir}/nsd.pid"`,
      '  server-count: 1',
      '  verbosity: 1',
      'remote-control:',
      '  control-enable: no',
      'zone:',
      `  name: "${zone}"`,
      `  zonefile: "${zone}.zone"`,
      '',
    ].join('\n'),
  );
  const p = spawn(nsd!, ['-d', '-c', join(dir, 'nsd.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr?.on('data', (c: Buffer) => onErr(c.toString()));
  return p;
}

async function stop(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await exited;
}

function findNsd(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v nsd'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  return ['/usr/sbin/nsd', '/usr/local/sbin/nsd'].find((p) => existsSync(p));
}

/** A port free for both UDP and TCP on 127.0.0.1. */
async function freePort(): Promise<number> {
  for (;;) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve) => udp.bind(0, '127.0.0.1', () => resolve(udp.address().port)));
    const tcpFree = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    await new Promise<void>((r) => udp.close(() => r()));
    if (tcpFree) return port;
  }
}
