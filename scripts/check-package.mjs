#!/usr/bin/env node
/**
 * Proves the package installs like a real CLI: `npm pack`, check what the tarball holds, install it
 * into an empty folder and globally (under a temporary prefix) with the network off, then run the
 * installed `acns` from another directory against the emulator it ships: --version, import,
 * validate, plan, apply, drift. Exits 0 when all of that behaved, 1 otherwise (each failure named).
 *
 *   node scripts/check-package.mjs          (from the repository, after `npm ci`)
 *
 * Offline on purpose: the dependencies travel inside the tarball (bundleDependencies), so an install
 * needs neither the registry nor a warm cache, and a missing bundle fails here instead of in a user's
 * CI job.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const failures = [];
const fail = (what) => {
  failures.push(what);
  process.stdout.write(`  FAIL ${what}\n`);
};
const ok = (what) => process.stdout.write(`  ok   ${what}\n`);

/** What the tarball must hold, and what must never ship (sources, tests, bench, build tools, maps). */
const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  'dist/cli/main.js',
  'schemas/acns.schema.json',
  'schemas/plan.schema.json',
  'schemas/emulator-state.schema.json',
  'docs/README.md',
  'examples/minimal.yaml',
];
const FORBIDDEN = [
  /^src\//,
  /^test\//,
  /^bench\//,
  /^build\//,
  /^scripts\//,
  /^\.ci\//,
  /^\.acns\//,
  /^dist\/.*\.map$/,
  /^(?!node_modules\/).*\.tsbuildinfo$/,
  /^tsconfig/,
  /^jest\.config/,
  /^node_modules\/(typescript|jest|@jest|@swc|@biomejs|@types)\//,
];

// The child processes see no Cloudflare credentials from the caller and no registry.
const baseEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  NO_COLOR: '1',
};

function run(cmd, args, cwd, env = baseEnv) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function expectRun(label, r, expected, check) {
  if (r.code !== expected) {
    fail(`${label}: exit ${r.code}, expected ${expected}\n${indent(r.stdout)}${indent(r.stderr)}`);
    return false;
  }
  const problem = check?.(r);
  if (problem) {
    fail(`${label}: ${problem}\n${indent(r.stdout)}${indent(r.stderr)}`);
    return false;
  }
  ok(label);
  return true;
}

function indent(text) {
  const t = text.trimEnd();
  return t ? `${t.replace(/^/gm, '       | ')}\n` : '';
}

/** Starts `acns emulator` with its DNS fixture and returns the variables it prints to export. */
function startEmulator(bin, cwd) {
  const child = spawn(bin, ['emulator', '--port', '0', '--dns', '0'], { cwd, env: baseEnv });
  let out = '';
  const ready = new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator did not start:\n${out}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        const vars = Object.fromEntries([...out.matchAll(/^\s*export (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
        resolveReady(vars);
      }
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited (${code}) before it was ready:\n${out}`));
    });
  });
  return { child, ready };
}

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'acns-package-'));
  let emulator;
  try {
    process.stdout.write(`check-package: ${pkg.name}@${pkg.version} in ${tmp}\n`);

    // 1. Pack (prepack builds dist/ afresh) and read what the tarball holds.
    const packed = run('npm', ['pack', '--json', '--pack-destination', tmp], repo, { ...process.env, NO_COLOR: '1' });
    if (packed.code !== 0) {
      fail(`npm pack: exit ${packed.code}\n${indent(packed.stderr)}`);
      return;
    }
    const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')))[0];
    const files = info.files.map((f) => f.path);
    const tarball = join(tmp, info.filename);
    ok(`npm pack: ${info.filename}, ${(info.size / 1e6).toFixed(1)} MB, ${files.length} files`);
    const missing = REQUIRED.filter((f) => !files.includes(f));
    if (missing.length) fail(`the tarball lacks ${missing.join(', ')}`);
    else ok(`the tarball holds ${REQUIRED.join(', ')}`);
    const stray = files.filter((f) => FORBIDDEN.some((re) => re.test(f)));
    if (stray.length) fail(`the tarball ships what it must not: ${stray.slice(0, 10).join(', ')}`);
    else ok('no sources, tests, bench, build tools or source maps in the tarball');
    const unbundled = Object.keys(pkg.dependencies).filter((d) => !files.includes(`node_modules/${d}/package.json`));
    if (unbundled.length) fail(`dependencies not bundled: ${unbundled.join(', ')}`);
    else ok('every runtime dependency travels inside the tarball');

    // 2. Install into an empty folder, and globally under a temporary prefix, with the network off.
    const project = join(tmp, 'project');
    const prefix = join(tmp, 'global');
    const elsewhere = join(tmp, 'elsewhere');
    for (const d of [project, prefix, elsewhere]) mkdirSync(d);
    const quiet = (r) => (/warn/i.test(r.stderr) ? 'npm printed warnings' : undefined);
    expectRun(
      'npm install <tarball> into an empty folder, offline',
      run('npm', ['install', tarball], project),
      0,
      quiet,
    );
    expectRun(
      'npm install -g <tarball> (temporary prefix), offline',
      run('npm', ['install', '-g', '--prefix', prefix, tarball], project),
      0,
      quiet,
    );
    const local = join(project, 'node_modules', '.bin', 'acns');
    const global = join(prefix, 'bin', 'acns');
    const isVersion = (r) => (r.stdout.trim() === pkg.version ? undefined : `printed ${JSON.stringify(r.stdout)}`);
    expectRun('global acns --version from another directory', run(global, ['--version'], elsewhere), 0, isVersion);
    expectRun('project acns --version from another directory', run(local, ['--version'], elsewhere), 0, isVersion);
    expectRun(
      'npx --no-install acns --version inside the project',
      run('npx', ['--no-install', 'acns', '--version'], project),
      0,
      isVersion,
    );

    // 3. The README's real-account commands, run by the installed acns against its own emulator.
    emulator = startEmulator(global, elsewhere);
    const vars = await emulator.ready;
    ok(`acns emulator started at ${vars.CLOUDFLARE_BASE_URL}`);
    const env = { ...baseEnv, ...vars };
    const acns = (args) => run(global, args, elsewhere, env);
    const has = (text) => (r) => (r.stdout.includes(text) ? undefined : `no "${text}" in its output`);
    expectRun('acns import -o acns.yaml', acns(['import', '-o', 'acns.yaml']), 0);
    expectRun('acns validate (the imported file)', acns(['validate']), 0, has('valid'));
    copyFileSync(
      join(project, 'node_modules', ...pkg.name.split('/'), 'examples', 'minimal.yaml'),
      join(elsewhere, 'acns.yaml'),
    );
    expectRun('acns validate (the shipped examples/minimal.yaml)', acns(['validate']), 0, has('valid (1 set'));
    expectRun(
      'acns plan -o plan.json --detailed-exitcode',
      acns(['plan', '-o', 'plan.json', '--detailed-exitcode']),
      2,
      has('Plan: 2 to create'),
    );
    expectRun('acns apply plan.json', acns(['apply', 'plan.json']), 0, has('Apply complete'));
    expectRun('acns drift', acns(['drift']), 0, has('No drift'));
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  } finally {
    if (emulator) {
      emulator.child.kill('SIGTERM');
      await new Promise((r) => (emulator.child.exitCode === null ? emulator.child.on('exit', r) : r()));
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
process.stdout.write(
  failures.length ? `check-package: ${failures.length} failed\n` : 'check-package: the package installs and runs\n',
);
process.exit(failures.length ? 1 : 0);
