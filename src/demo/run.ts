#!/usr/bin/env node
/**
 * `npm run demo`: the real flow, offline and without credentials. It starts the built-in Cloudflare
 * emulator (demo account) and a local DNS fixture (glue published for example.com, not yet for
 * example.net), then runs the acns CLI itself on examples/two-sets.yaml:
 *   doctor → validate → plan → apply (set 1 passes its glue check, set 2 is blocked with the records to
 *   register) → the glue is "registered" → apply again (resumes and completes) → plan (no changes)
 *   → drift after an out-of-band change → a plan that marks undoing it as [drift].
 * Exits 0 when every stage behaved as expected, 1 otherwise; always stops its servers.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { run } from '../cli/program.js';
import type { CliIO } from '../cli/io.js';
import { startEmulator } from '../emulator/server.js';
import { DEMO_TOKEN } from '../emulator/model.js';
import { DEMO_NAMES, startDemoDns } from './dns.js';
import { PACKAGE_ROOT } from '../package-root.js';

const repo = PACKAGE_ROOT;
const example = 'examples/two-sets.yaml';

function say(text: string): void {
  process.stdout.write(
    `\n\x1b[1m▶ ${text}\x1b[0m\n`.replace(/\x1b\[[0-9;]*m/g, process.stdout.isTTY && !process.env.NO_COLOR ? '$&' : ''),
  );
}

async function main(): Promise<number> {
  // A scratch folder under the git-ignored .acns/ holding a copy of the example as acns.yaml, so
  // the commands shown are exactly the ones you would type in your own repository.
  await mkdir(join(repo, '.acns'), { recursive: true });
  const work = await mkdtemp(join(repo, '.acns', 'demo-'));
  await copyFile(join(repo, example), join(work, 'acns.yaml'));
  const addresses = new Map(DEMO_NAMES.map((n) => [n.name, { ipv4: n.ipv4, ipv6: n.ipv6 }]));
  const emulator = await startEmulator({
    behaviour: { addressFor: (name) => addresses.get(name) ?? { ipv4: '192.0.2.1', ipv6: '2001:db8::1' } },
  });
  const dns = await startDemoDns();
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    NO_COLOR: process.env.NO_COLOR,
    CI: process.env.CI,
    CLOUDFLARE_BASE_URL: emulator.url,
    CLOUDFLARE_API_TOKEN: DEMO_TOKEN,
    ACNS_DNS_ROOT_SERVERS: dns.rootServer,
    ACNS_DNS_PORT: String(dns.port),
  };
  const io: CliIO = { stdout: process.stdout, stderr: process.stderr, env, cwd: work };
  const failures: string[] = [];
  const stage = async (title: string, argv: string[], expected: number): Promise<void> => {
    say(title);
    process.stdout.write(`$ acns ${argv.join(' ')}\n`);
    const code = await run(argv, io);
    if (code !== expected) failures.push(`"acns ${argv[0]}" exited ${code}, expected ${expected}`);
    process.stdout.write(`(exit ${code})\n`);
  };

  try {
    process.stdout.write(
      `acns demo: a Cloudflare API emulator at ${emulator.url} (demo account, no credentials needed)\n` +
        `and a local DNS fixture (root at ${dns.rootServer}): ` +
        'glue for example.com is published, glue for example.net is not.\n' +
        `Working in ${relative(process.cwd(), work) || '.'} with a copy of ${example} as acns.yaml.\n`,
    );
    await stage(
      'Doctor: a read-only first check of the account and this machine (run it first against a real account).',
      ['doctor'],
      0,
    );
    await stage('Validate acns.yaml: schema and rules, no network.', ['validate'], 0);
    await stage(
      'Plan: read the account, compare, and save the reviewed plan.',
      ['plan', '-o', 'plan.json', '--detailed-exitcode'],
      2,
    );
    await stage(
      'Apply the saved plan. Set 1 (example.com) has glue, so its zones switch; set 2 (example.net) has none: ' +
        'its zones are held back (exit 3) and the records to register are printed.',
      ['apply', 'plan.json'],
      3,
    );
    say(
      'Registering the glue for example.net at its "registry" (the local DNS fixture), as you would at the registrar…',
    );
    dns.registerGlue('example.net');
    await stage('Apply the same plan again: done steps are recognised, the rest runs.', ['apply', 'plan.json'], 0);
    await stage('Plan again: the account now matches the file.', ['plan', '--detailed-exitcode'], 0);
    say('Someone switches example.org back to standard nameservers in the dashboard (an out-of-band change)…');
    const zone = emulator.state.zones.find((z) => z.name === 'example.org');
    if (zone) zone.nameservers = { type: 'cloudflare.standard' };
    else failures.push('the demo account has no example.org');
    await stage('Drift detection finds it (exit 2), as a scheduled job would.', ['drift'], 2);
    await stage(
      'A plan would undo it; acns remembers what it applied (.acns/last-applied.json), ' +
        'so the step is marked [drift], not a change to the file.',
      ['plan', '--detailed-exitcode'],
      2,
    );
  } finally {
    await Promise.all([emulator.close(), dns.close()]);
    await rm(work, { recursive: true, force: true });
  }

  if (failures.length) {
    process.stdout.write(`\nDemo FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    return 1;
  }
  process.stdout.write(
    '\nDemo complete: every stage behaved as expected. Try it yourself: `node dist/cli/main.js emulator` ' +
      '(`acns emulator` once installed) serves the same demo account.\n',
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`demo: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
