#!/usr/bin/env bash
# Statement coverage per package from its own unit tests (go test -coverprofile), printed as a
# table against the floors in .ci/coverage-floors.txt: below its floor fails, and so does a
# package with tests but no floor line. The root package (main + the end-to-end testscripts) is
# left out: it covers only main.go and takes two minutes; 20-test and 25-race run it.
set -euo pipefail
module=$(go list -m)
floors=.ci/coverage-floors.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mapfile -t pkgs < <(go list ./internal/... ./sdk/... ./cmd/...)
status=0
go test -coverprofile="$tmp/cover.out" "${pkgs[@]}" >"$tmp/test.txt" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  grep -v '^time=' "$tmp/test.txt" | tail -60
  echo "tests failed under -cover"; exit 1
fi
printf '%-32s %8s %6s\n' package coverage floor
fail=0
while read -r _ pkg _ _ pct _; do
  rel=${pkg#"$module"/}; pct=${pct%\%}
  floor=$(awk -v p="$rel" '$1 == p { print $2 }' "$floors")
  if [ -z "$floor" ]; then
    printf '%-32s %7s%% %6s  NO FLOOR: add a line to %s\n' "$rel" "$pct" "" "$floors"; fail=1
  elif [ "$floor" = - ]; then
    printf '%-32s %7s%% %6s\n' "$rel" "$pct" exempt
  elif awk -v c="$pct" -v f="$floor" 'BEGIN { exit !(c < f) }'; then
    printf '%-32s %7s%% %5s%%  BELOW FLOOR\n' "$rel" "$pct" "$floor"; fail=1
  else
    printf '%-32s %7s%% %5s%%\n' "$rel" "$pct" "$floor"
  fi
done < <(grep -E '^ok\s.*coverage: [0-9.]+% of statements' "$tmp/test.txt" | awk '{ print $1, $2, $3, $4, $5 }')
# Floors naming a package that no longer reports coverage are stale.
while read -r rel floor _; do
  grep -qE "^ok\s+$module/$rel\s" "$tmp/test.txt" || { echo "$floors names $rel, which has no tests or no longer exists"; fail=1; }
done < <(grep -v '^\s*#' "$floors" | awk 'NF')
echo "total $(go tool cover -func="$tmp/cover.out" | awk '/^total:/ { print $3 }')"
exit "$fail"
