#!/usr/bin/env bash
# examples/systemd: `systemd-analyze verify` loads the units as systemd would (it needs the
# ExecStart binary to exist, so a built argus stands in for /usr/local/bin/argus) and any
# message it prints is a failure (it only warns, exit 0, on an unknown or mistyped setting);
# `systemd-analyze security --offline` must rate the service's exposure at most 2.0 ("OK").
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ] && ! command -v systemd-analyze >/dev/null; then
  echo "!!! SKIPPED: systemd-analyze is missing and this is not root (Debian package systemd)."
  echo "!!! examples/systemd is NOT validated on this machine."
  exit 0
fi
need systemd-analyze systemd
systemd-analyze --version | head -1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/argus" .
sed "s#/usr/local/bin/argus#$tmp/argus#g" examples/systemd/argus.service >"$tmp/argus.service"
cp examples/systemd/argus.timer "$tmp/"
grep -q "$tmp/argus assess" "$tmp/argus.service" || { echo "ExecStart no longer runs /usr/local/bin/argus: update this step"; exit 1; }

cd "$tmp"
out=$(systemd-analyze verify --man=no argus.service argus.timer 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "systemd-analyze verify complained:"; echo "$out"; exit 1; fi
systemd-analyze security --offline=true --threshold=20 ./argus.service | tail -1
echo "systemd units OK"
