/**
 * Jest reporter: after the summary, names every skipped test with its title, so "1 skipped" never
 * stands alone — a test skipped for a missing tool says which tool and how to install it.
 */
import { relative } from 'node:path';

export default class SkippedReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const skipped = [];
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') {
          skipped.push(`${relative(this.rootDir, file.testFilePath)} › ${t.fullName}`);
        }
      }
    }
    if (skipped.length === 0) return;
    process.stderr.write(`\nSkipped (${skipped.length}):\n${skipped.map((s) => `  ${s}\n`).join('')}\n`);
  }
}
