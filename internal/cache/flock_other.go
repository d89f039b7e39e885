//go:build !unix

package cache

import (
	"context"
	"fmt"
	"os"
)

// acquire creates the lock file exclusively; a crashed holder leaves it behind, and the error
// names it so that it can be removed by hand. Only unix systems get flock(2).
func acquire(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %q (remove it if no argus process is running): %w", path, err)
	}
	return func() { f.Close(); os.Remove(path) }, nil
}
