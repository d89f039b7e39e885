#!/usr/bin/env bash
# Generated protobuf code is committed (internal/ccfplugin/ccfpb) and must be what its .proto
# files give: regenerate it with the pinned tools and fail on any difference, so that nobody
# edits a .pb.go by hand or changes a .proto without regenerating. protoc comes from Debian's
# protobuf-compiler (3.21, the version recorded in the generated headers); the two Go plugins
# are pinned and built from the Go module proxy.
set -euo pipefail
PROTOC_GEN_GO=v1.36.12
PROTOC_GEN_GO_GRPC=v1.6.2
if ! command -v protoc >/dev/null; then
  echo "installing protoc (Debian package protobuf-compiler)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q protobuf-compiler >/dev/null ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q protobuf-compiler >/dev/null; }
fi
protoc --version
tools=${ARGUS_CI_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/argus-ci}/protoc-gen-$PROTOC_GEN_GO-$PROTOC_GEN_GO_GRPC
if [ ! -x "$tools/protoc-gen-go" ] || [ ! -x "$tools/protoc-gen-go-grpc" ]; then
  start=$SECONDS
  GOBIN=$tools go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO"
  GOBIN=$tools go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC"
  echo "installed protoc-gen-go $PROTOC_GEN_GO and protoc-gen-go-grpc $PROTOC_GEN_GO_GRPC in $((SECONDS - start))s"
fi
PATH=$tools:$PATH go generate ./internal/ccfplugin/ccfpb/
# A generated file that is not committed is a difference too.
untracked=$(git ls-files --others --exclude-standard -- internal/ccfplugin/ccfpb)
if [ -n "$untracked" ] || ! git diff --exit-code --stat -- internal/ccfplugin/ccfpb; then
  [ -z "$untracked" ] || { echo "generated but not committed:"; echo "$untracked"; }
  echo "generated code in internal/ccfplugin/ccfpb differs from its .proto files: run"
  echo "  go generate ./internal/ccfplugin/ccfpb/   (with the tool versions above) and commit the result"
  git diff -- internal/ccfplugin/ccfpb | head -60
  exit 1
fi
echo "generated protobuf code is up to date"
