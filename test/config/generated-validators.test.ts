/**
 * The schema validators are generated ahead of time (scripts/generate-validators.mjs) and committed:
 * a schema changed without regenerating would be checked by the old rules. This fails until
 * `npm run generate` has been run.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { generatedValidators } from '../../scripts/generate-validators.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('generated schema validators', () => {
  const modules = generatedValidators() as { path: string; text: string }[];

  test('the desired-state and plan-file validators are generated', () => {
    expect(modules.map((m) => m.path).sort()).toEqual([
      'src/config/schema-validate.generated.ts',
      'src/plan/planfile-validate.generated.ts',
    ]);
  });

  test.each(modules.map((m) => [m.path, m.text]))(
    '%s matches its schema (else run `npm run generate`)',
    (path, text) => {
      expect(readFileSync(join(ROOT, path), 'utf8') === text).toBe(true);
    },
  );
});
