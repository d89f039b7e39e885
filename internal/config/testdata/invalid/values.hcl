argus {
  required_version = "at least one"  # ERROR: "at least one" is not a version constraint
  parallel         = 1.5  # ERROR: parallel must be a whole number
}

control_plane {
  url = "https://user:pw@ccf.example.com"  # ERROR: holds credentials
}

registry "mirror.example.com" {
  url = "http://localhost.example.com/"  # ERROR: accepted only for localhost
}

job "nulls" {
  provider  = null  # ERROR: provider is required and must not be null
  env_allow = ["HOME", null]  # ERROR: env_allow[1] is null
  labels = {
    a = null  # ERROR: Label "a" is null
  }
}

job "empty-label" {
  provider = "builtin/file"
  labels   = { "" = "x" }  # ERROR: A label has an empty name
  config   = "path=/etc/passwd"  # ERROR: config must be an object, like { path = "/etc/passwd" }, but this is a string
}
