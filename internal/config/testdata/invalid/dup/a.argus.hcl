argus {
  parallel = 2
}

control_plane {
  url = "https://ccf.example.com"
}

registry "registry.example.com" {
  url = "https://mirror.example.com/"
}

provider "p" {
  source = "./p"  # ERROR: which does not exist
}

job "j" {
  provider = "p"
}
