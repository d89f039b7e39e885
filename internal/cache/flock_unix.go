//go:build unix

package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// lockPoll is how often a waiting installer retries a held lock: flock(2) cannot wait under a
// context, so a non-blocking attempt is repeated until ctx ends.
const lockPoll = 20 * time.Millisecond

// acquire takes an exclusive lock on path (created if missing) and returns its release.
func acquire(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644) //nolint:gosec // G304: a lock file inside the cache directory
	if err != nil {
		return nil, fmt.Errorf("open lock file %q: %w", path, err)
	}
	t := time.NewTicker(lockPoll)
	defer t.Stop()
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() {
				_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			_ = f.Close() // the lock error is the one to report
			return nil, fmt.Errorf("lock %q: %w", path, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close() // the context error is the one to report
			return nil, fmt.Errorf("wait for lock %q held by another argus process: %w", path, ctx.Err())
		case <-t.C:
		}
	}
}
