package flock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// pollInterval is how often a waiter retries a held lock. flock has no
// blocking call that honours a context, so waiting is polling; 50ms keeps
// the hand-over quick without measurable load.
const pollInterval = 50 * time.Millisecond

// maxHolderInfo bounds how much of a lock file is read as holder info, so a
// lock path pointed at a large file by mistake cannot blow up an error message.
const maxHolderInfo = 1024

// Lock is a held exclusive lock. It is not safe for concurrent use: one
// owner acquires it and releases it.
type Lock struct {
	path string
	f    *os.File
	// warning is why the holder info could not be recorded (e.g. ENOSPC on a full disk). The
	// record only decorates a waiter's error, so failing to write it must not cost the lock:
	// on a full disk the commands that free space (outbox flush, outbox drop) need it most.
	warning error
}

// holderFile is what recording the holder info needs of the lock file. It exists so that a
// test can make the write fail (a full disk) without filling one.
type holderFile interface {
	WriteAt(b []byte, off int64) (int, error)
	Truncate(size int64) error
}

// HeldError reports that the lock at Path stayed held by another process (or
// another Lock in this process) until the caller's context ended.
type HeldError struct {
	Path   string
	Holder string // what the holder recorded; empty when it had not yet written it
	Err    error  // the context's error: context.DeadlineExceeded or context.Canceled
}

func (e *HeldError) Error() string {
	holder := e.Holder
	if holder == "" {
		holder = "holder unknown"
	}
	if errors.Is(e.Err, context.Canceled) {
		return fmt.Sprintf("interrupted while waiting for lock %q held by another argus process (%s)", e.Path, holder)
	}
	return fmt.Sprintf("another argus process holds %s (%s); it is still running, or wait/raise --lock-timeout", e.Path, holder)
}

func (e *HeldError) Unwrap() error { return e.Err }

// Describe returns holder info for the current process in the form Acquire's
// callers are expected to record, e.g.
// "pid 1234 on host web-1, argus assess, started 2026-11-24T20:00:00Z".
func Describe(command string, started time.Time) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown host"
	}
	return fmt.Sprintf("pid %d on host %s, %s, started %s", os.Getpid(), host, command, started.Format(time.RFC3339))
}

// Acquire takes the exclusive lock on path, creating the file if needed, and
// records info in it. While another holder has it, Acquire retries until ctx
// ends and then returns a *HeldError that wraps ctx.Err(). A free lock is
// taken even if ctx has already expired, so a zero wait means "try once".
//
// Recording info is advisory: when it fails (a full disk), Acquire still
// returns the held lock, and [Lock.Warning] says what went wrong.
func Acquire(ctx context.Context, path string, info string) (*Lock, error) {
	return acquire(ctx, path, info, func(f *os.File) holderFile { return f })
}

func acquire(ctx context.Context, path string, info string, holder func(*os.File) holderFile) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644) //nolint:gosec // G304: the lock path is the caller's own, next to the file it guards
	if err != nil {
		return nil, fmt.Errorf("open lock file %q: %w", path, err)
	}
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		locked, err := tryLock(f)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("lock %q: %w", path, err)
		}
		if locked {
			break
		}
		select {
		case <-ctx.Done():
			holder := readHolder(f)
			_ = f.Close()
			return nil, &HeldError{Path: path, Holder: holder, Err: ctx.Err()}
		case <-ticker.C:
		}
	}

	l := &Lock{path: path, f: f}
	l.warning = l.record(holder(f), info)
	return l, nil
}

// record replaces the previous holder's info (possibly left by a process
// that crashed) with ours. It writes before truncating so that a waiter
// reading concurrently sees stale or mixed text, never an empty file. When
// the write fails, it clears the file instead, so that a waiter reports
// "holder unknown" rather than blaming the previous holder.
func (l *Lock) record(f holderFile, info string) error {
	info = strings.TrimSpace(info) + "\n"
	if _, err := f.WriteAt([]byte(info), 0); err != nil {
		_ = f.Truncate(0) // best effort: shrinking needs no space, and stale info only misleads
		return fmt.Errorf("record holder in lock file %q (the lock is held; a process waiting for it cannot say who holds it): %w", l.path, err)
	}
	if err := f.Truncate(int64(len(info))); err != nil {
		return fmt.Errorf("record holder in lock file %q (the lock is held): %w", l.path, err)
	}
	return nil
}

// Warning is why the holder info could not be recorded, or nil. The lock is
// held either way; callers log the warning.
func (l *Lock) Warning() error { return l.warning }

// readHolder returns the info recorded by the current holder, or "" if it
// cannot be read; it only decorates an error, so failures are not reported.
func readHolder(f *os.File) string {
	b, err := io.ReadAll(io.LimitReader(io.NewSectionReader(f, 0, maxHolderInfo), maxHolderInfo))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Path returns the lock file's path.
func (l *Lock) Path() string { return l.path }

// Release clears the holder info and releases the lock. The lock file stays
// (see the package comment). Calling Release more than once is a no-op.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	// Clear our info while we still hold the lock so nobody blames us for a
	// later wait; failure here is harmless because the next holder rewrites it.
	_ = f.Truncate(0)
	err := unlock(f)
	closeErr := f.Close()
	if err != nil {
		return fmt.Errorf("unlock %q: %w", l.path, err)
	}
	if closeErr != nil {
		return fmt.Errorf("close lock file %q: %w", l.path, closeErr)
	}
	return nil
}
