#!/usr/bin/env bash
# The README's quickstart command. Exit 0 (all passed) or 1 (a check failed on this host) is
# success; anything else means argus itself is broken.
set -uo pipefail
go run . assess --config examples/quickstart --all
code=$?
if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
  echo "quickstart exited with $code, want 0 or 1"; exit 1
fi
