#!/usr/bin/env bash
# examples/kubernetes: kubeconform (pinned, built from the Go module proxy) validates every
# manifest strictly against the vendored schemas in testdata/kubernetes-schemas (offline: no
# schema is fetched), and must reject the misspelt manifest in testdata/kubernetes-schemas/invalid;
# the vendored schemas must be exactly what gen/ makes from k8s.io/kubernetes's swagger.json;
# the HCL in the ConfigMap must pass `argus validate`; the Indexed CronJob's shard count must
# match its completions, each of its containers must mount its shard's own directory, and argus
# must accept the assess container's args in every pod of the Job, whose shards together plan
# every job of the ConfigMap exactly once.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "$0")/../lib.sh"
K8S=k8s.io/kubernetes@v1.36.3

kubeconform_bin=$(go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0)
kubeconform() { "$kubeconform_bin" -strict -summary -schema-location 'testdata/kubernetes-schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json' "$@"; }

kubeconform examples/kubernetes/
# Each negative control on its own: one rejected file must not hide another that is accepted.
for f in testdata/kubernetes-schemas/invalid/*.yaml; do
  if kubeconform "$f" >/dev/null; then
    echo "kubeconform accepted $f: the schemas are not strict"; exit 1
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir=$(cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "$K8S" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
mkdir "$tmp/schemas"
go run ./testdata/kubernetes-schemas/gen "$dir/api/openapi-spec/swagger.json" "$tmp/schemas"
for f in "$tmp"/schemas/*.json; do
  cmp "$f" "testdata/kubernetes-schemas/$(basename "$f")" ||
    { echo "testdata/kubernetes-schemas is stale: regenerate it (see its README)"; exit 1; }
done

# The ConfigMap's main.argus.hcl (a YAML block scalar, indented four spaces) through argus itself.
mkdir "$tmp/config"
awk '/^  main.argus.hcl: \|$/ { on = 1; next } on && /^    / { print substr($0, 5); next } on && /^$/ { print; next } on { exit }' \
  examples/kubernetes/configmap.yaml >"$tmp/config/main.argus.hcl"
grep -q '^job "' "$tmp/config/main.argus.hcl" || { echo "could not extract main.argus.hcl from the ConfigMap"; exit 1; }
go run . validate --config "$tmp/config"

indexed=examples/kubernetes/cronjob-indexed.yaml
grep -q '^      completionMode: Indexed$' "$indexed" || { echo "$indexed: the job template is not Indexed"; exit 1; }
completions=$(sed -n 's/^      completions: \([0-9]*\).*/\1/p' "$indexed")
args=$(sed -n 's/^ *args: \[\(assess, .*\)\]$/\1/p' "$indexed" | tr -d '",')
read -r -a argv <<<"$args"
total=""
for ((i = 0; i < ${#argv[@]}; i++)); do
  if [ "${argv[i]}" = --shard-total ]; then total=${argv[i + 1]}; fi
done
[[ $args == *"--shard auto"* ]] || { echo "$indexed: the assess container does not run --shard auto"; exit 1; }
if [ -z "$completions" ] || [ "$total" != "$completions" ]; then
  echo "$indexed: --shard-total \"$total\" must equal completions \"$completions\""; exit 1
fi
# shellcheck disable=SC2016 # $(JOB_COMPLETION_INDEX) is Kubernetes's, matched literally
mounts=$(grep -c 'name: data, mountPath: /var/lib/argus, subPathExpr: shard-\$(JOB_COMPLETION_INDEX)}' "$indexed")
[ "$mounts" = 2 ] || { echo "$indexed: init and assess must each mount shard-\$(JOB_COMPLETION_INDEX) of the data volume ($mounts do)"; exit 1; }
go build -o "$tmp/argus" .
jobs=$(grep -c '^job "' "$tmp/config/main.argus.hcl")
planned=0
for ((k = 0; k < completions; k++)); do
  # The pod's own args, as a dry run, with its state directory here.
  out=$(JOB_COMPLETION_INDEX=$k ARGUS_CONFIG="$tmp/config" "$tmp/argus" "${argv[@]}" --state-dir "$tmp/state-$k" --dry-run --all)
  n=$(sed -n 's/^\([0-9]*\) of [0-9]* jobs due.*/\1/p' <<<"$out")
  [ -n "$n" ] || { echo "pod $k: no plan from argus:"; echo "$out"; exit 1; }
  planned=$((planned + n))
done
[ "$planned" = "$jobs" ] || { echo "the $completions shards planned $planned jobs, want each of the $jobs jobs once"; exit 1; }
echo "kubernetes recipe OK"
