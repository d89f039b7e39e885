// Package lockfile reads and writes argus.lock.hcl, the file that pins every provider of a
// configuration to one version and to the hashes of its archives, per platform.
//
// A registry provider is locked by its source address:
//
//	provider "registry.example.com/acme/cis" {
//	  version     = "1.4.1"
//	  constraints = ">= 1.4.0, < 2.0.0"
//	  signer      = "minisign:E3A3F2C1D2B4A596"
//	  platform "linux_amd64" { hashes = ["h1:…", "zh:…"] }
//	}
//
// A local provider (source "./path", "../path" or "/path") is locked by its source as written,
// with no version, constraints or signer, and one platform block "local" holding the h1 hash of
// the copied tree (a local tree is the same on every platform).
//
// A read-modify-write of the file (init, providers lock) holds Exclusive, a flock on the hidden
// .argus.lock.hcl.lock beside it, so that concurrent runs serialise instead of losing each
// other's platforms.
//
// A Compliance Framework plugin from an OCI source is locked by its reference as written,
// pinned by digests instead of a version: the index the reference resolved to, and per
// platform the manifest chosen from it and the h1 hash of its extracted tree. A local CCF
// plugin is locked like a local provider, with its kind and protocol version:
//
//	provider "ghcr.io/compliance-framework/plugin-local-ssh:v1.2.3" {
//	  kind             = "ccf-plugin"
//	  protocol_version = 2
//	  index            = "sha256:…"
//	  platform "linux_amd64" {
//	    manifest = "sha256:…"
//	    hashes   = ["h1:…"]
//	  }
//	}
//
// A policy bundle is locked by its source as written: an OCI bundle with its index and
// manifest digests, a local directory or .tar.gz with neither; both with the h1 hash of the
// extracted tree:
//
//	policy "ghcr.io/compliance-framework/plugin-local-ssh-policies:v0.3.1" {
//	  index    = "sha256:…"
//	  manifest = "sha256:…"
//	  hash     = "h1:…"
//	}
//
// Output is deterministic (providers, policies, platforms and hashes sorted) so that the file diffs well
// and a read-only run can compare bytes. The package does not decide versions, download, or
// verify anything: see internal/install.
package lockfile
