# Plain http off loopback would hand the credentials (and the jobs) to whoever is on the path.
control_plane {
  url              = "http://ccf.example.com"  # ERROR: uses plain http, which is accepted only for localhost
  remote_providers = ["builtin/file", ""]  # ERROR: remote_providers[1] is empty
}
