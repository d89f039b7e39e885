// Package install is argus's provider manager: for every provider block of a configuration it
// chooses a version (go-version constraints, the lock file's pin), resolves it through the
// static-file provider index (DESIGN.md "Provider index"), downloads the archive and its
// SHA256SUMS, verifies the SHA256SUMS minisign signature against trusted keys and the archive's
// sha256 against the signed sums and the lock, extracts it with limits into the shared cache
// (internal/cache) and produces the new lock (internal/lockfile). Local providers are copied
// into the cache and pinned by hash. Compliance Framework plugins (CCF plugins) and their policy
// bundles are the CCF step (ccf.go): an OCI source (registry or oci-layout://) is resolved with
// internal/oci to its index and platform manifest digests, pulled into the cache's OCI store and
// pinned with its protocol version and tree hash; a moved tag is an error in read-only mode and
// a warning otherwise; local plugins and policy bundles are copied and pinned by hash.
// LookupPlugin and LookupPolicy re-verify those entries for assess without any request.
//
// Init is registry.go's named steps (lock check, warm path, version choice, verified release,
// per-platform install) and local.go for local providers; it reports each step through Events
// (events.go) rather than printing, and its errors (errors.go) are typed so that the command
// line, not this package, says which argus command fixes them.
//
// It also answers, for assess, where a locked provider's executable is once its installed tree
// has been re-verified (Lookup), and writes static mirrors of everything locked (Mirror).
//
// The commands are Handler's methods (handler.go): `argus init`, `argus providers list`, `lock`
// and `mirror` each take a typed request from the command line, do all of it and print through
// the Write function beside them.
//
// It is not responsible for HTTP details (internal/getter), for the on-disk layout and locking
// of the cache (internal/cache), for parsing configuration (internal/config) or for running
// providers (internal/runner). It never prompts, and it never writes outside the cache except
// the lock file and a mirror directory it was asked to write.
package install
