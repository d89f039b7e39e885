//go:build !linux

package outbox

// flushFiles makes the data of the files at paths durable. Without syncfs(2), that is one
// fsync per file; the batch still saves the per-item directory fsync.
func flushFiles(_ string, paths []string) error { return fsyncEach(paths) }
