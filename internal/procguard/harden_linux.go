package procguard

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

func harden() []error {
	var errs []error
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		errs = append(errs, fmt.Errorf("make argus non-dumpable (providers may be able to read its environment): %w", err))
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		errs = append(errs, fmt.Errorf("make argus a child subreaper (processes a provider abandons cannot be killed): %w", err))
	}
	if err := closeOnExec(); err != nil {
		errs = append(errs, fmt.Errorf("mark inherited file descriptors close-on-exec (providers may inherit them): %w", err))
	}
	return errs
}

// closeOnExec marks every descriptor above 2 close-on-exec: close_range(2) does it in one call
// since Linux 5.11; older kernels get the loop over /proc/self/fd. Marking rather than closing
// leaves alone whatever the Go runtime has opened by now (all of it close-on-exec already).
func closeOnExec() error {
	err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("close_range: %w", err)
	}
	return markEach("/proc/self/fd")
}
