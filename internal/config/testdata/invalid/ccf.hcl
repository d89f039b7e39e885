provider "bad-kind" {
  source = "./plugins/x"
  kind   = "go-plugin" # ERROR: Invalid provider kind
}

provider "oci-argus" {
  source = "ghcr.io/acme/plugin-x:v1"
  kind   = "argus" # ERROR: OCI source on an argus provider
}

provider "oci-version" {
  source  = "ghcr.io/acme/plugin-y:v1"
  version = ">= 1.0" # ERROR: Version on an OCI plugin
}

provider "oci-bad" {
  source = "ghcr.io/acme/plugin-z@sha256:123" # ERROR: Invalid OCI reference
}

provider "registry-ccf" {
  source = "registry.example.com/acme/cis" # ERROR: Invalid CCF plugin source
  kind   = "ccf-plugin"
}

provider "proto" {
  source           = "ghcr.io/acme/plugin-p:v1"
  protocol_version = 3 # ERROR: Invalid protocol_version
  signing_keys     = ["RWQx"] # ERROR: signing_keys on a CCF plugin
  policies         = ["ghcr.io/acme/p-policies:v1", "", "https://example.com/p.tar.gz"] # ERROR: Empty policy source # ERROR: Invalid policy source
}

provider "argus-proto" {
  source           = "./providers/a"
  protocol_version = 1 # ERROR: protocol_version on an argus provider
  policies         = ["./p"] # ERROR: policies on an argus provider
}

provider "good" {
  source = "ghcr.io/acme/plugin-good:v1"
}

job "structured-config" {
  provider = "good"
  config = {
    ok     = "x"
    nested = { a = 1 } # ERROR: config.nested is an object
    list   = ["a"] # ERROR: config.list is a list
  }
  policy_data     = ["not", "an", "object"] # ERROR: Invalid policy_data
  policy_behavior = { skip = { a = 1 } } # ERROR: Invalid policy_behavior
}

job "argus-job" {
  provider        = "argus-proto"
  policies        = ["./p"] # ERROR: policies on a job of an argus provider
  policy_data     = { a = 1 } # ERROR: policy_data on a job of an argus provider
  policy_behavior = { skip = ["r"] } # ERROR: policy_behavior on a job of an argus provider
}

job "nulls" {
  provider        = "good"
  policies        = ["./a", "./a"] # ERROR: Duplicate policy source
  policy_behavior = { skip = null } # ERROR: policy_behavior.skip is null
  policy_data     = "text" # ERROR: policy_data must be an object
}

provider "bad-layout" {
  source   = "oci-layout://./x"             # ERROR: Invalid OCI reference
  policies = ["oci-layout://./p", "./p.tar.gz"] # ERROR: Invalid policy source
}
