# Errors about one element of a list or object point at that element.
provider "keys" {
  source  = "registry.example.com/acme/keys"
  version = "1.0.0"
  signing_keys = [
    "RWQok",
    "",  # ERROR: signing_keys[1] is empty
  ]
}

job "elements" {
  provider = "builtin/command"
  env_allow = [
    "HOME",
    "ARGUS_TOKEN",  # ERROR: Forbidden env_allow entry
    "NOT-VALID",  # ERROR: is not an environment variable name
  ]
  labels = {
    team  = "sre"
    _mine = "x"  # ERROR: Reserved label
  }
}
