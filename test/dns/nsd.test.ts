/**
 * Integration test against real NSD on a random loopback port: a fake `.com`
 * (test/fixtures/dns/com.zone) on 127.0.0.1, a server of `org` and `example.com` only on 127.0.0.2
 * and .5 (REFUSED for anything else), a root and `.net` on 127.0.0.3, and on 127.0.0.4 and .6 the zones
 * a set of Cloudflare names would serve, beside a root zone that fails to load (SERVFAIL). Every
 * address the checks are given is one of these (or a silent one on loopback): the checks ask the
 * names' own servers too, and nothing may leave loopback. CI installs nsd, so there a missing nsd is
 * a failure; elsewhere the test is skipped and the run's summary names it with the reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import dgram from 'node:dgram';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AccountApi } from '../../src/cloudflare/api.js';
import type { LiveNameserver } from '../../src/cloudflare/types.js';
import { DnsCache } from '../../src/dns/cache.js';
import { parseServer, query } from '../../src/dns/client.js';
import { FakeDnsServer } from '../../src/dns/fakeserver.js';
import { checkSetGlue, checkZoneDelegation, type GlueCheckOptions } from '../../src/dns/glue.js';
import { checkZoneLameness } from '../../src/dns/lameness.js';
import { checkZoneReferral } from '../../src/dns/referral.js';
import type { DnsRun } from '../../src/operations/dns-run.js';
import { zoneChecker } from '../../src/operations/zonecheck.js';
import type { Step } from '../../src/plan/types.js';
import { isLoopback, recordDestinations } from '../support/loopback-guard.js';
import { finishesWithin } from './fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const zoneFile = join(here, '..', 'fixtures', 'dns', 'com.zone');
const nsd = findNsd();
/** The names of the set whose addresses (127.0.0.4) serve zc.com, dskey.example.com and badkey.example.com. */
const NEW_NAMES = ['ns1.new.com', 'ns2.new.com'];
// RFC 4034 §5.4: dskey.example.com's DNSKEY (key tag 60485) and its SHA-1 DS
const RFC_DNSKEY =
  '256 3 5 AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd' +
  '/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==';
const RFC_DS = '60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118';
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

    // serves only "org" and example.com on 127.0.0.2 and .5 (example.com's names): REFUSED for anything else
    let second: ChildProcess | undefined;
    let rootNsd: ChildProcess | undefined; // the root and net on 127.0.0.3
    // a set's zones on 127.0.0.4 and .6, and a root that failed to load (SERVFAIL)
    let setNsd: ChildProcess | undefined;
    let blackhole: FakeDnsServer | undefined; // 127.0.0.9: takes every query, never answers
    let port: number;
    let root: string;
    // every UDP/TCP destination of the file's queries (the last test checks them)
    const sent = recordDestinations();

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'acns-nsd-'));
      for (const d of ['com', 'org', 'root', 'set']) mkdirSync(join(dir, d));
      copyFileSync(zoneFile, join(dir, 'com', 'com.zone'));
      appendFileSync(
        join(dir, 'com', 'com.zone'),
        [
          // lame.com is delegated to ns1.lame.com with glue 127.0.0.2, where only "org" is served
          'lame.com.           IN NS   ns1.lame.com.',
          'ns1.lame.com.       IN A    127.0.0.2',
          // a glueless cycle: a.com → ns.b.net (b.net → ns.a.com in net)
          'a.com.              IN NS   ns.b.net.',
          // quiet.com's only server never answers
          'quiet.com.          IN NS   ns.quiet.com.',
          'ns.quiet.com.       IN A    127.0.0.9',
          // zc.com moved to the set on 127.0.0.4; its parent still names the set it left
          'zc.com.             IN NS   ns1.old.com.',
          'zc.com.             IN NS   ns2.old.com.',
          '',
        ].join('\n'),
      );
      writeZone(join(dir, 'com', 'serial.com.zone'), 'serial.com', 1, ['ns1.serial.com']);
      writeFileSync(
        join(dir, 'org', 'org.zone'),
        '$ORIGIN org.\n$TTL 3600\n@ IN SOA a.org. h.org. ( 5 1800 900 604800 86400 )\n' +
          '  IN NS a.org.\na IN A 127.0.0.2\n',
      );
      // example.com's own zone: dskey.example.com carries RFC 4034's example DS; badkey.example.com the
      // same DS, which cannot match its key (the digest covers the owner name)
      writeFileSync(
        join(dir, 'org', 'example.com.zone'),
        '$ORIGIN example.com.\n$TTL 3600\n@ IN SOA ns1 h ( 1 1800 900 604800 86400 )\n' +
          '  IN NS ns1.example.com.\n  IN NS ns2.example.com.\n' +
          'ns1 IN A 127.0.0.2\nns1 IN AAAA ::ffff:127.0.0.2\nns2 IN A 127.0.0.5\nns2 IN AAAA ::ffff:127.0.0.5\n' +
          ['dskey', 'badkey']
            .map((z) => `${z} IN NS ns1.new.com.\n${z} IN NS ns2.new.com.\n${z} IN DS ${RFC_DS}\n`)
            .join(''),
      );
      writeFileSync(
        join(dir, 'root', 'root.zone'),
        '$ORIGIN .\n$TTL 3600\n@ IN SOA a.root-servers.test. h.test. ( 1 1800 900 604800 86400 )\n' +
          '  IN NS a.root-servers.test.\na.root-servers.test. IN A 127.0.0.3\n' +
          'com. IN NS a.gtld-servers.com.\na.gtld-servers.com. IN A 127.0.0.1\n' +
          'net. IN NS a.nic.net.\na.nic.net. IN A 127.0.0.3\n',
      );
      writeFileSync(
        join(dir, 'root', 'net.zone'),
        '$ORIGIN net.\n$TTL 3600\n@ IN SOA a.nic.net. h.test. ( 1 1800 900 604800 86400 )\n' +
          '  IN NS a.nic.net.\na.nic IN A 127.0.0.3\nb IN NS ns.a.com.\n',
      );
      writeZone(join(dir, 'set', 'zc.com.zone'), 'zc.com', 1, NEW_NAMES);
      writeZone(join(dir, 'set', 'serial.com.zone'), 'serial.com', 2, ['ns1.serial.com']);
      for (const z of ['dskey.example.com', 'badkey.example.com']) {
        writeZone(join(dir, 'set', `${z}.zone`), z, 1, NEW_NAMES, `@ IN DNSKEY ${RFC_DNSKEY}\n`);
      }
      // the names' own servers for the glue tests: each name at 127.0.0.4 and ::ffff:127.0.0.4
      const at4 = (names: string[]): string =>
        names.map((n) => `${n}. IN A 127.0.0.4\n${n}. IN AAAA ::ffff:127.0.0.4\n`).join('');
      const big = Array.from({ length: 13 }, (_, i) => `ns${i + 1}.big.com`);
      for (const [zone, names] of [
        ['missing.com', ['ns1.missing.com', 'ns2.missing.com']],
        ['mismatch.com', ['ns1.mismatch.com', 'ns2.mismatch.com']],
        ['big.com', big],
      ] as const) {
        writeZone(join(dir, 'set', `${zone}.zone`), zone, 1, [...names], at4([...names]));
      }
      writeFileSync(join(dir, 'set', 'root.zone'), '$ORIGIN .\n$TTL 3600\nthis zone does not load\n');
      port = await freePort();
      server = `127.0.0.1:${port}`;
      root = `127.0.0.3:${port}`;
      const log = (c: string): void => {
        stderr += c;
      };
      proc = startNsd(join(dir, 'com'), ['127.0.0.1'], port, ['com', 'serial.com'], log);
      second = startNsd(join(dir, 'org'), ['127.0.0.2', '127.0.0.5'], port, ['org', 'example.com'], log);
      rootNsd = startNsd(join(dir, 'root'), ['127.0.0.3'], port, ['.', 'net'], log);
      setNsd = startNsd(
        join(dir, 'set'),
        ['127.0.0.4', '127.0.0.6'],
        port,
        [
          '.',
          'zc.com',
          'serial.com',
          'dskey.example.com',
          'badkey.example.com',
          'missing.com',
          'mismatch.com',
          'big.com',
        ],
        log,
      );
      blackhole = await FakeDnsServer.start({ host: '127.0.0.9', port, zones: [], knobs: { silent: true } });
      await Promise.all([
        ready(proc, server, 'com'),
        ready(second, `127.0.0.2:${port}`, 'org'),
        ready(second, `127.0.0.5:${port}`, 'example.com'),
        ready(rootNsd, root, 'net'),
        ready(setNsd, `127.0.0.4:${port}`, 'zc.com'),
        ready(setNsd, `127.0.0.6:${port}`, 'big.com'),
      ]);
    });

    afterAll(async () => {
      await Promise.all([stop(proc), stop(second), stop(rootNsd), stop(setNsd), blackhole?.close()]);
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
            { name: 'ns1.example.com', ipv4: '127.0.0.2', ipv6: '::FFFF:127.0.0.2' },
            { name: 'ns2.example.com', ipv4: '127.0.0.5', ipv6: '::ffff:127.0.0.5' },
          ],
        },
        opts(),
      );
      expect(r.names.map((n) => [n.status, n.child.status])).toEqual([
        ['ok', 'ok'],
        ['ok', 'ok'],
      ]);
      expect(r.verdict).toBe('ok');
      expect(r.servers[0]).toMatchObject({ kind: 'referral', transport: 'udp' });
      // the names' own servers answered at every address, IPv6 ones included
      expect(r.childServers.map((c) => [c.server, c.answered])).toEqual([
        [`127.0.0.2:${port}`, true],
        [`127.0.0.5:${port}`, true],
        [`[::ffff:7f00:2]:${port}`, true],
        [`[::ffff:7f00:5]:${port}`, true],
      ]);
    });

    test('missing glue, confirmed over TCP', async () => {
      const r = await checkSetGlue(
        { set: 1, registrar: 'external', names: [{ name: 'ns1.missing.com', ipv4: '127.0.0.4' }] },
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
            { name: 'ns1.mismatch.com', ipv4: '127.0.0.4', ipv6: '::ffff:127.0.0.4' },
            { name: 'ns2.mismatch.com', ipv4: '127.0.0.4', ipv6: '::ffff:127.0.0.4' },
          ],
        },
        opts(),
      );
      expect(r.names.map((n) => [n.status, n.ipv4, n.ipv6])).toEqual([
        ['mismatch', 'mismatch', 'ok'],
        ['mismatch', 'ok', 'missing'],
      ]);
      expect(r.stale).toEqual([{ name: 'ns1.mismatch.com', address: '127.0.0.6' }]);
    });

    test('NSD partial glue with TC=0 at a 512-byte buffer is confirmed over TCP, not reported', async () => {
      const names = Array.from({ length: 13 }, (_, i) => ({
        name: `ns${i + 1}.big.com`,
        ipv4: '127.0.0.4',
        ipv6: '::ffff:127.0.0.4',
      }));
      const r = await checkSetGlue({ set: 1, registrar: 'external', names }, opts({ udpPayloadSize: 512 }));
      expect(r.servers[0]).toMatchObject({ transport: 'tcp', truncatedOverUdp: false, confirmedOverTcp: true });
      expect(r.names.every((n) => n.status === 'ok')).toBe(true);
    });

    test('NXDOMAIN host zone → failed', async () => {
      const r = await checkSetGlue(
        { set: 1, registrar: 'external', names: [{ name: 'ns1.nonexistent.com', ipv4: '127.0.0.4' }] },
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
        { set: 1, registrar: 'external', names: [{ name: 'ns1.example.com', ipv4: '127.0.0.2' }] },
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

    test('stale glue resolvers receive: the registry host record as sibling glue in a zone referral', async () => {
      // customer.com uses the hosted.com names; hosted.com itself is delegated elsewhere, so only
      // customer.com's own referral shows the registry's old address for ns1.hosted.com
      const cf = [
        { name: 'ns1.hosted.com', ipv4: '127.0.0.31', ipv6: '::ffff:127.0.0.21' },
        { name: 'ns2.hosted.com', ipv4: '127.0.0.32' },
      ];
      const o = { rootServers: [root], parentServers: [server], port, timeoutMs: 300, retries: 0 };
      const d = await checkZoneDelegation('customer.com', ['ns1.hosted.com', 'ns2.hosted.com'], o);
      expect(d.status).toBe('delegated');
      const r = await checkZoneReferral('customer.com', cf, o);
      expect(r.nsMatches).toBe(true);
      expect(r.staleGlue).toEqual([
        { name: 'ns1.hosted.com', type: 'A', address: '127.0.0.21', expected: '127.0.0.31', servers: [server] },
      ]);
      expect(r.status).toBe('failed');
      expect(r.problems.join('\n')).toContain("stale glue in customer.com's referral: ns1.hosted.com A 127.0.0.21");
    });

    describe('per-zone referral: the parent NS and its DS against the DNSKEY the zone serves', () => {
      const intended = NEW_NAMES.map((name) => ({ name, ipv4: '127.0.0.4' }));
      const o = () => ({ rootServers: [root], parentServers: [`127.0.0.2:${port}`], port, timeoutMs: 300, retries: 0 });

      test('the intended NS and a DS that matches the served DNSKEY: ok', async () => {
        const r = await checkZoneReferral('dskey.example.com', intended, o());
        expect(r).toMatchObject({ nsMatches: true, nameservers: NEW_NAMES, staleGlue: [] });
        expect(r.ds).toMatchObject({ status: 'ok', ds: [{ keyTag: 60485, algorithm: 5, digestType: 1 }] });
        expect(r.ds.dnskeys).toEqual([{ keyTag: 60485, algorithm: 5, flags: 256 }]);
        expect(r.status).toBe('ok');
      });

      test('a DS that matches no served DNSKEY fails', async () => {
        const r = await checkZoneReferral('badkey.example.com', intended, o());
        expect(r.ds.status).toBe('mismatch');
        expect(r.status).toBe('failed');
        expect(r.problems.join('\n')).toContain('matches no DNSKEY the zone serves (60485)');
      });

      test('a parent NS other than the intended set fails', async () => {
        const r = await checkZoneReferral('dskey.example.com', [{ name: 'ns1.other.com', ipv4: '127.0.0.4' }], o());
        expect(r.nsMatches).toBe(false);
        expect(r.status).toBe('failed');
        expect(r.problems.join('\n')).toContain(
          'the parent delegates dskey.example.com to ns1.new.com, ns2.new.com, not to ns1.other.com',
        );
      });
    });

    test('lameness: two real servers of one zone with different SOA serials fail', async () => {
      const r = await checkZoneLameness('serial.com', ['127.0.0.1', '127.0.0.4'], ['ns1.serial.com'], {
        port,
        timeoutMs: 300,
      });
      expect(r).toMatchObject({
        status: 'failed',
        serials: [1, 2],
        serialsAgree: false,
        lame: [],
        apexNsMatches: true,
      });
      expect(r.problems.join('\n')).toContain(
        `the servers disagree on serial.com's SOA serial: 127.0.0.1:${port} has 1, 127.0.0.4:${port} has 2`,
      );
    });

    test('a glueless cycle and blackholed servers: could not verify, within the deadline', async () => {
      const deadlineMs = 1000;
      const names = [
        { name: 'ns1.a.com', ipv4: '127.0.0.50' },
        { name: 'ns1.quiet.com', ipv4: '127.0.0.51' },
      ];
      const check = checkSetGlue(
        { set: 1, registrar: 'external', names },
        opts({
          // the first root and quiet.com's server never answer; per-query timeouts would never end first
          rootServers: [blackhole!.address, root],
          parentServers: [],
          timeoutMs: 60_000,
          staggerMs: 50,
          deadlineMs,
        }),
      );
      const r = await finishesWithin(check, deadlineMs + 3000);
      expect(r.verdict).toBe('could_not_verify');
      expect(r.blocking).toBe(true);
      expect(r.domains.map((x) => [x.hostZone, x.parentZone, x.verdict])).toEqual([
        ['a.com', 'com', 'could_not_verify'],
        ['quiet.com', 'com', 'could_not_verify'],
      ]);
      expect(r.warnings.join('\n')).toContain('glueless delegation cycle: ns.b.net → ns.a.com → ns.b.net');
      expect(r.bounds.cutShort).toBe('the check did not finish within its deadline of 1 s');
      expect(r.bounds.queries).toBeLessThan(40);
    });

    test('a root server answering REFUSED, then one answering SERVFAIL: the next one is asked at once', async () => {
      // a long stagger: only a failed answer can start the next server before the deadline
      const d = await checkZoneDelegation('customer.com', ['ns1.hosted.com', 'ns2.hosted.com'], {
        rootServers: [`127.0.0.2:${port}`, `127.0.0.4:${port}`, root],
        parentServers: [],
        port,
        timeoutMs: 300,
        retries: 0,
        staggerMs: 60_000,
        deadlineMs: 3000,
      });
      expect(d).toMatchObject({ status: 'delegated', parentZone: 'com' });
    });

    describe('the check after a switch: the set it left (still named by the parent) and the new one', () => {
      const step: Step = {
        id: 'assign_zone:zc.com',
        kind: 'assign_zone',
        target: 'zc.com',
        zoneId: 'z1',
        before: { type: 'custom.account', set: 1 },
        after: { type: 'custom.account', set: 2 },
        reasonCode: 'zone_setting_differs',
        reason: 'r',
        class: 'config',
        dependsOn: [],
      };
      const check = (oldIp: string, newIp: string) => {
        const names: LiveNameserver[] = [
          ...['ns1.old.com', 'ns2.old.com'].map((name) => ({ name, set: 1, ipv4: oldIp })),
          ...NEW_NAMES.map((name) => ({ name, set: 2, ipv4: newIp })),
        ];
        const api = { listNameservers: async () => names } as unknown as AccountApi;
        const cache = new DnsCache();
        const run: DnsRun = {
          on: true,
          dns: { rootServers: [root], parentServers: [], port, cache, deadlineMs: 3000 },
          reads: { cache },
        };
        return zoneChecker(api, run, { waitMs: 0 })(step);
      };

      test('both sets answer with authority (AA=1): ok', async () => {
        expect(await check('127.0.0.4', '127.0.0.4')).toMatchObject({ verdict: 'ok', blocking: false });
      });

      test('the old set answers REFUSED while the parent still names it: failed, the run stops', async () => {
        const v = await check('127.0.0.2', '127.0.0.4');
        expect(v).toMatchObject({ verdict: 'failed', blocking: true });
        expect(v?.message).toContain(
          `set 1 (its parent still lists ns1.old.com, ns2.old.com): 127.0.0.2:${port}: answers zc.com SOA REFUSED`,
        );
      });

      test('the new set answers REFUSED: failed', async () => {
        const v = await check('127.0.0.4', '127.0.0.2');
        expect(v).toMatchObject({ verdict: 'failed', blocking: true });
        expect(v?.message).toContain(`set 2: 127.0.0.2:${port}: answers zc.com SOA REFUSED`);
      });
    });

    // runs last: what every test above sent
    test('every address the checks asked is on loopback, the names own servers included', () => {
      const hosts = [...new Set(sent.stop().map((d) => d.split(' ')[0]!))];
      expect(hosts.filter((h) => !isLoopback(h))).toEqual([]);
      // the recording saw the checks' own queries: the names' servers at IPv4 and IPv4-mapped IPv6 addresses
      expect(hosts).toEqual(
        expect.arrayContaining(['127.0.0.2', '127.0.0.4', '127.0.0.5', '127.0.0.6', '::ffff:7f00:4', '::ffff:7f00:5']),
      );
    });
  });
}

function startNsd(dir: string, ips: string[], port: number, zones: string[], onErr: (c: string) => void): ChildProcess {
  writeFileSync(
    join(dir, 'nsd.conf'),
    [
      'server:',
      ...ips.map((ip) => `  ip-address: ${ip}@${port}`),
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
      ...zones.flatMap((z) => ['zone:', `  name: "${z}"`, `  zonefile: "${z === '.' ? 'root' : z}.zone"`]),
      '',
    ].join('\n'),
  );
  const p = spawn(nsd!, ['-d', '-c', join(dir, 'nsd.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr?.on('data', (c: Buffer) => onErr(c.toString()));
  return p;
}

/** A small zone file: SOA with `serial`, the apex NS, and any extra lines. */
function writeZone(path: string, origin: string, serial: number, nsNames: string[], extra = ''): void {
  writeFileSync(
    path,
    `$ORIGIN ${origin}.\n$TTL 3600\n@ IN SOA ${nsNames[0]}. h.test. ( ${serial} 1800 900 604800 86400 )\n` +
      nsNames.map((n) => `  IN NS ${n}.\n`).join('') +
      extra,
  );
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
