//go:build !windows

package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

func syncDir(dir string) error {
	d, err := os.Open(dir) //nolint:gosec // G304: dir is the caller's own output directory, opened only to fsync it
	if err != nil {
		return err
	}
	err = d.Sync()
	closeErr := d.Close()
	// Some file systems (and some network mounts) refuse fsync on a
	// directory; restic tolerates the same two errors.
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("%w: %w", errSyncUnsupported, err)
	}
	if err != nil {
		return err
	}
	return closeErr
}
