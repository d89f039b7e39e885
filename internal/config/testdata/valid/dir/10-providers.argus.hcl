provider "zeta" {
  source = "./zeta"
}

provider "alpha" {
  source  = "registry.example.com/acme/alpha"
  version = "1.0.0"
}
