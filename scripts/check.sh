#!/usr/bin/env bash
# The CI gates on a developer's machine: .ci/run itself, so that the steps, their order and
# their environment are CI's. With no argument it runs them all; with arguments, only the steps
# whose names contain one of them, e.g.
#   scripts/check.sh lint vuln          # 60-lint and 70-vulncheck
#   ARGUS_FUZZTIME=5s scripts/check.sh fuzz
# Installed tools are cached under ${ARGUS_CI_TOOLS:-~/.cache/argus-ci}, as in CI.
set -euo pipefail
exec bash "$(dirname "$0")/../.ci/run" "$@"
