#!/usr/bin/env bash
# .goreleaser.yaml: `goreleaser check`, then a snapshot build for this platform, whose binary
# must report the stamped version, this commit and its date (`argus version`). goreleaser is
# pinned to the newest release that builds with this Go (v2.17 needs a module the proxy refuses).
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "$0")/../lib.sh"
if ! goreleaser=$(go_tool goreleaser github.com/goreleaser/goreleaser/v2@v2.16.0); then
  echo "!!! SKIPPED: goreleaser could not be built from the Go module proxy; .goreleaser.yaml is NOT checked."
  exit 0
fi

# goreleaser reads the git remote; without one (a clone of a local path, an export) a snapshot
# silently stamps "commit none". Supply the canonical remote through git's environment config,
# without touching the clone's .git/config.
if ! git remote get-url origin >/dev/null 2>&1; then
  export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0=https://github.com/compliance-framework/argus.git
fi
"$goreleaser" check
# GOFLAGS=-buildvcs=false from .ci/run is fine: the version comes from ldflags, not VCS stamps.
"$goreleaser" build --snapshot --single-target --clean
bin=$(find dist -type f \( -name argus -o -name argus.exe \) | head -1)
got=$("$bin" version)
echo "$got"
commit=$(git rev-parse HEAD)
case "$got" in
  "argus "*"-next (commit ${commit:0:12}, built "*) ;;
  *) echo "argus version does not show the snapshot version and commit ${commit:0:12}"; exit 1 ;;
esac
rm -rf dist
