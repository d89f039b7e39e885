provider "two-parts" {
  source  = "acme/cis"  # ERROR: has 2 part(s)
  version = "1.0.0"
}

provider "upper-host" {
  source  = "Registry.example.com/acme/cis"  # ERROR: "Registry.example.com" is not a host name
  version = "1.0.0"
}

provider "no-version" {
  source = "registry.example.com/acme/cis"  # ERROR: needs a version constraint
}

provider "pessimistic" {
  source  = "registry.example.com/acme/cis"
  version = "~> 1"  # ERROR: ~> 1 allows 2.0.0 in go-version; write "~> 1.0" or ">= 1.0, < 2.0"
}

provider "banana" {
  source  = "registry.example.com/acme/cis"
  version = "banana"  # ERROR: "banana" is not a version constraint
}

provider "local" {
  source  = "../providers/local"  # ERROR: which does not exist
  version = "1.0.0"  # ERROR: Remove version
}

provider "keys" {
  source                  = "registry.example.com/acme/keys"
  version                 = ">= 1.0"
  signing_keys            = ["RWQok", " "]  # ERROR: signing_keys[1] is empty
  insecure_skip_signature = "maybe"  # ERROR: Incorrect attribute value type
}

provider "bad/name" {  # ERROR: is not a valid provider name
  source = "./x"  # ERROR: which does not exist
}
