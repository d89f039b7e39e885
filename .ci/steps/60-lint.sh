#!/usr/bin/env bash
# golangci-lint (pinned, built from the Go module proxy) with the committed .golangci.yml. Every
# finding fails the step; a //nolint must name its linter and say why (nolintlint enforces it).
# v2.15.0 is the newest v2 release; it builds with this Go.
set -euo pipefail
VERSION=v2.15.0
tools=${ARGUS_CI_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/argus-ci}/golangci-lint-$VERSION
if [ ! -x "$tools/golangci-lint" ]; then
  start=$SECONDS
  GOBIN=$tools go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$VERSION"
  echo "installed golangci-lint $VERSION in $((SECONDS - start))s"
fi
"$tools/golangci-lint" version
"$tools/golangci-lint" config verify
"$tools/golangci-lint" run ./...
