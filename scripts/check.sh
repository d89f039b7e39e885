#!/usr/bin/env bash
# The CI gates on a developer's machine: the same step scripts .ci/run runs, in the same order
# and environment. With no argument it runs them all (bash .ci/run); with arguments, only the
# steps whose names contain one of them, e.g.
#   scripts/check.sh lint vuln          # 60-lint and 70-vulncheck
#   ARGUS_FUZZTIME=5s scripts/check.sh fuzz
# Installed tools are cached under ${ARGUS_CI_TOOLS:-~/.cache/argus-ci}, as in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -eq 0 ] && exec bash .ci/run
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CI_ROOT=$PWD
ran=0
for step in .ci/steps/*.sh; do
  name=$(basename "$step" .sh)
  for want in "$@"; do
    [[ $name == *"$want"* ]] || continue
    printf '\n=== %s\n' "$name"; start=$SECONDS
    bash "$step" || { echo "--- FAIL: $name ($((SECONDS - start))s)"; exit 1; }
    echo "--- ok: $name ($((SECONDS - start))s)"; ran=$((ran + 1)); break
  done
done
[ "$ran" -gt 0 ] || { echo "no step matches: $*"; ls .ci/steps; exit 2; }
