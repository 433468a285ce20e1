/** Golden-file comparison: exact match; UPDATE_GOLDEN=1 rewrites the file instead. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function expectGolden(name: string, actual: string): void {
  const path = new URL(`./golden/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    writeFileSync(path, actual);
    if (process.env.UPDATE_GOLDEN !== '1')
      throw new Error(`golden file ${name} was missing and has been written; check it and re-run`);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
