#!/usr/bin/env bash
# examples/cron: the crontab is checked by Debian cron's own parser (`crontab -n`, a dry run),
# the logrotate snippet by `logrotate -d`, and the crontab's command line is then run the way
# cron runs it (/bin/sh -c, with the crontab's variables) against a built argus, to check the
# mail semantics it promises: no output when argus exits 0, one line naming the exit code
# otherwise, and argus's own output in the log file.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "$0")/../lib.sh"

need crontab cron
need logrotate logrotate

crontab -n examples/cron/argus.crontab

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rotate=examples/cron/argus.logrotate
if ! id argus >/dev/null 2>&1; then
  echo "note: no user \"argus\" here: checking the logrotate snippet with \"su nobody nogroup\" instead"
  sed 's/^\(\s*su \)argus argus$/\1nobody nogroup/' "$rotate" >"$tmp/argus.logrotate"
  rotate=$tmp/argus.logrotate
fi
out=$(logrotate -d -s "$tmp/logrotate.state" "$rotate" 2>&1)
if grep -q '^error:' <<<"$out"; then echo "$out"; exit 1; fi

go build -o "$tmp/bin/argus" .
# The crontab's lines, as cron reads them: NAME=value sets a variable, the rest are jobs
# (five time fields, then the command).
mapfile -t vars < <(grep -E '^[A-Z_]+=' examples/cron/argus.crontab)
mapfile -t jobs < <(grep -E '^[^#A-Z[:space:]]' examples/cron/argus.crontab | awk '{ $1=$2=$3=$4=$5=""; sub(/^ +/, ""); print }')
[ "${#jobs[@]}" -ge 1 ] || { echo "no job line found in argus.crontab"; exit 1; }

run_job() { # config-dir: runs every job line like cron, prints what cron would mail
  local env=(-i HOME="$tmp/home" LOGNAME=argus)
  for v in "${vars[@]}"; do env+=("$v"); done
  # Overrides for this machine: where argus, its configuration and the log are.
  env+=(PATH="$tmp/bin:/usr/bin:/bin" ARGUS_CONFIG="$1" ARGUS_LOG="$tmp/argus.log" XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache")
  for j in "${jobs[@]}"; do env "${env[@]}" /bin/sh -c "$j"; done
}

mkdir -p "$tmp/home" "$tmp/pass"
cat >"$tmp/pass/ok.argus.hcl" <<'HCL'
job "true" {
  provider = "builtin/command"
  config   = { command = ["true"] }
}
HCL
mail=$(run_job "$tmp/pass")
[ -z "$mail" ] || { echo "a passing run would mail: $mail"; exit 1; }
grep -q '1 result: 1 pass\|1 results\?: 1 pass' "$tmp/argus.log" || { echo "log lacks the tally:"; cat "$tmp/argus.log"; exit 1; }

mail=$(run_job "$PWD/testdata/action/config")
case "$mail" in
  "argus exited with 1 on "*": see $tmp/argus.log") echo "cron would mail: $mail" ;;
  *) echo "a failing run would mail: \"$mail\", want one line naming exit code 1"; exit 1 ;;
esac
grep -q 'FAIL *always-fails' "$tmp/argus.log" || { echo "log lacks the failing job:"; cat "$tmp/argus.log"; exit 1; }
echo "cron recipe OK"
