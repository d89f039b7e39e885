// Package archive extracts zip and tar.gz archives from untrusted sources into a directory that
// they can never leave: no traversal, no links, no devices, bounded entry count and bytes
// written. argus's provider installer (internal/install) and its OCI puller (internal/oci) use
// the same rules; OCI layers differ only in that their member names start with "/"
// (Options.Names).
//
// It is not responsible for downloading or verifying archives (the caller checks digests before
// or while it hands the bytes over), for file modes (files are written 0644; a caller makes its
// entrypoint executable), or for publishing the extracted tree (internal/cache, internal/oci).
package archive
