import type { LoadResult } from './types.js';

export interface LoadOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Commands that talk to the API need an account id from the file or CLOUDFLARE_ACCOUNT_ID. */
  requireAccountId?: boolean;
}

/** Placeholder until the loader lands: to be replaced by the config module. */
export async function loadDesiredState(_file: string, _opts: LoadOptions): Promise<LoadResult> {
  throw new Error('not implemented');
}
