/** The progress sink: a bar on a terminal (its package loaded only then), lines elsewhere. */
import { expect, test } from '@jest/globals';
import { createProgress } from '../../src/cli/progress.js';
import type { CliIO } from '../../src/cli/io.js';

function io(tty: boolean): { io: CliIO; err: string[] } {
  const err: string[] = [];
  const stream = {
    write: (s: string) => (err.push(String(s)), true),
    ...(tty ? { isTTY: true, columns: 100 } : {}),
    on: () => stream,
    removeListener: () => stream,
  };
  const value = {
    stdout: { write: () => true },
    stderr: stream,
    env: {},
    cwd: '/',
  } as unknown as CliIO;
  return { io: value, err };
}

test('on a terminal the reading shows as a bar with its label and count', () => {
  const { io: terminal, err } = io(true);
  const p = createProgress(terminal);
  p.update('reading zone settings', 30, 100);
  p.stop();
  expect(err.join('')).toContain('reading zone settings');
  expect(err.join('')).toContain('30/100');
  expect(err.join('')).not.toContain('acns: reading zone settings'); // a bar, not the plain line
});

test('off a terminal no bar is drawn: the first update is one plain line', () => {
  const { io: pipe, err } = io(false);
  const p = createProgress(pipe);
  p.update('reading zone settings', 30, 100);
  p.stop();
  expect(err).toEqual(['acns: reading zone settings: 30/100\n']);
});
