argus {  # ERROR: at most one argus block, and one is already at testdata/invalid/dup/a.argus.hcl:1
}

control_plane {  # ERROR: at most one control_plane block
  url = "https://other.example.com"
}

registry "registry.example.com" {  # ERROR: A registry named "registry.example.com" is already declared at testdata/invalid/dup/a.argus.hcl:9
  url = "https://mirror.example.com/"
}

provider "p" {  # ERROR: A provider named "p" is already declared
  source = "./p"
}

job "j" {  # ERROR: A job named "j" is already declared at testdata/invalid/dup/a.argus.hcl:17
  provider = "p"
}
