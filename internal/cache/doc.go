// Package cache is the provider store: a content-verified directory tree, shared by every
// project and CI run on a machine, that holds installed providers at
//
//	<dir>/providers/<host>/<ns>/<name>/<version>/<os>_<arch>-h1-<hex of h1>/   (registry providers)
//	<dir>/providers/local/<hex of h1>/                                          (local providers)
//
// Every entry is named by the hash of its content, so a published entry is never replaced by
// other bytes: an init that publishes another tree for the same version creates another
// directory, and an assess that verified an entry executes that entry.
//
// An entry is published only complete: it is built in a staging directory inside the cache,
// hashed, and renamed into place, under a per-entry file lock so that concurrent processes
// serialise. An existing entry is re-hashed and reused, never modified in place. A staging
// directory is owned through a flock on its own lock file, so the next install removes the ones
// a killed process left behind and never one a running install is filling.
//
// Verify checks an entry against its locked h1 hash without re-reading it when a verification
// record (<entry>.verified, HMAC-keyed by <dir>/verify.key, 0600) says that every file still
// has the device, inode, size, mode, mtime and ctime it had when it last hashed to that value;
// any change to a file (its ctime cannot be set back), an added or removed file, a copied or
// restored cache, or a record without the key means a full re-hash. Linux only; elsewhere
// every verification hashes in full.
//
// The package does not know where bytes come from or whether they are trustworthy: the caller
// (internal/install) downloads, checks signatures and extracts into the staging directory it is
// handed, and says which h1 hash the entry must have.
package cache
