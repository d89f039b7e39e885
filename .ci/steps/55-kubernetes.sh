#!/usr/bin/env bash
# examples/kubernetes: kubeconform (pinned, built from the Go module proxy) validates every
# manifest strictly against the vendored schemas in testdata/kubernetes-schemas (offline: no
# schema is fetched), and must reject the misspelt manifest in testdata/kubernetes-schemas/invalid;
# the vendored schemas must be exactly what gen/ makes from k8s.io/kubernetes's swagger.json;
# the HCL in the ConfigMap must pass `argus validate`.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source "$(dirname "$0")/../lib.sh"
K8S=k8s.io/kubernetes@v1.36.3

kubeconform_bin=$(go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0)
kubeconform() { "$kubeconform_bin" -strict -summary -schema-location 'testdata/kubernetes-schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json' "$@"; }

kubeconform examples/kubernetes/
if kubeconform testdata/kubernetes-schemas/invalid/ >/dev/null; then
  echo "kubeconform accepted testdata/kubernetes-schemas/invalid: the schemas are not strict"; exit 1
fi

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
echo "kubernetes recipe OK"
