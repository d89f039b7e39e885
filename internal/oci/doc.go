// Package oci fetches the Compliance Framework's plugins and policy bundles from OCI registries
// and local OCI image layouts, in the layouts gooci pushes (docs: ../shared/ccf-plugins.md §1.9):
// an image index whose descriptors carry the platform, Docker schema 2 (gooci v0.0.6) or OCI
// (v0.0.7) child manifests, and one tar+gzip layer with absolute member names and mode 0600.
//
// It parses references as the agent's configuration writes them (ParseReference, IsReference),
// resolves a tag or digest to the index digest and the platform manifest (Client.Resolve), and
// pulls a manifest's layers, verifying each digest as it streams to disk, extracting with
// internal/archive's hostile-archive rules, and publishing the tree atomically into a
// content-addressed cache directory keyed by the manifest digest, which is never rewritten in
// place (Client.Pull, Client.Lookup). Credentials come from the Docker config file and its
// credential helpers; plain http is used, and allowed, only for loopback registries. Every
// failure about a reference is an *Error: one line that names the reference and what to do.
// When the fix is an argus command (a moved tag, a tree that differs from the lock, a cache
// entry Lookup cannot use), the error only says what happened, with a sentinel or type, and
// internal/exitcode words the command.
//
// It is not responsible for deciding what to pin or when a moved tag is acceptable (the caller
// compares Resolved.Index with its lock: Resolved.CheckLocked), for the lock file
// (internal/lockfile), for the policy paths handed to a plugin, or for running plugins.
package oci
