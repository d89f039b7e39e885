#!/usr/bin/env bash
# govulncheck (pinned): no known vulnerability may be reachable from argus's code.
#
# The database: https://vuln.go.dev when this machine reaches it; otherwise (the usual case here:
# only the Go module proxy is reachable) a snapshot built from golang.org/x/vulndb, which the
# proxy serves as a module whose data/osv holds every report. The vulndb repository's own
# cmd/indexdb (pinned) turns that folder into the v1 layout govulncheck reads with -db file://
# (index/db.json, index/modules.json, ID/<id>.json). The snapshot is the proxy's newest commit
# unless ARGUS_VULNDB_VERSION pins one, so a new report can turn this step red with no change
# here: that is the point of the step. The version used is printed.
#
# A reachable vulnerability fails the step, with one exception: a standard-library one fixed only
# in a Go release newer than the toolchain running CI, listed with its reason in
# .ci/vuln-accepted.txt. The exception lapses by itself: with a toolchain at or past the fix the
# ID is a failure again, and a listed ID that is no longer found fails too (remove it).
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "$0")/../lib.sh"
INDEXDB=golang.org/x/vulndb/cmd/indexdb@v0.0.0-20261105234957-e22db6528018

cache=$ci_tools
govulncheck=$(go_tool govulncheck golang.org/x/vuln/cmd/govulncheck@v1.9.0)

if curl -fsS -m 5 -o /dev/null https://vuln.go.dev/index/db.json 2>/dev/null; then
  db=https://vuln.go.dev
  echo "vulnerability database: $db"
else
  echo "vuln.go.dev is not reachable from here: building the database from golang.org/x/vulndb through the module proxy"
  ver=${ARGUS_VULNDB_VERSION:-$(cd /tmp && GOFLAGS=-mod=mod go list -m -f '{{.Version}}' golang.org/x/vulndb@latest)}
  dir=$cache/vulndb-$ver
  if [ ! -f "$dir/index/db.json" ]; then
    indexdb=$(go_tool indexdb "$INDEXDB")
    src=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "golang.org/x/vulndb@$ver" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
    [ -d "$src/data/osv" ] || { echo "golang.org/x/vulndb@$ver has no data/osv: the snapshot cannot be built"; exit 1; }
    rm -rf "$dir.tmp" && "$indexdb" -vulns "$src/data/osv" -out "$dir.tmp" && mv "$dir.tmp" "$dir"
  fi
  db=file://$dir
  echo "vulnerability database: golang.org/x/vulndb@$ver ($(find "$dir/ID" -name '*.json' | wc -l) reports), $db"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Exit code 3 means "vulnerabilities found": the JSON is judged below, not the exit code.
"$govulncheck" -db "$db" -format json ./... >"$tmp/scan.json" || [ $? -eq 3 ]
# The human report, for the log (symbol level: only what argus's code reaches).
"$govulncheck" -db "$db" ./... >"$tmp/scan.txt" 2>&1 || true
jq -r 'select(.config != null) | .config | "\(.scanner_name)@\(.scanner_version) on \(.go_version), \(.scan_level) level"' "$tmp/scan.json"

# Reachable = the finding's first trace frame is a function (module/package-level findings
# are in modules argus requires but does not call).
jq -r 'select(.finding != null and .finding.trace[0].function != null) | .finding
  | [.osv, .trace[0].module, (.fixed_version // "none")] | @tsv' "$tmp/scan.json" | sort -u >"$tmp/found.tsv"

gover=$(go env GOVERSION); gover=${gover#go}
older() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$1" ]; } # $1 < $2
accepted=$(grep -v '^\s*#' .ci/vuln-accepted.txt | awk 'NF { print $1 }' || true)
fail=0
while IFS=$'\t' read -r id module fixed; do
  fixed=${fixed#v}; fixed=${fixed#go}
  if [ "$module" = stdlib ] && grep -qx "$id" <<<"$accepted" && older "$gover" "$fixed"; then
    echo "!!! ACCEPTED: $id (standard library, fixed in go$fixed; this toolchain is go$gover): $(grep "^$id" .ci/vuln-accepted.txt | cut -d' ' -f2-)"
  else
    echo "VULNERABLE: $id in $module (fixed in $fixed)"; fail=1
  fi
done <"$tmp/found.tsv"
for id in $accepted; do
  if ! grep -q "^$id	" "$tmp/found.tsv"; then
    echo "$id is listed in .ci/vuln-accepted.txt but no longer found: remove it"; fail=1
  fi
done
if [ "$fail" -ne 0 ]; then
  cat "$tmp/scan.txt"
  exit 1
fi
echo "govulncheck: $(wc -l <"$tmp/found.tsv") reachable, all accepted above (standard library awaiting a newer Go) or none; OK"
