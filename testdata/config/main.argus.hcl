# The configuration of DESIGN.md, as it loads. One difference: HCL allows a single-line
# block with one argument only, so the subject block spans several lines.
argus {
  required_version = ">= 0.1.0"
  state_dir        = ".argus"
  parallel         = 4
}

control_plane {
  url           = "https://ccf.example.com"
  client_id     = env("ARGUS_CLIENT_ID")
  client_secret = env("ARGUS_CLIENT_SECRET")
}

remote_config {
  mode            = "apply_safe"
  trusted_sources = ["registry.example.com/acme/*"]
}

registry "registry.example.com" {
  url          = "https://mirror.internal/argus/"
  signing_keys = ["RWQ..."]
}

provider "cis" {
  source  = "registry.example.com/acme/cis"
  version = ">= 1.4.0, < 2.0.0"
}

provider "local-script" {
  source = "./providers/local-script"
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
  config = { path = "/etc/passwd", mode = "0644", owner = "root" }
}
