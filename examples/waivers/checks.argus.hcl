# Waivers and severities, self-contained: every check runs a shell command whose output is fixed,
# so the run shows the same three outcomes on any machine:
#
#   argus assess --config examples/waivers --all --waivers examples/waivers/security/waivers.hcl
#
# a failure waived by the security team's file (exit code unaffected), a failure whose waiver
# in this file has expired (it counts again, with a warning), and a high-severity failure.
# Add --fail-on fail:high to fail the run only on high and critical failures.

job "sshd-no-root-login" {
  provider    = "builtin/command"
  severity    = "high"
  labels      = { control = "ac-6", cis = "5.2.10" }
  description = "Root cannot log in over SSH."
  remediation = "Set PermitRootLogin no in /etc/ssh/sshd_config and reload sshd."
  config = {
    command    = ["sh", "-c", "echo 'PermitRootLogin yes'"]
    not_stdout = "PermitRootLogin yes"
  }
}

job "tls-legacy-protocols" {
  provider    = "builtin/command"
  severity    = "medium"
  labels      = { control = "sc-8" }
  description = "The load balancer refuses TLS 1.0 and 1.1."
  remediation = "Set the minimum protocol to TLS 1.2 on the load balancer."
  config = {
    command    = ["sh", "-c", "echo 'accepted: TLSv1.0 TLSv1.2'"]
    not_stdout = "TLSv1\\.[01]"
  }
}

job "tmp-sticky-bit" {
  provider    = "builtin/command"
  severity    = "high"
  labels      = { control = "ac-3", cis = "1.1.2.1" }
  description = "/tmp has the sticky bit set."
  remediation = "chmod +t /tmp"
  config = {
    command       = ["sh", "-c", "echo 'drwxrwxrwx root root /tmp'"]
    expect_stdout = "^d.........t"
  }
}

job "passwd-owner" {
  provider = "builtin/command"
  severity = "low"
  labels   = { control = "ac-6" }
  config = {
    command       = ["sh", "-c", "echo 'root root /etc/passwd'"]
    expect_stdout = "^root root "
  }
}

# Kept beside the checks: the team that owns the load balancer took this one, and it ran out.
waiver "old-load-balancer" {
  job         = "tls-legacy-protocols"
  reason      = "The old load balancer cannot disable TLS 1.0; it was to be replaced in November."
  expires     = "2026-11-30"
  approved_by = "netops@example.com"
}
