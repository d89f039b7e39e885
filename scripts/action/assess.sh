#!/usr/bin/env bash
# Step "assess" of the argus GitHub Action (action.yml): run the jobs and write the reports.
# The step itself succeeds whatever argus's exit code is, so that the report uploads that follow
# run; it records the code in the "exit-code" output and the "propagate" step exits with it.
#
# Inputs (environment):
#   ARGUS                  the executable (default "argus" on PATH)
#   ARGUS_INPUT_CONFIG     --config
#   ARGUS_INPUT_REPORTS    FORMAT=PATH entries separated by spaces or newlines
#   ARGUS_INPUT_FAIL_ON    --fail-on
#   ARGUS_INPUT_SHARD      --shard I/N (empty: all jobs)
#   ARGUS_INPUT_CATEGORY   --sarif-category (empty: argus/, or argus/shard-I-of-N/ with a shard)
#   ARGUS_INPUT_ALL        "true" adds --all (run every job whatever its schedule)
#   ARGUS_INPUT_ARGS       more arguments for argus assess, split on whitespace
#   ARGUS_CACHE_DIR        provider cache (argus reads it as --cache-dir)
#   ARGUS_PR_HEAD_REPO     github.event.pull_request.head.repo.full_name (empty outside PRs)
#   ARGUS_REPOSITORY       github.repository
#   ARGUS_ACTOR            github.actor
#   GITHUB_OUTPUT          set by GitHub
# Outputs: exit-code, sarif (the SARIF report path, if any), reports (newline-separated paths),
# artifact-name (a name safe for actions/upload-artifact, unique per shard), category (the SARIF
# category written into the file and given to the upload, unique per shard), sarif-upload
# ("false" where the token cannot write security events: fork and Dependabot pull requests).
set -euo pipefail

args=(assess --config "${ARGUS_INPUT_CONFIG:-.}" --fail-on "${ARGUS_INPUT_FAIL_ON:-fail}")
if [ "${ARGUS_INPUT_ALL:-true}" = true ]; then args+=(--all); fi
if [ -n "${ARGUS_INPUT_SHARD:-}" ]; then args+=(--shard "$ARGUS_INPUT_SHARD"); fi

# The category goes into the file as well as to the upload: GitHub applies an upload's category
# only to a file that has none, and argus always writes one.
category=${ARGUS_INPUT_CATEGORY:-}
if [ -z "$category" ]; then
  category=argus/
  if [ -n "${ARGUS_INPUT_SHARD:-}" ]; then category="argus/shard-${ARGUS_INPUT_SHARD//\//-of-}/"; fi
fi
case $category in */) ;; *) category="$category/" ;; esac
args+=(--sarif-category "$category")

sarif=""
reports=()
read -r -d '' -a entries <<<"${ARGUS_INPUT_REPORTS:-}" || true
for entry in ${entries[@]+"${entries[@]}"}; do
  format=${entry%%=*}
  path=${entry#*=}
  if [ "$format" = "$entry" ] || [ -z "$path" ]; then
    echo "::error title=argus::reports entry \"$entry\" is not FORMAT=PATH" >&2
    exit 2
  fi
  args+=(--report "$entry")
  if [ "$path" != - ]; then
    reports+=("$path")
    if [ "$format" = sarif ]; then sarif=$path; fi
  fi
done

read -r -d '' -a extra <<<"${ARGUS_INPUT_ARGS:-}" || true
args+=(${extra[@]+"${extra[@]}"})

code=0
"${ARGUS:-argus}" "${args[@]}" || code=$?

# A pull request from a fork (and Dependabot's) runs with a token that cannot write security
# events: the SARIF upload would fail the job over something the PR cannot fix. Skip it, say so.
sarif_upload=true
skip_reason=""
if [ -n "${ARGUS_PR_HEAD_REPO:-}" ] && [ "$ARGUS_PR_HEAD_REPO" != "${ARGUS_REPOSITORY:-}" ]; then
  sarif_upload=false
  skip_reason="this pull request comes from the fork $ARGUS_PR_HEAD_REPO"
elif [ "${ARGUS_ACTOR:-}" = "dependabot[bot]" ]; then
  sarif_upload=false
  skip_reason="this run is Dependabot's"
fi
if [ "$sarif_upload" = false ] && [ -n "$sarif" ]; then
  echo "::warning title=argus::SARIF not uploaded to code scanning: $skip_reason, and its token cannot write security events. The SARIF report is in the reports artifact."
fi

name=argus-reports
if [ -n "${ARGUS_INPUT_SHARD:-}" ]; then name="argus-reports-shard-${ARGUS_INPUT_SHARD//\//-of-}"; fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$code"
    echo "sarif=$sarif"
    echo "artifact-name=$name"
    echo "category=$category"
    echo "sarif-upload=$sarif_upload"
    echo "reports<<ARGUS_REPORTS_EOF"
    if [ "${#reports[@]}" -gt 0 ]; then printf '%s\n' "${reports[@]}"; fi
    echo "ARGUS_REPORTS_EOF"
  } >>"$GITHUB_OUTPUT"
fi
echo "argus assess exited with $code"
