#!/usr/bin/env bash
# Assembles the tree of a release in OUT_DIR: what `npm pack` ships (dist/, schemas/, action.yml,
# action/, gitops/, README, package.json) plus the production dependencies from package-lock.json,
# installed with --omit=dev --ignore-scripts, plus release.json. The action at a release tag runs
# exactly this tree (action/install.mjs) — nothing is installed when a workflow uses it.
#
#   scripts/release-tree.sh OUT_DIR TAG
#
# Run from a clean checkout after `npm ci && npm test` (npm pack builds dist/ through `prepack`).
set -euo pipefail
out="${1:?usage: scripts/release-tree.sh OUT_DIR TAG}"
tag="${2:?usage: scripts/release-tree.sh OUT_DIR TAG}"
version="$(node -p 'require("./package.json").version')"
if [ "$tag" != "v$version" ]; then
  echo "tag $tag does not match package.json version $version (expected v$version)" >&2
  exit 1
fi
rm -rf "$out" && mkdir -p "$out"
tarball="$(npm pack --silent --pack-destination "$out")"
tar -xzf "$out/$tarball" -C "$out" --strip-components=1
rm "$out/$tarball"
cp package-lock.json "$out/"
(cd "$out" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund)
test -f "$out/dist/cli/main.js"
node -e '
  const [out, tag, version, commit] = process.argv.slice(1);
  require("node:fs").writeFileSync(`${out}/release.json`,
    JSON.stringify({ version, tag, source_commit: commit }, null, 2) + "\n");
' "$out" "$tag" "$version" "$(git rev-parse HEAD)"
echo "release tree for $tag in $out"
