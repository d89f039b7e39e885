#!/usr/bin/env bash
# gofmt and go vet: formatting and the compiler's own checks.
set -euo pipefail
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
