#!/usr/bin/env node
/**
 * HOW THE ACTION GETS ACNS — the one place that decides it.
 *
 * A release of this action (a tag made by .github/workflows/release.yml) is a commit that carries the
 * built CLI (dist/) and its production dependencies (node_modules/, installed with --omit=dev
 * --ignore-scripts), described by release.json. Nothing is installed at run time: no registry is
 * contacted and no install script runs while the job holds a Cloudflare token.
 *
 * Any other ref (a branch, a source commit) has no build. It is refused unless the workflow sets
 * the input allow-source-build — meant for this repository's own CI (`uses: ./`), which runs
 * `npm ci` (dev dependencies included) and builds.
 *
 * Run in the action's directory. Environment: ACNS_ACTION_SOURCE_BUILD ('true' to allow building).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const MIN_NODE = [20, 18, 1];

export function nodeTooOld(version = process.versions.node) {
  const v = version.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (v[i] !== MIN_NODE[i]) return v[i] < MIN_NODE[i];
  return false;
}

/** 'release' (ready to run), 'source' (needs a build) — and what the release says about itself. */
export function installKind(dir) {
  const built = existsSync(join(dir, 'dist/cli/main.js')) && existsSync(join(dir, 'node_modules'));
  if (built && existsSync(join(dir, 'release.json'))) {
    return { kind: 'release', release: JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8')) };
  }
  return { kind: 'source' };
}

function main() {
  const dir = process.cwd();
  if (nodeTooOld()) {
    console.log(
      `::error title=acns::Node ${process.versions.node} is too old: acns needs ${MIN_NODE.join('.')} or later ` +
        '(set the input node-version)',
    );
    process.exit(1);
  }
  const found = installKind(dir);
  if (found.kind === 'release') {
    const r = found.release;
    console.log(`acns ${r.version} (release ${r.tag}, built from ${r.source_commit}); nothing to install`);
    return;
  }
  if (process.env.ACNS_ACTION_SOURCE_BUILD !== 'true') {
    console.log(
      '::error title=acns::this ref of the acns action is not a release build (no dist/ and release.json). ' +
        'Pin the commit SHA of a release tag (see docs/gitops.md, "Pinning the action"); ' +
        'only the acns repository itself sets allow-source-build to build from source.',
    );
    process.exit(1);
  }
  console.log('building acns from source (allow-source-build): npm ci, including dev dependencies');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (!existsSync(join(dir, 'dist/cli/main.js'))) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
}

if (process.argv[1]?.endsWith('install.mjs')) main();
