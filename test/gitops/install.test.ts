/**
 * action/install.mjs, the one place that decides how the action gets acns: a release tree runs as is
 * (npm is never called); any other tree is refused unless allow-source-build, which runs npm ci.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeTooOld } from '../../action/install.mjs';
import { ROOT } from './helpers.js';

let dir: string;
let bin: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'acns-install-'));
  bin = join(dir, 'bin');
  mkdirSync(bin);
  // a fake npm that records its arguments and creates dist/ as a build would
  writeFileSync(join(bin, 'npm'), '#!/bin/sh\necho "$@" >> "$NPM_LOG"\nmkdir -p dist/cli && touch dist/cli/main.js\n');
  chmodSync(join(bin, 'npm'), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function install(tree: string, sourceBuild = 'false') {
  return spawnSync(process.execPath, [join(ROOT, 'action/install.mjs')], {
    cwd: tree,
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH}`, NPM_LOG: join(dir, 'npm.log'), ACNS_ACTION_SOURCE_BUILD: sourceBuild },
  });
}

test('a release tree: nothing installed, npm never called', () => {
  const tree = join(dir, 'release');
  mkdirSync(join(tree, 'dist/cli'), { recursive: true });
  mkdirSync(join(tree, 'node_modules/yaml'), { recursive: true });
  writeFileSync(join(tree, 'dist/cli/main.js'), '');
  writeFileSync(join(tree, 'release.json'), JSON.stringify({ version: '0.1.0', tag: 'v0.1.0', source_commit: 'abc' }));
  const r = install(tree);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('acns 0.1.0 (release v0.1.0, built from abc); nothing to install');
  expect(existsSync(join(dir, 'npm.log'))).toBe(false);
});

test('a source tree (a branch, @main) is refused with the way out', () => {
  const tree = join(dir, 'source');
  mkdirSync(tree);
  const r = install(tree);
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/::error title=acns::this ref of the acns action is not a release build/);
  expect(r.stdout).toMatch(/Pin the commit SHA of a release tag/);
  expect(existsSync(join(dir, 'npm.log'))).toBe(false);
});

test('allow-source-build (this repository only) runs npm ci and builds', () => {
  const tree = join(dir, 'source');
  mkdirSync(tree);
  const r = install(tree, 'true');
  expect(r.status).toBe(0);
  expect(readFileSync(join(dir, 'npm.log'), 'utf8')).toBe('ci --no-audit --no-fund\n');
});

test('the Node version floor', () => {
  expect(nodeTooOld('20.18.0')).toBe(true);
  expect(nodeTooOld('20.18.1')).toBe(false);
  expect(nodeTooOld('24.1.0')).toBe(false);
  expect(nodeTooOld('18.20.0')).toBe(true);
});
