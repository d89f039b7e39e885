package lockfile

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/compliance-framework/argus/internal/flock"
)

// DefaultWait is how long Exclusive waits by default for another argus changing the same lock
// file: long enough for an init that downloads several platforms, bounded so that a stuck
// process does not hold a pipeline forever.
const DefaultWait = 5 * time.Minute

// GuardPath is the file Exclusive locks for the lock file at path: hidden, next to it, so that
// the lock file itself is never rewritten by the lock's holder record (the configuration
// loader ignores hidden files).
func GuardPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
}

// Exclusive serialises one read-modify-write of the lock file at path across processes: hold
// it from before Load to after Write, so that two `argus providers lock` (or init) runs cannot
// each read the old file and the last writer drop the other's platforms. It waits at most wait
// (under ctx; zero or less tries once) and returns the release. The lock is the operating
// system's, released however the holder exits.
func Exclusive(ctx context.Context, path string, wait time.Duration, command string) (release func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, max(wait, 0))
	defer cancel()
	l, err := flock.Acquire(ctx, GuardPath(path), flock.Describe(command+" (changing "+filepath.Base(path)+")", time.Now()))
	if err != nil {
		return nil, fmt.Errorf("another argus is changing %s: %w", path, err)
	}
	// The holder record is advisory (l.Warning): a full disk must not stop the lock from
	// working. Release fails only if the descriptor is gone, and the kernel drops the lock
	// when argus exits either way.
	return func() { _ = l.Release() }, nil
}
