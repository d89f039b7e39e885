# shellcheck shell=bash
# Sourced by the steps under .ci/steps: the one copy of how CI installs what it needs.
#   go_tool NAME MODULE/CMD@VERSION  prints the path of a pinned Go tool, built once from the Go
#                                    module proxy into the tool cache
#   apt_install PACKAGE...           installs Debian packages (root only)
#   need COMMAND PACKAGE             installs PACKAGE when COMMAND is missing
# Tools are cached under ${ARGUS_CI_TOOLS:-~/.cache/argus-ci}/NAME-VERSION/NAME, so that a
# machine that ran CI once builds nothing the next time.

ci_tools=${ARGUS_CI_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/argus-ci}

go_tool() { # NAME MODULE/CMD@VERSION
  local name=$1 pkg=$2
  local dir=$ci_tools/$name-${pkg##*@}
  if [ ! -x "$dir/$name" ]; then
    local start=$SECONDS
    GOBIN=$dir go install "$pkg" >&2 || return 1
    echo "built $name ${pkg##*@} in $((SECONDS - start))s" >&2
  fi
  printf '%s\n' "$dir/$name"
}

apt_install() { # PACKAGE...
  if [ "$(id -u)" != 0 ]; then
    echo "!!! not root: cannot install the Debian package(s) $*" >&2
    return 1
  fi
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

need() { # COMMAND PACKAGE
  command -v "$1" >/dev/null || apt_install "$2"
}
