argus {
  required_version = ">= 9.0"  # ERROR: This configuration requires argus >= 9.0, but this is argus 0.3.0
  state_dir        = ""  # ERROR: state_dir is empty
  parallel         = 0  # ERROR: parallel is 0
}

argus {  # ERROR: at most one argus block
}

control_plane {
  url           = "ftp://ccf.example.com"  # ERROR: is not an absolute http:// or https:// URL
  client_id     = "id"
  client_secret = env("UNSET_SECRET")  # ERROR: client_id is set but client_secret is empty
}

registry "Bad_Host" {  # ERROR: "Bad_Host" is not a host name
  url = "http://mirror.example.com/"  # ERROR: uses plain http, which is accepted only for localhost
}

registry "example.com" {
  url          = "mirror/"  # ERROR: is not an absolute http:// or https:// URL
  signing_keys = [""]  # ERROR: signing_keys[0] is empty
}

registry "a.example.com" {
  url = "file://mirror.example.com/argus/"  # ERROR: a file:// URL names a directory on this machine
}

registry "b.example.com" {
  url = "file:mirror/"  # ERROR: is not a file:// URL of an absolute directory
}

report "xml" {  # ERROR: Use one of: codequality, json, junit, markdown, oscal, sarif
  path = "out.xml"
}

report "json" {
  path = ""  # ERROR: The report's path is empty
}

report "markdown" {
  path     = "summary.md"
  category = "web"  # ERROR: a "markdown" report has none
}

report "sarif" {
  path     = "a.sarif"
  category = " "  # ERROR: The category is empty
}

report "junit" {
  path = "./summary.md"  # ERROR: already writes to "./summary.md"
}
