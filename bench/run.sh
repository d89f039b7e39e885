#!/usr/bin/env bash
# Benchmarks argus against baselines run side by side, and writes bench/RESULTS.md.
# Usage: bench/run.sh            (RUNS=N sets the runs per figure; default 5)
# Needs: go, curl, unzip, sha256sum, xargs, /usr/bin/time (Debian package "time").
# Root also benchmarks delivery to a real API, started by .ci/ccf-up.sh (PostgreSQL needed).
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
go build -o $W/bin/floor ./bench/floor
go build -o $W/bin/outboxgen ./bench/outboxgen
A=$W/bin/argus

# now_ns prints a monotonic-enough clock in nanoseconds.
now_ns() { date +%s%N; }
# ms CMD... runs CMD (output discarded) and prints its wall time in milliseconds.
ms() {
  local t0 t1
  t0=$(now_ns); "$@" >/dev/null 2>&1; t1=$(now_ns)
  echo $(( (t1 - t0) / 1000000 ))
}
# timed CMD... runs CMD (output discarded) under /usr/bin/time and prints "wall_ms cpu_ms rss_kb".
timed() {
  /usr/bin/time -f '%e %U %S %M' -o $W/timed.out "$@" >/dev/null 2>&1 || { echo "bench: $* failed" >&2; exit 1; }
  awk '{printf "%d %d %d\n", $1*1000, ($2+$3)*1000, $4}' $W/timed.out
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
log "per-job overhead: 1,000 jobs at parallel 2 vs the exec floor ($RUNS runs each)"
genjobs $W/j1000 1000
ENTRY=$(find $W/cache -name argus-provider-trivial | head -1)
printf '{"protocol":1,"run_id":"4f6f1c32-8a54-4c2e-9f57-1d2b3c4d5e6f","job":{"name":"j00001"},"subject":{"type":"","identifier":""},"config":null,"deadline":"2030-01-01T00:00:00Z"}' > $W/req.json
a=(); b=()
for _ in $(seq $RUNS); do
  a+=($(ms assess $W/j1000))
  b+=($(ms $W/bin/floor -n 1000 -p 2 -req $W/req.json $ENTRY))
done
ta=$(printf '%s\n' "${a[@]}" | median); tb=$(printf '%s\n' "${b[@]}" | median)
r=$(ratio $ta $tb)
row "1. per-job overhead: assess --all, 1,000 jobs, --parallel 2" "$ta ms" "exec floor (bench/floor -n 1000 -p 2): $tb ms" "$r" "<= 1.15" "$(verdict $r 1.15)"

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
row "3. peak RSS of assess at 10,000 jobs (100: $(( M[100] / 1024 )) MB, 1,000: $(( M[1000] / 1024 )) MB)" "$mb MB" "" "" "<= 64 MB" "$(verdict $mb 64)"

# ---------------------------------------------------------------- config load (internal/config, target 2)
log "config load: BenchmarkLoad (10,000 jobs)"
go test -run '^$' -bench 'BenchmarkLoad$' -benchmem -count $(( RUNS < 3 ? RUNS : 3 )) ./internal/config/ > $W/load.bench 2>&1 || { cat $W/load.bench >&2; exit 1; }
ns=$(grep '^BenchmarkLoad' $W/load.bench | awk '{print $3}' | median)
bop=$(grep '^BenchmarkLoad' $W/load.bench | awk '{for (i = 1; i <= NF; i++) if ($i == "B/op") print $(i-1)}' | median)
secs=$(awk -v n=$ns 'BEGIN {printf "%.2f", n/1e9}')
kb=$(awk -v b=$bop 'BEGIN {printf "%.1f", b/10000/1024}')
row "2. config load of 10,000 jobs (BenchmarkLoad), time" "$secs s" "" "$(ratio $secs 0.3) of target" "<= 0.3 s" "$(verdict $secs 0.3)"
row "2. config load of 10,000 jobs (BenchmarkLoad), allocated per job" "$kb KB" "" "$(ratio $kb 20) of target" "<= 20 KB" "$(verdict $kb 20)"

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
a=(); s=(); v=()
mapfile -t EXES < <(find $W/wicache -name 'argus-provider-*' -type f)
for _ in $(seq $(( RUNS * 2 ))); do
  a+=($(ms $A init -c $W/wi --cache-dir $W/wicache))
  s+=($(ms sha256sum "${EXES[@]}"))
  v+=($(ms $A version))
done
after=$(curl -s ${URL}_count)
ta=$(printf '%s\n' "${a[@]}" | median); ts=$(printf '%s\n' "${s[@]}" | median); tv=$(printf '%s\n' "${v[@]}" | median)
mbytes=$(du -cm "${EXES[@]}" | tail -1 | cut -f1)
row "4. warm init: 20 providers ($mbytes MB), satisfied lock, warm cache, every byte verified" "$ta ms" "sha256sum of the same files (one core): $ts ms" "$(ratio $ta $ts)" "< 30 ms" "$(verdict $ta 29.999)"
row "4. warm init over the process's own start (argus version: $tv ms, run alternately)" "$(( ta - tv )) ms" "argus version: $tv ms" "$(ratio $ta $tv)" "" ""
go test -run '^$' -bench 'BenchmarkWarmInit' -count $RUNS ./internal/install/ > $W/wi.bench 2>&1 || { cat $W/wi.bench >&2; exit 1; }
wp=$(grep '^BenchmarkWarmInit/init' $W/wi.bench | awk '{print $3}' | median)
wsq=$(grep '^BenchmarkWarmInit/sequential' $W/wi.bench | awk '{print $3}' | median)
row "4. warm init, in-process (BenchmarkWarmInit, 20 x 2 MiB): parallel hashing" "$(awk -v n=$wp 'BEGIN {printf "%.1f ms", n/1e6}')" "one entry after another: $(awk -v n=$wsq 'BEGIN {printf "%.1f ms", n/1e6}')" "$(ratio $wp $wsq)" "" ""
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
go test -run '^$' -bench 'BenchmarkDeliver|BenchmarkPut$' -benchtime 2000x ./internal/outbox/ > $W/outbox.bench 2>&1 || { cat $W/outbox.bench >&2; exit 1; }
while read -r name _ ns _ rest; do
  case $name in
    BenchmarkPut*) row "outbox: ${name#Benchmark} (per result)" "$(awk -v n=$ns 'BEGIN {printf "%.2f ms", n/1e6}')" "" "" "" "" ;;
    BenchmarkDeliver*) row "delivery: ${name#Benchmark}, in-process fake" "$(awk -v n=$ns 'BEGIN {printf "%d results/s", 1e9/n}')" "" "" "" "" ;;
  esac
done < <(grep '^Benchmark' $W/outbox.bench)

# ---------------------------------------------------------------- outbox backlog (target 5)
log "outbox backlog: list and flush of 10,000 and 100,000 undelivered results"
mkdir -p $W/ob
printf 'control_plane {\n  url = "%s"\n}\n' "$CP" > $W/ob/ob.argus.hcl
declare -A LW LC LR FW FR CW
for n in 10000 100000; do
  rm -rf $W/ob/state && $W/bin/outboxgen -dir $W/ob/state/outbox -n $n
  read -r LW[$n] LC[$n] LR[$n] < <(timed $A outbox list -c $W/ob --state-dir $W/ob/state)
  CW[$n]=$(ms find $W/ob/state/outbox -name '*.json' -exec cat {} +)
  read -r FW[$n] _ FR[$n] < <(timed $A outbox flush -c $W/ob --state-dir $W/ob/state)
  [ -z "$(ls $W/ob/state/outbox)" ] || { echo "bench: outbox not empty after flush" >&2; exit 1; }
done
n=100000
row "5. outbox list, 100,000 waiting results: wall (CPU)" "${LW[$n]} ms (${LC[$n]} ms CPU)" "cat of every item file: ${CW[$n]} ms" "$(ratio ${LW[$n]} ${CW[$n]})" "<= 1 s" "$(verdict ${LW[$n]} 1000)"
row "5. outbox list, 100,000 waiting results: peak RSS" "$(( LR[$n] / 1024 )) MB" "" "" "<= 64 MB" "$(verdict $(( LR[$n] / 1024 )) 64)"
lin=$(awk -v a=${FW[100000]} -v b=${FW[10000]} 'BEGIN {printf "%.2f", (a/100000)/(b/10000)}')
row "5. outbox flush to the fake control plane: 10,000 in ${FW[10000]} ms, 100,000 in ${FW[100000]} ms; per-result time at 100,000 / at 10,000" "" "" "$lin" "<= 1.2 (linear)" "$(verdict $lin 1.2)"
row "5. outbox flush, 100,000 results: peak RSS" "$(( FR[100000] / 1024 )) MB" "" "" "<= 64 MB" "$(verdict $(( FR[100000] / 1024 )) 64)"
rm -rf $W/ob/state

# ---------------------------------------------------------------- delivery to the real API (target 6)
# cpu_ticks PID...: user+system clock ticks of the processes (0 for one that is gone).
cpu_ticks() { local t=0 p; for p in "$@"; do [ -r /proc/$p/stat ] && t=$(( t + $(awk '{print $14 + $15}' /proc/$p/stat) )); done; echo $t; }
if [ "$(id -u)" = 0 ] && CCF=$(.ci/ccf-up.sh 2>$W/ccf.log | tail -1) && [ -n "$CCF" ]; then
  log "delivery: 1,000 results to the real API at $CCF, with the API's CPU beside argus's"
  go test -c -o $W/outbox.test ./internal/outbox/
  HZ=$(getconf CLK_TCK)
  api_pids() { { cat /tmp/ccf/api.pid 2>/dev/null; pgrep -x postgres || true; } | sort -u; }
  for conc in 1 4 16; do
    mapfile -t AP < <(api_pids)
    t0=$(cpu_ticks "${AP[@]}")
    ARGUS_BENCH_CP_URL=$CCF /usr/bin/time -f '%U %S' -o $W/ccf.time $W/outbox.test -test.run '^$' -test.bench "BenchmarkDeliver/concurrency-$conc\$" -test.benchtime 1000x > $W/ccf.bench 2>&1 || { cat $W/ccf.bench >&2; exit 1; }
    t1=$(cpu_ticks "${AP[@]}")
    ns=$(grep '^BenchmarkDeliver' $W/ccf.bench | awk '{print $3}')
    acpu=$(awk '{printf "%.2f", $1 + $2}' $W/ccf.time)
    apicpu=$(awk -v t=$(( t1 - t0 )) -v hz=$HZ 'BEGIN {printf "%.2f", t/hz}')
    wall=$(awk -v n=$ns 'BEGIN {printf "%.2f", n*1000/1e9}')
    row "6. delivery: 1,000 results to the real API at concurrency $conc (CPU s: argus $acpu incl. writing the outbox, API+PostgreSQL $apicpu, over $wall s wall on $(nproc) CPUs)" "$(awk -v n=$ns 'BEGIN {printf "%d results/s", 1e9/n}')" "" "$(ratio $apicpu $acpu) API/argus CPU" "argus not the limit" "$(le $acpu $apicpu && echo met || echo '**not met**')"
  done
else
  echo "bench: SKIPPED delivery to the real API: needs root and .ci/ccf-up.sh (PostgreSQL)" >&2
  row "6. delivery: 1,000 results to the real API" "SKIPPED (not root, or .ci/ccf-up.sh failed)" "" "" "" ""
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
go build -ldflags='-s -w' -o $W/bin/argus-stripped .
sz=$(stat -c %s $W/bin/argus-stripped)
mib=$(awk -v s=$sz 'BEGIN {printf "%.1f", s/1048576}')
row "7. binary size, stripped (-ldflags='-s -w')" "$mib MiB ($sz bytes)" "" "" "<= 24 MiB" "$(verdict $mib 24)"
go build -ldflags='-s -w' -o $W/bin/sizeprobe-stripped ./bench/sizeprobe
go build -o $W/bin/sizeprobe ./bench/sizeprobe
psz=$(stat -c %s $W/bin/sizeprobe-stripped)
pmib=$(awk -v s=$psz 'BEGIN {printf "%.1f", s/1048576}')
row "7. binary size, stripped, with the CCF plugin host and the OCI client linked (bench/sizeprobe)" "$pmib MiB ($psz bytes, +$(( (psz - sz) / 1024 )) KiB)" "argus today: $mib MiB" "$(ratio $psz $sz)" "<= 24 MiB" "$(verdict $pmib 24)"
# Code and read-only data by module (go tool nm -size of the unstripped probe); the runtime's
# tables (pclntab) grow roughly in proportion and are not attributed.
go tool nm -size -sort size $W/bin/sizeprobe | bench/nmsize.awk > $W/nmsize.txt
go tool nm -size -sort size $A | bench/nmsize.awk > $W/nmsize.argus.txt
while IFS=$'\t' read -r mod kb; do
  was=$(awk -F'\t' -v m="$mod" '$1 == m {print $2}' $W/nmsize.argus.txt)
  row "7. binary: code and rodata of $mod" "$kb KiB" "${was:-0} KiB without the plugin host and OCI client" "" "" ""
done < <(head -14 $W/nmsize.txt)

# ---------------------------------------------------------------- report
{
  echo "# argus benchmark results"
  echo
  echo "Written by \`bench/run.sh\` on $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/RESULTS.md' 2>/dev/null || echo ' (with local changes)'),"
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
