package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/compliance-framework/argus/internal/flock"
)

// acquire takes the exclusive lock of one cache entry (path, created if missing), waiting under
// ctx, and returns its release. The lock records who holds it, so a waiter that gives up can say.
func acquire(ctx context.Context, path string) (func(), error) {
	l, err := flock.Acquire(ctx, path, flock.Describe("argus installing into the provider cache", time.Now()))
	if err != nil {
		return nil, fmt.Errorf("lock cache entry: %w", err)
	}
	return func() { _ = l.Release() }, nil // releasing a lock we hold fails only if the fd is gone
}
