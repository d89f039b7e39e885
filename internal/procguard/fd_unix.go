//go:build unix

package procguard

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// markEach marks every descriptor listed in dir (/proc/self/fd, /dev/fd) above 2 close-on-exec.
// The descriptor that reads dir is listed too; marking it is harmless.
func markEach(dir string) error {
	d, err := os.Open(dir) //nolint:gosec // G304: dir is /proc/self/fd or /dev/fd, fixed by the callers
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }() // read-only
	names, err := d.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	var errs []error
	for _, n := range names {
		fd, err := strconv.Atoi(n)
		if err != nil || fd <= 2 {
			continue
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil && !errors.Is(err, unix.EBADF) {
			errs = append(errs, fmt.Errorf("fd %d: %w", fd, err))
		}
	}
	return errors.Join(errs...)
}
