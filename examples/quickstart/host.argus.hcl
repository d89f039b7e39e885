# A first look at a Linux host, with built-in providers only: no network, no root, nothing to
# install. Run it from the repository root with:
#
#   go run . assess --config examples/quickstart --all
#
# Each job checks one thing. The `control` label names the NIST SP 800-53 control the check
# supports; `cis` names the matching CIS Distribution Independent Linux benchmark item. Reports
# (OSCAL, SARIF) carry both.

argus {
  # Run up to four checks at once; --parallel overrides it.
  parallel = 4
}

# --- Account databases: readable by everyone, writable by root only (CIS 6.1.x) -----------------

job "etc-passwd-permissions" {
  provider = "builtin/file"
  schedule = "every 24h"
  labels   = { control = "ac-6", cis = "6.1.2", area = "accounts" }
  config = {
    path     = "/etc/passwd"
    max_mode = "0644"
    owner    = "root"
    group    = "root"
  }
}

job "etc-group-permissions" {
  provider = "builtin/file"
  schedule = "every 24h"
  labels   = { control = "ac-6", cis = "6.1.4", area = "accounts" }
  config = {
    path     = "/etc/group"
    max_mode = "0644"
    owner    = "root"
    group    = "root"
  }
}

# Password hashes: never readable by other users.
job "etc-shadow-permissions" {
  provider = "builtin/file"
  schedule = "every 24h"
  labels   = { control = "ia-5", cis = "6.1.3", area = "accounts" }
  config = {
    path     = "/etc/shadow"
    max_mode = "0640"
    owner    = "root"
  }
}

job "etc-gshadow-permissions" {
  provider = "builtin/file"
  schedule = "every 24h"
  labels   = { control = "ia-5", cis = "6.1.5", area = "accounts" }
  config = {
    path     = "/etc/gshadow"
    max_mode = "0640"
    owner    = "root"
  }
}

# --- SSH daemon: only when it is installed (skip otherwise) ------------------------------------

job "sshd-no-root-login" {
  provider = "builtin/file"
  schedule = "every 1h"
  labels   = { control = "ac-17", cis = "5.2.10", area = "ssh" }
  config = {
    path         = "/etc/ssh/sshd_config"
    optional     = true # a host without sshd passes by skipping
    max_mode     = "0600"
    not_contains = "(?mi)^\\s*PermitRootLogin\\s+yes"
  }
}

# --- Kernel hardening, read from /proc/sys (CIS 1.5.x, 3.x) ------------------------------------

job "kernel-aslr" {
  provider = "builtin/file"
  schedule = "every 24h"
  labels   = { control = "si-16", cis = "1.5.3", area = "kernel" }
  config = {
    path     = "/proc/sys/kernel/randomize_va_space"
    contains = "^2\\s*$"
  }
}

job "kernel-no-suid-core-dumps" {
  provider = "builtin/file"
  schedule = "every 24h"
  labels   = { control = "sc-28", cis = "1.5.1", area = "kernel" }
  config = {
    path     = "/proc/sys/fs/suid_dumpable"
    contains = "^0\\s*$"
  }
}

job "kernel-no-ip-forwarding" {
  provider = "builtin/file"
  schedule = "every 24h"
  labels   = { control = "sc-7", cis = "3.1.1", area = "network" }
  config = {
    path     = "/proc/sys/net/ipv4/ip_forward"
    contains = "^0\\s*$"
  }
}

# --- File system -------------------------------------------------------------------------------

# /tmp must be world-writable *with* the sticky bit, so users cannot remove each other's files.
job "tmp-sticky-bit" {
  provider = "builtin/file"
  schedule = "every 24h"
  labels   = { control = "ac-3", cis = "1.1.22", area = "filesystem" }
  config = {
    path = "/tmp"
    mode = "1777"
  }
}

# No world-writable programs where everyone's PATH looks. A local command, argv only: no shell.
job "no-world-writable-binaries" {
  provider = "builtin/command"
  schedule = "every 24h"
  timeout  = "2m"
  labels   = { control = "cm-5", cis = "6.1.10", area = "filesystem" }
  config = {
    command    = ["find", "/usr/bin", "/usr/sbin", "-maxdepth", "1", "-xdev", "-type", "f", "-perm", "-0002"]
    not_stdout = "\\S"
  }
}
