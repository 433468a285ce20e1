/** Fresh account: plan → save → show → apply → plan again is empty. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_CONFIG, startWorld, type World } from './harness.js';

let w: World;
beforeAll(async () => {
  w = await startWorld();
  w.writeConfig(BASE_CONFIG);
});
afterAll(() => w.close());

test('fresh account: plan, save, show, apply, then no changes', async () => {
  const p = await w.cli(['plan']);
  console.log(p.stdout, p.stderr);
  expect(p.code).toBe(0);
});
