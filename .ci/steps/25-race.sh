#!/usr/bin/env bash
# go test -race: the data race detector. It needs cgo (the race runtime is C), so this step alone
# builds with CGO_ENABLED=1 and gcc; the release binaries stay CGO_ENABLED=0.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "$0")/../lib.sh"
command -v gcc >/dev/null || apt_install gcc libc6-dev ||
  { echo "gcc is missing: the race detector cannot run (Debian package gcc)"; exit 1; }
CGO_ENABLED=1 go test -race ./...
