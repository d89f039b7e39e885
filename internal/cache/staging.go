package cache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/compliance-framework/argus/internal/flock"
)

// A staging directory <dir>/staging/entry-N is owned by the process holding the flock on
// entry-N.lock beside it. The owner creates and locks the lock file before the directory and
// removes the directory before the lock file, so a directory whose lock is free (or missing:
// left by an argus from before this scheme) belongs to a process that was killed mid-install,
// and the next install removes it. A SIGKILLed init no longer leaves staging trees forever.

const stagingLockSuffix = ".lock"

// newStaging creates a staging directory under root owned by this process, after removing
// stale ones. release removes it and gives up ownership.
func newStaging(ctx context.Context, root string) (dir string, release func(), err error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", nil, fmt.Errorf("create staging directory: %w", err)
	}
	cleanStaging(root)
	for {
		lf, err := os.CreateTemp(root, "entry-*"+stagingLockSuffix)
		if err != nil {
			return "", nil, fmt.Errorf("create staging directory: %w", err)
		}
		lockPath := lf.Name()
		_ = lf.Close() // reopened by flock.Acquire; this file only reserved the unique name
		l, err := flock.Acquire(ctx, lockPath, flock.Describe("argus staging a provider", time.Now()))
		if err != nil {
			return "", nil, fmt.Errorf("create staging directory: %w", err)
		}
		// A cleaner may have taken the free lock between CreateTemp and Acquire and removed
		// the file: our lock is then on a file nobody else can see. Start again.
		if _, err := os.Stat(lockPath); err != nil {
			_ = l.Release()
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return "", nil, fmt.Errorf("create staging directory: %w", err)
		}
		dir = strings.TrimSuffix(lockPath, stagingLockSuffix)
		if err := os.Mkdir(dir, 0o755); err != nil {
			_ = os.Remove(lockPath)
			_ = l.Release()
			return "", nil, fmt.Errorf("create staging directory: %w", err)
		}
		return dir, func() {
			// Best effort: what is left here is removed by the next install's cleanStaging.
			_ = os.RemoveAll(dir)
			_ = os.Remove(lockPath) // while still holding it: see the comment above
			_ = l.Release()
		}, nil
	}
}

// cleanStaging removes the staging directories (and lock files) under root that no live
// process owns. It is best effort: a failure leaves the leftovers for the next install.
func cleanStaging(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	names := map[string]bool{} // staging names, from a directory or a lock file
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, "entry-") {
			continue
		}
		names[strings.TrimSuffix(name, stagingLockSuffix)] = true
	}
	// An expired context: Acquire tries once and never waits for a live owner.
	tryOnce, cancel := context.WithCancel(context.Background())
	cancel()
	for name := range names {
		dir := filepath.Join(root, name)
		lockPath := dir + stagingLockSuffix
		if _, err := os.Lstat(lockPath); errors.Is(err, fs.ErrNotExist) {
			// No lock file: an owner always creates one first, so this is a leftover of an
			// argus that staged without locks.
			_ = os.RemoveAll(dir)
			continue
		}
		l, err := flock.Acquire(tryOnce, lockPath, flock.Describe("argus removing a stale staging directory", time.Now()))
		if err != nil {
			continue // owned by a running install, or unreadable: leave it
		}
		_ = os.RemoveAll(dir)
		_ = os.Remove(lockPath)
		_ = l.Release()
	}
}
