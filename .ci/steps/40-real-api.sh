#!/usr/bin/env bash
# The real wire format: start a real Compliance Framework API (compliance-framework/api, built
# from the Go module proxy and run as an external program by .ci/ccf-up.sh, with a
# throwaway PostgreSQL) and run TestRealAPI against it: argus assess through the CLI, heartbeat
# and evidence answered 201, the outbox empty, the evidence streams continued by a second run,
# the test CCF plugin's evidence (pulled from a real OCI registry: step 15 installs it) in its
# own streams (root package), and the client's own round trip (internal/controlplane). The step fails if
# either test is skipped. It skips (exit 0, loudly) only when this is not root (ccf-up.sh needs
# root for PostgreSQL); the wire format is then NOT proven on this machine. Nothing outside the
# repository is used: .ci/ccf-up.sh is the repository's own copy of the script.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "$0")/../lib.sh"

up="${CI_ROOT:-$PWD}/.ci/ccf-up.sh"
if [ "$(id -u)" != 0 ]; then
  echo "!!! SKIPPED: $up needs root (it runs PostgreSQL as the postgres user); this is uid $(id -u)."
  echo "!!! The real-API integration test (TestRealAPI) did NOT run on this machine."
  exit 0
fi

# ccf-up.sh runs a throwaway PostgreSQL from the Debian server package; install it when missing.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing PostgreSQL (Debian package postgresql) for the throwaway database"
  apt_install postgresql
fi
need curl curl

port=18080
started=no
# Stop only what this step started: another process may be using an API that was already up.
if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" || true)" = "000" ]; then
  started=yes
fi
stop() {
  if [ "$started" = yes ]; then
    if [ -f /tmp/ccf/api.pid ]; then
      kill "$(cat /tmp/ccf/api.pid)" 2>/dev/null || true
    fi
    for pgbin in /usr/lib/postgresql/*/bin; do :; done # the last (newest), as ccf-up.sh picks
    if [ -x "$pgbin/pg_ctl" ]; then
      su postgres -s /bin/sh -c "$pgbin/pg_ctl -D /tmp/ccf/pgdata stop -m fast" >/dev/null 2>&1 || true
    fi
    echo "real API stopped"
  fi
}
trap stop EXIT

url=$(bash "$up" "$port" | tail -1)
echo "real API at $url (started by this step: $started)"

# A user of that API lets the test read the heartbeat back through the authenticated
# over-time route; without one it checks the API's 201 only.
user="argus-ci-$(date +%s)-$$@example.com"
pass="argus-ci-$RANDOM-Passw0rd"
if [ -x /tmp/ccf/bin/ccf-api ] &&
  (cd /tmp/ccf && CCF_DB_DRIVER=postgres \
    CCF_DB_CONNECTION="host=127.0.0.1 port=15432 user=postgres dbname=ccf sslmode=disable" \
    ./bin/ccf-api users add -e "$user" -f Argus -l CI -p "$pass" >/dev/null 2>&1); then
  export ARGUS_CCF_USER="$user" ARGUS_CCF_PASSWORD="$pass"
else
  echo "note: could not create an API user; the heartbeat is checked by its 201 only"
fi

out=$(mktemp)
trap 'rm -f "$out"; stop' EXIT
status=0
ARGUS_CCF_URL="$url" go test -run '^TestRealAPI$' -v -count=1 . ./internal/controlplane 2>&1 | tee "$out" || status=$?
if [ "$status" != 0 ]; then
  echo "TestRealAPI failed against the real API"
  exit 1
fi
if grep -q -- '--- SKIP: TestRealAPI' "$out"; then
  echo "TestRealAPI was SKIPPED although the real API is up at $url: that proves nothing"
  exit 1
fi
n=$(grep -c -- '--- PASS: TestRealAPI ' "$out" || true)
if [ "$n" != 2 ]; then
  echo "expected TestRealAPI to pass in both packages (root and internal/controlplane), saw $n pass(es)"
  exit 1
fi
echo "real API integration OK"
