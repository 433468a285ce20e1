/**
 * Every name the workflows key on, derived from the config path, so several configs (accounts) in one
 * repository never share a comment, an artifact, a cache entry or a drift issue.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';

/** The config path as the workflows compare it: forward slashes, no leading ./ */
function normalizeConfigPath(path) {
  const p = posix.normalize(String(path).trim().replace(/\\/g, '/'));
  if (p === '' || p === '.' || p.startsWith('../') || p.startsWith('/'))
    throw new Error(
      `config path "${path}" must be a file inside the repository, like acns.yaml or accounts/a/acns.yaml`,
    );
  return p.replace(/^\.\//, '');
}

export function configNames(path) {
  const config = normalizeConfigPath(path);
  const slug = config
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  // a short hash keeps paths apart that slug alike ("a/b-c" and "a-b/c")
  const id = `${slug}-${createHash('sha256').update(config).digest('hex').slice(0, 8)}`;
  return {
    config,
    id,
    planMarker: `<!-- acns-gitops plan ${id} -->`,
    applyMarker: `<!-- acns-gitops apply ${id} -->`,
    driftMarker: `<!-- acns-gitops drift ${id} -->`,
    planArtifact: `acns-plan-${id}`,
    applyPlanArtifact: `acns-apply-plan-${id}`,
    journalArtifact: `acns-journal-${id}`,
    cacheKeyPrefix: `acns-last-applied-${id}-`,
  };
}
