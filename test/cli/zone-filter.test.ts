import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/program.js';
import { TEST_RETRY_BACKOFF } from '../support/retry.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'acns-zone-filter-'));
  await writeFile(
    join(dir, 'acns.yaml'),
    'version: 1\naccount_id: 372e67954025e0ba6aaa6d586b9e0b59\nnameserver_sets:\n' +
      '  1:\n    names: [ns1.example.com, ns2.example.com]\nzones:\n  example.org: 1\n' +
      '  shop.example.org: standard\n',
  );
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    // an API that does not exist: the check must refuse before any request is tried
    env: { CLOUDFLARE_API_TOKEN: 't0k', CLOUDFLARE_BASE_URL: 'http://127.0.0.1:9/client/v4' },
    cwd: dir,
    retryBackoff: TEST_RETRY_BACKOFF,
  });
  return { code, out, err };
}

test('--zone with a zone the file does not manage is refused before any request, with a did-you-mean', async () => {
  const r = await cli(['plan', '--zone', 'exmaple.org']);
  expect(r.code).toBe(1);
  expect(r.err).toContain(
    '--zone names a zone that acns.yaml does not manage: exmaple.org (did you mean example.org?)',
  );
  expect(r.err).not.toMatch(/could not reach/);
  expect(r.out).toBe('');
});

test("--zone accepts the file's names in any case and with a trailing dot (then reads the account)", async () => {
  const r = await cli(['plan', '--zone', 'Example.ORG.', '--zone', 'shop.example.org']);
  expect(r.err).not.toContain('does not manage');
  expect(r.err).toMatch(/could not reach the Cloudflare API/);
  expect(r.code).toBe(1);
});
