# Every error of this file is reported by one Load.
provider "cis" {
  source  = "registry.example.com/acme/cis"
  version = ">= 1.0, < 2.0"
}

job "bad name" {  # ERROR: is not a valid job name
  provider = "builtin/shell"  # ERROR: The built-in providers are builtin/command, builtin/file, builtin/http
}

job "unknown-provider" {
  provider = "cls"  # ERROR: The declared providers are: cis.
  schedule = "every 0s"  # ERROR: the interval must be at least 1s
  timeout  = "soon"  # ERROR: is not a duration
}

job "bad-values" {
  provider = "cis"
  schedule = "0 3 * *"  # ERROR: 4 fields; a cron expression has 5
  timeout  = "-1s"  # ERROR: Give a positive duration
  labels   = { _job = "mine" }  # ERROR: argus reserves for the labels it adds itself
  config   = ["not", "an", "object"]  # ERROR: config must be an object
}

job "bad-env" {
  provider  = "builtin/command"
  env_allow = ["ARGUS_CLIENT_SECRET"]  # ERROR: ARGUS_CLIENT_SECRET is one of argus's own variables
  labels    = "team"  # ERROR: Incorrect attribute value type
  config = {
    token = env("ARGUS_CLIENT_SECRET")  # ERROR: a job cannot read it
  }
}

job "bad-env-name" {
  provider  = "builtin/command"
  env_allow = ["1BAD"]  # ERROR: is not an environment variable name
  config = {
    motd = file("missing.txt")  # ERROR: no file
  }
}

job "subjects" {
  provider = "builtin/file"
  subject {
    type       = "service"
    identifier = ""  # ERROR: The subject's identifier is empty
  }
  subject {  # ERROR: already has a subject block
    type = "x"
  }
}

job "no-provider" {  # ERROR: The argument "provider" is required
}

job "unknown-provider" {  # ERROR: A job named "unknown-provider" is already declared at
  provider = "cis"
}
