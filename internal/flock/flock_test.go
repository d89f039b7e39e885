package flock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv switches the test binary into a lock-holding child process: it
// acquires the lock named by helperPathEnv, prints "locked", and holds the
// lock until its stdin is closed.
const (
	helperEnv     = "ARGUS_FLOCK_TEST_HELPER"
	helperPathEnv = "ARGUS_FLOCK_TEST_PATH"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "hold" {
		os.Exit(holdLock(os.Getenv(helperPathEnv)))
	}
	os.Exit(m.Run())
}

func holdLock(path string) int {
	l, err := Acquire(context.Background(), path, fmt.Sprintf("pid %d, test holder", os.Getpid()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := l.Release(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// holder is a child process holding a lock.
type holder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startHolder re-executes the test binary as a lock holder and returns once
// the child has the lock.
func startHolder(t *testing.T, path string) *holder {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=hold", helperPathEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &holder{cmd: cmd, stdin: stdin}
	t.Cleanup(func() {
		_ = h.stdin.Close()
		_ = h.cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "locked" {
		t.Fatalf("holder process did not report the lock: %q, %v", line, err)
	}
	return h
}

// release makes the child release the lock and exit, and checks it exited cleanly.
func (h *holder) release(t *testing.T) {
	t.Helper()
	if err := h.stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("holder process: %v", err)
	}
}

func acquireWithin(t *testing.T, path, info string, d time.Duration) (*Lock, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	return Acquire(ctx, path, info)
}

func checkHeld(t *testing.T, err error, path, wantHolder string) {
	t.Helper()
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("Acquire error = %v, want *HeldError", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Acquire error does not wrap context.DeadlineExceeded: %v", err)
	}
	if held.Path != path {
		t.Errorf("HeldError.Path = %q, want %q", held.Path, path)
	}
	if held.Holder != wantHolder {
		t.Errorf("HeldError.Holder = %q, want %q", held.Holder, wantHolder)
	}
	msg := err.Error()
	for _, want := range []string{"another argus process holds " + path, wantHolder, "--lock-timeout"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error message %q does not contain %q", msg, want)
		}
	}
}

func TestAcquireAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.lock")
	h := startHolder(t, path)

	_, err := acquireWithin(t, path, "second", 150*time.Millisecond)
	checkHeld(t, err, path, fmt.Sprintf("pid %d, test holder", h.cmd.Process.Pid))

	// A waiter that is already waiting gets the lock once the holder lets go.
	type result struct {
		l   *Lock
		err error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		l, err := Acquire(ctx, path, "waiter")
		done <- result{l, err}
	}()
	h.release(t)
	r := <-done
	if r.err != nil {
		t.Fatalf("Acquire after the holder released: %v", r.err)
	}
	defer func() {
		if err := r.l.Release(); err != nil {
			t.Error(err)
		}
	}()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "waiter\n" {
		t.Errorf("lock file content = %q, want the new holder's info %q", got, "waiter\n")
	}
}

func TestAcquireAfterHolderKilled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.lock")
	h := startHolder(t, path)
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = h.cmd.Wait()

	// The kernel released the lock with the process; the stale info it left
	// is replaced.
	l, err := acquireWithin(t, path, "after crash", 30*time.Second)
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	defer func() {
		if err := l.Release(); err != nil {
			t.Error(err)
		}
	}()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "after crash\n" {
		t.Errorf("lock file content = %q, want %q", got, "after crash\n")
	}
}

func TestAcquireWithinProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.lock")
	first, err := Acquire(t.Context(), path, "first holder with a longer description")
	if err != nil {
		t.Fatal(err)
	}
	_, err = acquireWithin(t, path, "second", 100*time.Millisecond)
	checkHeld(t, err, path, "first holder with a longer description")

	if err := first.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := first.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("lock file after Release: %v; it must not be deleted", err)
	}

	second, err := acquireWithin(t, path, "second", 0)
	if err != nil {
		t.Fatalf("Acquire of a released lock with no wait: %v", err)
	}
	defer func() {
		if err := second.Release(); err != nil {
			t.Error(err)
		}
	}()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "second\n" {
		t.Errorf("lock file content = %q, want %q (old, longer info truncated)", got, "second\n")
	}
}

func TestAcquireCanceled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.lock")
	first, err := Acquire(t.Context(), path, "first")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := first.Release(); err != nil {
			t.Error(err)
		}
	}()

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = Acquire(ctx, path, "second")
	var held *HeldError
	if !errors.As(err, &held) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire with a canceled context = %v, want *HeldError wrapping context.Canceled", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "interrupted") || !strings.Contains(msg, "first") {
		t.Errorf("error message %q should say the wait was interrupted and name the holder", msg)
	}
}

func TestAcquireMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "state.lock")
	_, err := Acquire(t.Context(), path, "x")
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Acquire in a missing directory = %v, want os.ErrNotExist naming %q", err, path)
	}
}

func TestHeldErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *HeldError
		want string
	}{
		{
			name: "deadline",
			err:  &HeldError{Path: "/s/state.lock", Holder: "pid 1, argus assess", Err: context.DeadlineExceeded},
			want: "another argus process holds /s/state.lock (pid 1, argus assess); it is still running, or wait/raise --lock-timeout",
		},
		{
			name: "holder not yet recorded",
			err:  &HeldError{Path: "/s/state.lock", Err: context.DeadlineExceeded},
			want: "another argus process holds /s/state.lock (holder unknown); it is still running, or wait/raise --lock-timeout",
		},
		{
			name: "canceled",
			err:  &HeldError{Path: "/s/state.lock", Holder: "pid 1", Err: context.Canceled},
			want: `interrupted while waiting for lock "/s/state.lock" held by another argus process (pid 1)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	at := time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC)
	got := Describe("argus assess", at)
	for _, want := range []string{fmt.Sprintf("pid %d ", os.Getpid()), "argus assess", "started 2026-11-24T20:00:00Z"} {
		if !strings.Contains(got, want) {
			t.Errorf("Describe = %q, want it to contain %q", got, want)
		}
	}
}

// fullDisk is a lock file on a full disk: every write fails with ENOSPC.
type fullDisk struct {
	f         *os.File
	truncated []int64
}

func (d *fullDisk) WriteAt([]byte, int64) (int, error) { return 0, syscall.ENOSPC }
func (d *fullDisk) Truncate(n int64) error {
	d.truncated = append(d.truncated, n)
	return d.f.Truncate(n)
}

// Issue 15 item 11: on a full disk the holder record cannot be written; that costs a warning,
// not the lock (otherwise every command fails, including the ones that free space).
func TestAcquireFullDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.lock")
	// A crashed holder left its info behind.
	if err := os.WriteFile(path, []byte("pid 1, crashed long ago\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var disk *fullDisk
	l, err := acquire(t.Context(), path, "pid 2, test", func(f *os.File) holderFile {
		disk = &fullDisk{f: f}
		return disk
	})
	if err != nil {
		t.Fatalf("acquire on a full disk: %v, want the lock with a warning", err)
	}
	t.Cleanup(func() { _ = l.Release() })
	if w := l.Warning(); !errors.Is(w, syscall.ENOSPC) || !strings.Contains(w.Error(), path) {
		t.Errorf("Warning() = %v, want ENOSPC naming %s", w, path)
	}
	// The lock is really held: another Acquire cannot take it, and does not blame the crashed
	// holder whose stale info the failed write left behind.
	_, err = acquireWithin(t, path, "pid 3, second", 0)
	checkHeld(t, err, path, "")
	if len(disk.truncated) == 0 || disk.truncated[0] != 0 {
		t.Errorf("truncations = %v, want the stale info cleared", disk.truncated)
	}
	// A lock whose record worked has no warning.
	other, err := Acquire(t.Context(), filepath.Join(t.TempDir(), "ok.lock"), "pid 4")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Release() }()
	if w := other.Warning(); w != nil {
		t.Errorf("Warning() = %v on a disk with space", w)
	}
}
