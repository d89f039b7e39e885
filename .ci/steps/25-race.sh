#!/usr/bin/env bash
# go test -race: the data race detector. It needs cgo (the race runtime is C), so this step alone
# builds with CGO_ENABLED=1 and gcc; the release binaries stay CGO_ENABLED=0.
set -euo pipefail
if ! command -v gcc >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev >/dev/null
  else
    echo "gcc is missing and this is not root: the race detector cannot run (Debian package gcc)"; exit 1
  fi
fi
CGO_ENABLED=1 go test -race ./...
