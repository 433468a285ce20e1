/**
 * The folder acns is installed in (the one holding package.json and schemas/), found by walking up
 * from this module: the same answer from src/ (tests), dist/ (the CLI) and any other build output.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT: string = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A file shipped with acns (for example `schemas/plan.schema.json`). */
export function packageFile(rel: string): string {
  return join(PACKAGE_ROOT, rel);
}

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return dir;
    if (dirname(dir) === dir) return dirname(start); // not found: the layout dist/<layer>/ implies the parent
  }
}
