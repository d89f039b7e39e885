#!/usr/bin/env bash
# examples/gitlab: the CI/CD template and the example pipeline against GitLab's own CI schema
# (testdata/schemas/gitlab-ci.json, from the npm package gitlab-ci-local; offline), the hidden
# job .argus as a job template and the example with the template included and extends resolved;
# broken copies must be rejected (negative controls); the vendored schema must be exactly what
# the extractor makes from the pinned npm package; the jobs' shell through shellcheck, which
# must also reject a broken copy. gitlab_test.go (in 20-test) runs the template's shell against
# a fake release.
set -euo pipefail
GITLAB_CI_LOCAL=gitlab-ci-local@4.75.1
schema=testdata/schemas/gitlab-ci.json
template=examples/gitlab/argus.gitlab-ci.yml
example=examples/gitlab/.gitlab-ci.yml

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/lint" ./testdata/gitlab/lint
lint() { "$tmp/lint" -schema "$schema" "$@"; }

lint -hidden-jobs -shell "$tmp/sh" "$template"
lint -include "$template" "$example"

# Negative controls: each edit must change the file, and the schema must reject the result.
reject() { # FILE SED-EXPRESSION [LINT FLAGS...]
  local file=$1 expr=$2
  shift 2
  sed "$expr" "$file" >"$tmp/broken.yml"
  if cmp -s "$file" "$tmp/broken.yml"; then
    echo "negative control \"$expr\" did not change $file: update it"; exit 1
  fi
  if lint "$@" "$tmp/broken.yml" >/dev/null 2>&1; then
    echo "GitLab's CI schema accepted $file with \"$expr\": the check is not working"; exit 1
  fi
}
reject "$template" 's/^    when: always # the findings/    when: allways # the findings/' -hidden-jobs
reject "$template" 's/^      codequality: /      code_quality: /' -hidden-jobs
reject "$template" 's/^  artifacts:/  artifact:/' -hidden-jobs
reject "$template" 's/files: \[argus.lock.hcl\]/files: [a, b, argus.lock.hcl]/' -hidden-jobs
reject "$example" 's/parallel: 4/parallel: 201/' -include "$template"
reject "$example" 's/^  parallel: 4/  paralel: 4/' -include "$template"
reject "$example" 's/extends: .argus/extends: .argos/' -include "$template"

# The vendored schema is what the extractor makes from the pinned package.
if command -v npm >/dev/null && command -v node >/dev/null; then
  (cd "$tmp" && npm pack --silent "$GITLAB_CI_LOCAL" >/dev/null)
  node testdata/schemas/gitlab-ci-extract.mjs "$tmp"/gitlab-ci-local-*.tgz >"$tmp/gitlab-ci.json"
  cmp "$tmp/gitlab-ci.json" "$schema" ||
    { echo "$schema is stale: regenerate it (see testdata/schemas/README.md)"; exit 1; }
else
  echo "!!! npm or node unavailable: $schema not compared with $GITLAB_CI_LOCAL (it is still used as committed)"
fi

if ! command -v shellcheck >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
fi
if command -v shellcheck >/dev/null; then
  ls "$tmp"/sh/*.sh >/dev/null
  shellcheck "$tmp"/sh/*.sh
  # shellcheck disable=SC2016 # the $work is the template's, unexpanded on purpose
  sed 's/mkdir -p "\$work\/x"/mkdir -p $work\/x/' "$template" >"$tmp/broken.yml"
  cmp -s "$template" "$tmp/broken.yml" && { echo "the shellcheck negative control did not change $template: update it"; exit 1; }
  lint -shell "$tmp/broken-sh" "$tmp/broken.yml" >/dev/null
  if shellcheck "$tmp"/broken-sh/*.sh >/dev/null; then
    echo "shellcheck accepted an unquoted expansion in the template: the check is not working"; exit 1
  fi
else
  echo "!!! shellcheck unavailable (not root, Debian package shellcheck): the template's shell not shellchecked"
fi
echo "gitlab template OK"
