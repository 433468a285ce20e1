import { readFileSync } from 'node:fs';
import { packageFile } from '../package-root.js';

/** The tool version, read once from package.json next to dist/ or src/. */
export const TOOL_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
