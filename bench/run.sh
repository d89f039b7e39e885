#!/usr/bin/env bash
# Benchmarks argus against baselines run side by side, and writes bench/RESULTS.md.
# Usage: bench/run.sh            (RUNS=N sets the runs per figure; default 5)
# Needs: go, curl, unzip, sha256sum, xargs, /usr/bin/time (Debian package "time").
# Root with ../shared/tools/ccf-up.sh available also benchmarks delivery to a real API.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
OUT=${OUT:-$ROOT/bench/RESULTS.md}
W=$(mktemp -d /tmp/argus-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
log() { echo "bench: $*" >&2; }

for tool in curl unzip sha256sum xargs; do
  command -v $tool >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
done
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y time >/dev/null; else echo "bench: install /usr/bin/time (apt-get install time)" >&2; exit 1; fi
fi

log "building into $W/bin"
mkdir -p $W/bin
go build -o $W/bin/argus .
go build -o $W/bin/trivial ./bench/trivial
go build -o $W/bin/loopserver ./bench/loopserver
go build -o $W/bin/fakecp ./bench/fakecp
A=$W/bin/argus

# now_ns prints a monotonic-enough clock in nanoseconds.
now_ns() { date +%s%N; }
# ms CMD... runs CMD (output discarded) and prints its wall time in milliseconds.
ms() {
  local t0 t1
  t0=$(now_ns); "$@" >/dev/null 2>&1; t1=$(now_ns)
  echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a<=b)}'; }
verdict() { if le "$1" "$2"; then echo "met"; else echo "**not met**"; fi; }

ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 | $6 |"); }

# jobs DIR N [EXTRA_HCL]: a configuration of N jobs of the trivial provider, installed by init.
genjobs() {
  local dir=$1 n=$2 extra=${3:-}
  mkdir -p $dir/prov
  cp $W/bin/trivial $dir/prov/argus-provider-trivial
  {
    printf 'provider "trivial" {\n  source = "./prov"\n}\n%s\n' "$extra"
    awk -v n=$n 'BEGIN {for (i = 1; i <= n; i++) printf "job \"j%05d\" {\n  provider = \"trivial\"\n  schedule = \"always\"\n}\n", i}'
  } > $dir/bench.argus.hcl
  $A init -c $dir --cache-dir $W/cache >/dev/null 2>&1
}
assess() { # DIR [ARGS...]: a fresh state each time, so every run does the same work
  local dir=$1; shift
  rm -rf $W/state
  $A assess -c $dir --all --parallel 2 --state-dir $W/state --cache-dir $W/cache "$@"
}

# ---------------------------------------------------------------- per-job overhead
log "per-job overhead: 1,000 jobs at parallel 2 vs xargs -P2 ($RUNS runs each)"
genjobs $W/j1000 1000
ENTRY=$(find $W/cache -name argus-provider-trivial | head -1)
printf '{"protocol":1,"run_id":"4f6f1c32-8a54-4c2e-9f57-1d2b3c4d5e6f","job":{"name":"j00001"},"subject":{"type":"","identifier":""},"config":null,"deadline":"2030-01-01T00:00:00Z"}' > $W/req.json
awk -v f=$W/req.json 'BEGIN {for (i = 0; i < 1000; i++) print f}' > $W/xargs.list
a=(); b=()
for _ in $(seq $RUNS); do
  a+=($(ms assess $W/j1000))
  b+=($(ms xargs -P2 -n1 -a $W/xargs.list $ENTRY))
done
ta=$(printf '%s\n' "${a[@]}" | median); tb=$(printf '%s\n' "${b[@]}" | median)
r=$(ratio $ta $tb)
row "per-job overhead: assess --all, 1,000 jobs, --parallel 2" "$ta ms" "xargs -P2: $tb ms" "$r" "<= 1.2" "$(verdict $r 1.2)"

# ---------------------------------------------------------------- scaling
log "scaling: 100, 1,000, 10,000 jobs"
declare -A T M
for n in 100 1000 10000; do
  [ -d $W/j$n ] || genjobs $W/j$n $n
  runs=$RUNS; [ $n = 10000 ] && runs=$(( RUNS < 3 ? RUNS : 3 ))
  ts=(); rss=0
  for _ in $(seq $runs); do
    rm -rf $W/state
    /usr/bin/time -f '%e %M' -o $W/time.out $A assess -c $W/j$n --all --parallel 2 --state-dir $W/state --cache-dir $W/cache >/dev/null 2>&1
    read -r sec kb < $W/time.out
    ts+=($(awk -v s=$sec 'BEGIN {print int(s*1000)}'))
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  T[$n]=$(printf '%s\n' "${ts[@]}" | median); M[$n]=$rss
done
for n in 100 1000 10000; do
  per=$(awk -v t=${T[$n]} -v n=$n 'BEGIN {printf "%.2f", t/n}')
  row "scaling: $n jobs, wall time" "${T[$n]} ms ($per ms/job)" "" "" "linear" ""
done
lin=$(awk -v a=${T[10000]} -v b=${T[100]} 'BEGIN {printf "%.2f", (a/10000)/(b/100)}')
row "scaling: per-job time at 10,000 / at 100" "" "" "$lin" "<= 1.2 (linear)" "$(verdict $lin 1.2)"
mb=$(awk -v k=${M[10000]} 'BEGIN {printf "%.1f", k/1024}')
row "scaling: peak RSS at 10,000 jobs (100: $(( M[100] / 1024 )) MB, 1,000: $(( M[1000] / 1024 )) MB)" "$mb MB" "" "" "< 100 MB" "$(verdict $mb 99.99)"

# ---------------------------------------------------------------- registry on loopback
serve_registry() { # DIR URLFILE
  $W/bin/loopserver serve -dir $1 -url-file $2 & PIDS+=($!)
  for _ in $(seq 50); do [ -s $2 ] && return; sleep 0.1; done
  echo "bench: registry did not start" >&2; exit 1
}

# ---------------------------------------------------------------- warm init
log "warm init: 20 providers"
KEY=$($W/bin/loopserver gen -dir $W/reg20 -host bench.test -exe $W/bin/trivial -n 20)
serve_registry $W/reg20 $W/reg20.url
URL=$(cat $W/reg20.url)
mkdir -p $W/wi
{
  printf 'registry "bench.test" {\n  url          = "%s"\n  signing_keys = ["%s"]\n}\n' "$URL" "$KEY"
  for i in $(seq -w 1 20); do printf 'provider "p%s" {\n  source  = "bench.test/bench/p%s"\n  version = ">= 1.0.0"\n}\n' $i $i; done
} > $W/wi/bench.argus.hcl
$A init -c $W/wi --cache-dir $W/wicache >/dev/null 2>&1
before=$(curl -s ${URL}_count)
a=()
for _ in $(seq $(( RUNS * 2 ))); do a+=($(ms $A init -c $W/wi --cache-dir $W/wicache)); done
after=$(curl -s ${URL}_count)
v=()
for _ in $(seq $(( RUNS * 2 ))); do v+=($(ms $A version)); done
ta=$(printf '%s\n' "${a[@]}" | median); tv=$(printf '%s\n' "${v[@]}" | median)
row "warm init: 20 providers, satisfied lock, warm cache" "$ta ms" "argus version: $tv ms" "" "< 30 ms" "$(verdict $ta 29.999)"
reqs=$(( after - before ))
row "warm init: requests over $(( RUNS * 2 )) runs" "$reqs" "" "" "0" "$( [ $reqs = 0 ] && echo met || echo '**not met**')"

# ---------------------------------------------------------------- cold install
log "cold install: 50 MB archive"
KEY=$($W/bin/loopserver gen -dir $W/reg50 -host big.test -exe $W/bin/trivial -n 1 -pad $((50 * 1000 * 1000)))
serve_registry $W/reg50 $W/reg50.url
URL=$(cat $W/reg50.url)
mkdir -p $W/ci
printf 'registry "big.test" {\n  url          = "%s"\n  signing_keys = ["%s"]\n}\nprovider "p01" {\n  source  = "big.test/bench/p01"\n  version = ">= 1.0.0"\n}\n' "$URL" "$KEY" > $W/ci/bench.argus.hcl
ZIP=$(cd $W/reg50 && ls big.test/bench/p01/*.zip)
cold() { rm -rf $W/cicache $W/ci/argus.lock.hcl; $A init -c $W/ci --cache-dir $W/cicache; }
manual() { rm -rf $W/man; mkdir $W/man; curl -sf -o $W/man/a.zip "$URL$ZIP" && sha256sum $W/man/a.zip && unzip -q $W/man/a.zip -d $W/man/x; }
cold >/dev/null 2>&1 || { echo "bench: argus init of the 50 MB provider failed:" >&2; cold >&2; exit 1; }
a=(); b=()
for _ in $(seq $RUNS); do a+=($(ms cold)); b+=($(ms manual)); done
ta=$(printf '%s\n' "${a[@]}" | median); tb=$(printf '%s\n' "${b[@]}" | median)
r=$(ratio $ta $tb)
size=$(stat -c %s "$W/reg50/$ZIP")
row "cold install: $(( size / 1000000 )) MB archive, init with empty cache" "$ta ms" "curl + sha256sum + unzip: $tb ms" "$r" "<= 1.5" "$(verdict $r 1.5)"

# ---------------------------------------------------------------- delivery
log "delivery: 10,000 results to the fake control plane"
$W/bin/fakecp serve -url-file $W/fakecp.url & PIDS+=($!)
for _ in $(seq 50); do [ -s $W/fakecp.url ] && break; sleep 0.1; done
CP=$(cat $W/fakecp.url)
deliver_rate() { # DIR N: fill the outbox with the control plane down, then time the flush
  local dir=$1 n=$2 url=$3
  $W/bin/fakecp set -url $CP down=true
  assess $dir --retry-budget 1ms >/dev/null 2>&1 || true
  $W/bin/fakecp set -url $CP off
  local t
  t=$(ms $A outbox flush -c $dir --state-dir $W/state)
  [ -z "$(ls $W/state/outbox)" ] || { echo "bench: outbox not empty after flush" >&2; exit 1; }
  echo $t
}
genjobs $W/d10000 10000 "control_plane {
  url = \"$CP\"
}"
td=$(deliver_rate $W/d10000 10000 $CP)
row "delivery: 10,000 results to the fake control plane (argus outbox flush, 4 at once)" "$(( 10000 * 1000 / td )) results/s" "" "" "" ""
log "delivery: sequential vs bounded concurrency, and outbox fsync cost (Go benchmarks)"
go test -run '^$' -bench 'BenchmarkDeliver|BenchmarkPut' -benchtime 2000x ./internal/outbox/ > $W/outbox.bench 2>&1 || { cat $W/outbox.bench >&2; exit 1; }
while read -r name _ ns _ rest; do
  case $name in
    BenchmarkPut*) row "outbox: ${name#Benchmark} (per result)" "$(awk -v n=$ns 'BEGIN {printf "%.2f ms", n/1e6}')" "" "" "" "" ;;
    BenchmarkDeliver*) row "delivery: ${name#Benchmark}, in-process fake" "$(awk -v n=$ns 'BEGIN {printf "%d results/s", 1e9/n}')" "" "" "" "" ;;
  esac
done < <(grep '^Benchmark' $W/outbox.bench)

if [ "$(id -u)" = 0 ] && [ -x ../shared/tools/ccf-up.sh ] && CCF=$(../shared/tools/ccf-up.sh 2>$W/ccf.log | tail -1) && [ -n "$CCF" ]; then
  log "delivery: 1,000 results to the real API at $CCF"
  ARGUS_BENCH_CP_URL=$CCF go test -run '^$' -bench 'BenchmarkDeliver' -benchtime 1000x ./internal/outbox/ > $W/ccf.bench 2>&1 || { cat $W/ccf.bench >&2; exit 1; }
  while read -r name _ ns _ rest; do
    row "delivery: ${name#Benchmark}, real API (compliance-framework/api)" "$(awk -v n=$ns 'BEGIN {printf "%d results/s", 1e9/n}')" "" "" "" ""
  done < <(grep '^Benchmark' $W/ccf.bench)
else
  echo "bench: SKIPPED delivery to the real API: needs root and ../shared/tools/ccf-up.sh" >&2
  row "delivery: 1,000 results to the real API" "SKIPPED (not root, or ccf-up.sh unavailable)" "" "" "" ""
fi

# ---------------------------------------------------------------- startup
log "startup"
v=(); c=()
for _ in $(seq $(( RUNS * 4 ))); do
  v+=($(ms $A version))
  c+=($(ms $A validate -c examples/quickstart))
done
row "startup: argus version" "$(printf '%s\n' "${v[@]}" | median) ms" "" "" "" ""
row "startup: argus validate examples/quickstart" "$(printf '%s\n' "${c[@]}" | median) ms" "" "" "" ""
row "binary size" "$(( $(stat -c %s $A) / 1024 / 1024 )) MiB ($(stat -c %s $A) bytes)" "" "" "" ""

# ---------------------------------------------------------------- report
{
  echo "# argus benchmark results"
  echo
  echo "Written by \`bench/run.sh\` on $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with local changes)'),"
  echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(go version | cut -d' ' -f3), medians of $RUNS runs"
  echo "(warm init and startup: more; 10,000 jobs: at most 3). Ratios are argus over the baseline,"
  echo "both run alternately in the same script. The machine is shared: read ratios, not absolutes."
  echo
  echo "| figure | argus | baseline | ratio | target | verdict |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  if [ -f bench/NOTES.md ]; then echo; cat bench/NOTES.md; fi
} > $OUT
log "wrote $OUT"
cat $OUT
