job "x" {
  provider  = "builtin/file"
  frequency = "1h"  # ERROR: Expected one of: provider, schedule, timeout, labels, config, env_allow, policies, policy_data, policy_behavior, severity, description, remediation, subject { }.
}

resource "a" "b" {  # ERROR: Expected one of: argus, control_plane, remote_config, registry, provider, job, report, waiver.
}

job "y" {
  provider = "builtin/file"
  config {  # ERROR: use the equals sign
    path = "/etc/passwd"
  }
}

report "json" {
  path   = "-"
  format = "json"  # ERROR: Expected one of: path, category.
}

version = "1"  # ERROR: Unsupported argument
