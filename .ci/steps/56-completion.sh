#!/usr/bin/env bash
# Shell completion: bash, zsh and fish each load the script `argus completion SHELL` prints and
# register the completer (cmd/completion_test.go, with every shell required here).
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "$0")/../lib.sh"
missing=()
for sh in zsh fish; do command -v "$sh" >/dev/null || missing+=("$sh"); done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "!!! SKIPPED: ${missing[*]} missing and this is not root: those completion scripts are NOT checked."
    exit 0
  fi
  apt_install "${missing[@]}"
fi
ARGUS_REQUIRE_SHELLS=1 go test -count=1 -run 'TestCompletion|TestShellQuote' -v ./cmd/ | grep -E '^(=== RUN|--- |ok|FAIL|PASS)'
