#!/usr/bin/env bash
# Every Go benchmark once (-benchtime=1x), so that none rots: they are measured by bench/run.sh,
# never timed here.
set -euo pipefail
go test -run '^$' -bench . -benchtime=1x ./...
