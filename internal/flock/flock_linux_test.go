package flock

import (
	"errors"
	"syscall"
	"testing"
)

// The same as TestAcquireFullDisk with a real ENOSPC: every write to /dev/full fails with it.
func TestAcquireDevFull(t *testing.T) {
	l, err := Acquire(t.Context(), "/dev/full", "pid 1, test")
	if err != nil {
		t.Fatalf("Acquire(/dev/full): %v, want the lock with a warning", err)
	}
	defer func() { _ = l.Release() }()
	if w := l.Warning(); !errors.Is(w, syscall.ENOSPC) {
		t.Errorf("Warning() = %v, want ENOSPC", w)
	}
}
