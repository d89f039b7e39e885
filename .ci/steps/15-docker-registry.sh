#!/usr/bin/env bash
# The OCI tests (internal/oci) run against a real registry: Debian's docker-registry package,
# the CNCF distribution server, started by internal/ocitest on a loopback port. A fresh CI
# machine does not have it; install it here so that every later test step finds it (ocitest
# would also install it when run as root, but one install up front keeps test output clean).
set -euo pipefail
if command -v docker-registry >/dev/null || [ -x /usr/bin/docker-registry ]; then
  docker-registry --version
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "docker-registry is missing and this is not root: install it with"
  echo "  sudo apt-get update && sudo apt-get install -y docker-registry"
  exit 1
fi
for attempt in 1 2 3; do
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null 2>&1; then
    break
  fi
  echo "apt-get install docker-registry failed (attempt $attempt); updating the package lists"
  apt-get update -qq >/dev/null || sleep $((attempt * 5))
done
docker-registry --version
