#!/usr/bin/env bash
# Every fuzz target (func Fuzz* in a _test.go file, found by grep so a new one is fuzzed without
# editing this step) runs for ARGUS_FUZZTIME (30s). A crasher fails the step: go test writes it
# to the package's testdata/fuzz/<Target>/, this step prints it, and it is to be committed with
# the fix, where `go test ./...` replays it as a regression seed from then on.
set -euo pipefail
fuzztime=${ARGUS_FUZZTIME:-30s}
mapfile -t targets < <(grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r f; do
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed "s|^func |$(dirname "$f") |"
done)
[ "${#targets[@]}" -gt 0 ] || { echo "no fuzz targets found: the grep is broken"; exit 1; }
echo "${#targets[@]} fuzz targets, $fuzztime each"
# Two targets at a time, one fuzzing worker each: every target still gets its full fuzz time,
# and on a 2-core machine the step takes half as long as running them one after the other.
jobs=${ARGUS_FUZZJOBS:-2}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
fuzz_one() {
  local pkg=$1 name=$2 log=$3 start=$SECONDS
  local before after
  before=$(find "$pkg/testdata/fuzz/$name" -type f 2>/dev/null | sort || true)
  if out=$(go test -run='^$' -fuzz="^$name\$" -fuzztime="$fuzztime" -parallel=1 "$pkg" 2>&1); then
    printf '%-28s %-34s ok   %3ss  %s\n' "$pkg" "$name" $((SECONDS - start)) "$(grep -o 'execs: [0-9]*' <<<"$out" | tail -1)" >"$log"
    return 0
  fi
  {
    printf '%-28s %-34s FAIL %3ss\n' "$pkg" "$name" $((SECONDS - start))
    echo "$out" | tail -40
    after=$(find "$pkg/testdata/fuzz/$name" -type f 2>/dev/null | sort || true)
    for f in $(comm -13 <(echo "$before") <(echo "$after")); do
      echo "--- crasher $f (commit it with the fix: it becomes a regression seed):"
      cat "$f"
    done
  } >"$log"
  return 1
}
# Build every test binary first, so that the timed runs do not race to compile.
mapfile -t pkgs < <(printf '%s\n' "${targets[@]}" | cut -d' ' -f1 | sort -u)
go test -run='^$' "${pkgs[@]}" >/dev/null
fail=0
i=0
pids=()
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  fuzz_one "$pkg" "$name" "$logs/$i" &
  pids+=($!)
  i=$((i + 1))
  if [ "${#pids[@]}" -ge "$jobs" ]; then
    wait "${pids[0]}" || fail=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
for ((k = 0; k < i; k++)); do cat "$logs/$k"; done
exit "$fail"
