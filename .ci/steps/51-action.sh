#!/usr/bin/env bash
# The GitHub Action and the example workflows: shellcheck on the action's step scripts,
# actionlint (pinned, built from the Go module proxy) on every workflow, and on a throwaway
# project that uses the action from this checkout (uses: ./), so that actionlint also checks
# the inputs against action.yml; a misspelt input must be caught. action_test.go runs the steps
# themselves (in 20-test).
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "$0")/../lib.sh"
actionlint=$(go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint@v1.7.12)

if need shellcheck shellcheck; then
  # actionlint runs it on run: blocks too.
  shellcheck -x scripts/action/*.sh .ci/lib.sh .ci/run .ci/steps/*.sh scripts/check.sh
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
