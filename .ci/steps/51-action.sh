#!/usr/bin/env bash
# The GitHub Action and the example workflows: shellcheck on the action's step scripts,
# actionlint (pinned, built from the Go module proxy) on every workflow, and on a throwaway
# project that uses the action from this checkout (uses: ./), so that actionlint also checks
# the inputs against action.yml; a misspelt input must be caught. action_test.go runs the steps
# themselves (in 20-test).
set -euo pipefail
ACTIONLINT=github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

tools=${ARGUS_CI_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/argus-ci}/actionlint-v1.7.12
[ -x "$tools/actionlint" ] || GOBIN=$tools go install "$ACTIONLINT"
actionlint=$tools/actionlint

if ! command -v shellcheck >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
fi
if command -v shellcheck >/dev/null; then
  shellcheck scripts/action/*.sh .ci/steps/5*.sh # actionlint runs it on run: blocks too
else
  echo "!!! shellcheck unavailable (not root, Debian package shellcheck): scripts not shellchecked"
fi

"$actionlint" -version | head -1
"$actionlint" examples/github-actions/*.yml

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/.git" "$tmp/.github/workflows"
cp -r action.yml scripts "$tmp/"
cp testdata/action/workflow.yml "$tmp/.github/workflows/self.yml"
(cd "$tmp" && "$actionlint")
sed 's/^\(\s*\)fail-on: /\1fail-onn: /' testdata/action/workflow.yml >"$tmp/.github/workflows/self.yml"
if (cd "$tmp" && "$actionlint" >/dev/null); then
  echo "actionlint accepted an input action.yml does not declare: the local-action check is not working"
  exit 1
fi
echo "action and workflows OK"
