#!/usr/bin/env node
// The formatter wraps code at 120 columns but never splits a string or a comment: this catches those.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const MAX = 120;
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mjs', '*.js'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f && !f.includes('/golden/') && !f.startsWith('test/fixtures/') && !f.includes('.generated.'));
let long = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // deleted in the working tree
  }
  text.split('\n').forEach((line, i) => {
    if (line.length > MAX) {
      long++;
      if (long <= 50) console.log(`${file}:${i + 1}: ${line.length} characters (at most ${MAX})`);
    }
  });
}
if (long > 0) {
  console.log(`${long} line${long === 1 ? '' : 's'} over ${MAX} characters: split the string or the comment`);
  process.exit(1);
}
