#!/usr/bin/env bash
# Step "install" of the argus GitHub Action (action.yml): download a pinned argus release,
# verify it against the release's checksums.txt, unpack it and put it on PATH.
#
# Inputs (environment):
#   ARGUS_VERSION       release to install, "1.2.3" or "v1.2.3" (required)
#   ARGUS_RELEASE_URL   base of the release downloads; the files are at
#                       $ARGUS_RELEASE_URL/v$VERSION/<file> (GitHub releases by default)
#   ARGUS_INSTALL_DIR   where the binary goes (required)
#   RUNNER_OS, RUNNER_ARCH   set by GitHub: Linux|macOS|Windows, X64|ARM64
#   GITHUB_PATH, GITHUB_OUTPUT   set by GitHub: files the step appends to
# Outputs: "path" (the argus executable) and "version" in $GITHUB_OUTPUT.
set -euo pipefail

fail() { echo "::error title=argus install::$*" >&2; exit 1; }

: "${ARGUS_VERSION:?ARGUS_VERSION is required}"
: "${ARGUS_INSTALL_DIR:?ARGUS_INSTALL_DIR is required}"
release_url=${ARGUS_RELEASE_URL:-https://github.com/compliance-framework/argus/releases/download}
version=${ARGUS_VERSION#v}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] ||
  fail "version \"$ARGUS_VERSION\" is not a release version like 1.2.3 (\"latest\" is not accepted: pin a version)"

case "${RUNNER_OS:-}" in
  Linux) os=linux ;;
  macOS) os=darwin ;;
  Windows) os=windows ;;
  *) fail "unsupported runner OS \"${RUNNER_OS:-}\"" ;;
esac
case "${RUNNER_ARCH:-}" in
  X64) arch=amd64 ;;
  ARM64) arch=arm64 ;;
  *) fail "unsupported runner architecture \"${RUNNER_ARCH:-}\"" ;;
esac

# Must match .goreleaser.yaml's archives.name_template and format_overrides.
ext=tar.gz
exe=argus
if [ "$os" = windows ]; then ext=zip; exe=argus.exe; fi
archive="argus_${version}_${os}_${arch}.${ext}"
base="${release_url%/}/v${version}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

download() { # URL FILE
  curl --fail --silent --show-error --location --retry 3 --retry-connrefused \
    --connect-timeout 20 --max-time 300 --output "$2" "$1" ||
    fail "download $1 failed"
}
download "$base/checksums.txt" "$work/checksums.txt"
download "$base/$archive" "$work/$archive"

# checksums.txt lists every archive of the release; only ours is here. --ignore-missing alone
# would pass when our archive is not listed at all, so require its line first.
grep -q "  ${archive}\$" "$work/checksums.txt" || fail "$archive is not listed in $base/checksums.txt"
if command -v sha256sum >/dev/null; then
  (cd "$work" && sha256sum --check --ignore-missing --quiet checksums.txt) ||
    fail "checksum mismatch for $archive: refusing to install it"
else # macOS runners ship shasum (perl) rather than coreutils
  (cd "$work" && shasum -a 256 --check --ignore-missing --quiet checksums.txt) ||
    fail "checksum mismatch for $archive: refusing to install it"
fi

mkdir -p "$work/x"
if [ "$ext" = zip ]; then
  unzip -q "$work/$archive" -d "$work/x"
else
  tar -xzf "$work/$archive" -C "$work/x"
fi
[ -f "$work/x/$exe" ] || fail "$archive has no $exe at its root"
chmod 0755 "$work/x/$exe"
mkdir -p "$ARGUS_INSTALL_DIR"
# Move into place last, so an interrupted install never leaves a half-written binary on PATH.
mv -f "$work/x/$exe" "$ARGUS_INSTALL_DIR/$exe"

"$ARGUS_INSTALL_DIR/$exe" version
if [ -n "${GITHUB_PATH:-}" ]; then echo "$ARGUS_INSTALL_DIR" >>"$GITHUB_PATH"; fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "path=$ARGUS_INSTALL_DIR/$exe"
    echo "version=$version"
  } >>"$GITHUB_OUTPUT"
fi
