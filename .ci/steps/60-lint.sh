#!/usr/bin/env bash
# golangci-lint (pinned, built from the Go module proxy) with the committed .golangci.yml. Every
# finding fails the step; a //nolint must name its linter and say why (nolintlint enforces it).
# v2.15.0 is the newest v2 release; it builds with this Go.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "$0")/../lib.sh"
lint=$(go_tool golangci-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0)
"$lint" version
"$lint" config verify
"$lint" run ./...
