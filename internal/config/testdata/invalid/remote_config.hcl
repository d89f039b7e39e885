control_plane {
  url  = "https://ccf.example.com"
  jobs = true  # ERROR: argus no longer fetches job specs from GET /api/argus/jobs
}

remote_config {  # ERROR: authenticated agents only
  mode                     = "apply"  # ERROR: "apply" is not a mode. Use one of: off, report, apply_safe, apply_all
  trusted_sources          = ["ghcr.io/[oops"]  # ERROR: "ghcr.io/[oops" is not a valid glob
  overridable_config_flags = ["ssh:", "port"]  # ERROR: "ssh:" is not "<job-glob>:<key-glob>"
  allow_local_sources      = "maybe"  # ERROR: allow_local_sources
  poll_interval            = "60s"  # ERROR: poll_interval
}

remote_config {  # ERROR: at most one remote_config block
}
