package outbox

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// flushFiles makes the data of the files at paths, all in dir, durable with one syncfs(2) of
// dir's file system. syncfs reports writeback errors since Linux 5.8; on an older kernel an
// I/O error can go unreported, as it can for fsync after an earlier failure.
func flushFiles(dir string, paths []string) error {
	if len(paths) == 1 {
		return fsyncEach(paths) // one file: fsync is the narrower wait
	}
	d, err := os.Open(dir) //nolint:gosec // G304: the outbox's own directory, opened only to sync its file system
	if err != nil {
		return err
	}
	err = unix.Syncfs(int(d.Fd()))
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("syncfs %q: %w", dir, err)
	}
	return nil
}
