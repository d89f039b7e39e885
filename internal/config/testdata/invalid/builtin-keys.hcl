# Built-in providers' config keys and local provider paths are checked by Load (and so by
# argus validate), with did-you-mean.
job "perms" {
  provider = "builtin/file"
  config = {
    path    = "/etc/passwd"
    maxmode = "0644"  # ERROR: Did you mean "max_mode"?
    Owner   = "root"  # ERROR: Did you mean "owner"?
  }
}
job "cmd" {
  provider = "builtin/command"
  config   = { command = ["true"], expect_exitcode = 0 }  # ERROR: Did you mean "expect_exit"?
}
job "web" {
  provider = "builtin/http"
  config   = { url = "https://example.com", frobnicate = true }  # ERROR: has no config key "frobnicate". Its keys are: url
}
provider "local" {
  source = "./no/such/provider"  # ERROR: which does not exist
}
job "uses-local" {
  provider = "local"
  config   = { anything = "goes" }
}
