# Every block and attribute argus knows, as in DESIGN.md (with multi-line subject blocks:
# HCL allows only one attribute in a single-line block).
argus {
  required_version = ">= 0.1.0"
  state_dir        = ".argus"
  parallel         = 4
}

control_plane {
  url           = "https://ccf.example.com"
  client_id     = env("ARGUS_CLIENT_ID")
  client_secret = env("ARGUS_CLIENT_SECRET")
  # (job specs now come through remote_config, below)
}

registry "registry.example.com" {
  url          = "https://mirror.internal/argus/"
  signing_keys = ["RWQkey1", "RWQkey2"]
}

registry "localhost:8080" {
  url = "http://127.0.0.1:8080/argus/"
}

provider "cis" {
  source       = "registry.example.com/acme/cis"
  version      = ">= 1.4.0, < 2.0.0"
  signing_keys = ["RWQproviderkey"]
}

provider "local-script" {
  source = "./providers/local-script"
}

provider "unsigned" {
  source                  = "localhost:8080/test/unsigned"
  version                 = "~> 1.2"
  insecure_skip_signature = true
}

job "etc-passwd-perms" {
  provider = "builtin/file"
  schedule = "every 1h"
  timeout  = "30s"
  labels   = { team = "platform", control = "ac-6" }
  subject {
    type       = "inventory-item"
    identifier = "host/${hostname()}"
  }
  config = { path = "/etc/passwd", max_mode = "0644", owner = "root" }
}

job "cis-benchmark" {
  provider  = "cis"
  schedule  = "0 3 * * *"
  env_allow = ["HTTPS_PROXY", "CIS_TOKEN"]
  config = {
    level   = 2
    nested  = { list = [1, "two", true], none = null }
    enabled = true
  }
}

job "always-script" {
  provider = "local-script"
}

report "sarif" {
  path     = "out/argus.sarif"
  category = "argus/host/"
}

report "json" {
  path = "-"
}

remote_config {
  mode                     = "apply_safe"
  trusted_sources          = ["ghcr.io/compliance-framework/*"]
  overridable_config_flags = ["ssh:port", "timeout"]
  allow_local_sources      = false
}
