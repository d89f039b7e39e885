#!/usr/bin/env bash
# Step "init" of the argus GitHub Action (action.yml): install and verify the providers the
# configuration needs into the (restored) provider cache. Under CI=true the lock file is
# read-only, so a lock that would change fails here rather than drifting silently.
#
# Inputs (environment): ARGUS (the executable, default "argus" on PATH), ARGUS_INPUT_CONFIG,
# ARGUS_CACHE_DIR (argus reads it as --cache-dir).
set -euo pipefail
: "${ARGUS_INPUT_CONFIG:=.}"
"${ARGUS:-argus}" init --config "$ARGUS_INPUT_CONFIG"
