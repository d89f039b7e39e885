#!/usr/bin/env bash
# gofmt, go vet and go mod tidy: formatting, the compiler's own checks, and a go.mod/go.sum that
# say exactly what the code imports (direct requirements unmarked, indirect ones marked).
set -euo pipefail
unformatted=$(git ls-files -z '*.go' | xargs -0 gofmt -l)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
if ! go mod tidy -diff; then
  echo "go.mod or go.sum is not tidy: run go mod tidy and commit the result"; exit 1
fi
