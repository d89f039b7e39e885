#!/usr/bin/env bash
# Benchmarks argus hosting CCF plugins (issue 12) and writes bench/CCF-RESULTS.md:
#  - 4 test-plugin jobs through `argus assess --parallel 2` against the same 4 plugin processes
#    run back to back (bench/ccfseq: argus's go-plugin host alone, as the agent runs plugins),
#    each plugin sleeping SLEEP in Eval to model real work (target: argus >= 1.8x faster);
#  - argus's own peak RSS while it hosts them (VmHWM of the argus process, sampled from /proc
#    until it exits, so the plugins' memory is not counted; target <= 40 MB);
#  - the stripped binary size now against commit 3bed2ae (target <= 24 MB).
# Usage: bench/ccf.sh   (RUNS=N runs per figure, default 5; SLEEP=D, default 1s; OUT=FILE)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
SLEEP=${SLEEP:-1s}
BASE=${BASE:-3bed2ae}
OUT=${OUT:-$ROOT/bench/CCF-RESULTS.md}
W=$(mktemp -d /tmp/argus-ccfbench.XXXXXX)
cleanup() { rm -rf "$W"; }
trap cleanup EXIT
log() { echo "bench: $*" >&2; }

log "building into $W/bin"
mkdir -p "$W/bin" "$W/proj/plugin"
CGO_ENABLED=0 go build -o "$W/bin/argus" .
CGO_ENABLED=0 go build -ldflags="-s -w" -o "$W/bin/argus-stripped" .
CGO_ENABLED=0 go build -o "$W/bin/ccfseq" ./bench/ccfseq
CGO_ENABLED=0 go build -o "$W/proj/plugin/plugin" ./internal/ccfplugin/testplugin
mkdir -p "$W/base" && git archive "$BASE" | tar -x -C "$W/base"
(cd "$W/base" && CGO_ENABLED=0 go build -ldflags="-s -w" -o "$W/bin/argus-base-stripped" .)

cat > "$W/proj/bench.argus.hcl" <<HCL
provider "tp" {
  source = "./plugin"
  kind   = "ccf-plugin"
}
HCL
for i in 1 2 3 4; do
  cat >> "$W/proj/bench.argus.hcl" <<HCL
job "j$i" {
  provider = "tp"
  config   = { testplugin_sleep = "$SLEEP" }
}
HCL
done
export XDG_CACHE_HOME=$W/cache XDG_STATE_HOME=$W/state
(cd "$W/proj" && "$W/bin/argus" init --config . >/dev/null)

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# argus_run prints the wall ms and argus's peak RSS (kB) of one assess.
argus_run() {
  local t0 t1 pid hwm=0 h
  t0=$(now_ns)
  (cd "$W/proj" && exec "$W/bin/argus" assess --config . --all --parallel 2 --fail-on never --state-dir "$W/st" >/dev/null 2>&1) &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    h=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
    sleep 0.02
  done
  wait "$pid" || true
  t1=$(now_ns)
  echo "$(((t1 - t0) / 1000000)) $hwm"
}
seq_run() {
  local t0 t1
  t0=$(now_ns)
  "$W/bin/ccfseq" "$W/proj/plugin/plugin" 4 "$SLEEP" >/dev/null 2>&1
  t1=$(now_ns)
  echo $(((t1 - t0) / 1000000))
}

: > "$W/argus.txt"; : > "$W/seq.txt"
for _ in $(seq "$RUNS"); do
  argus_run >> "$W/argus.txt"
  seq_run >> "$W/seq.txt"
done
A_MS=$(awk '{print $1}' "$W/argus.txt" | median)
A_RSS=$(awk '{print $2}' "$W/argus.txt" | sort -n | tail -1)
S_MS=$(median < "$W/seq.txt")
SPEED=$(awk -v a="$A_MS" -v s="$S_MS" 'BEGIN {printf "%.2f", s / a}')
RSS_MB=$(awk -v k="$A_RSS" 'BEGIN {printf "%.1f", k / 1024}')
SIZE=$(stat -c %s "$W/bin/argus-stripped")
BSIZE=$(stat -c %s "$W/bin/argus-base-stripped")
SIZE_MB=$(awk -v b="$SIZE" 'BEGIN {printf "%.1f", b / 1048576}')
BSIZE_MB=$(awk -v b="$BSIZE" 'BEGIN {printf "%.1f", b / 1048576}')
met() { if awk "BEGIN {exit !($1)}"; then echo met; else echo "not met"; fi; }

{
  echo "# CCF plugin hosting: benchmark results"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD), $(nproc) CPUs, $RUNS runs (medians; RSS is the highest), each plugin sleeping $SLEEP in Eval."
  echo
  echo "| figure | argus | baseline | target | |"
  echo "|---|---|---|---|---|"
  echo "| 4 plugin jobs, wall time | ${A_MS} ms (--parallel 2) | ${S_MS} ms (back to back, bench/ccfseq) | argus >= 1.8x faster | ${SPEED}x, $(met "$SPEED >= 1.8") |"
  echo "| argus peak RSS hosting them | ${RSS_MB} MB | | <= 40 MB | $(met "$RSS_MB <= 40") |"
  echo "| stripped binary | ${SIZE_MB} MB | ${BSIZE_MB} MB ($BASE) | <= 24 MB | $(met "$SIZE_MB <= 24") |"
} > "$OUT"
cat "$OUT"
