package procguard

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// childSwitch makes the test binary, re-executed, call Harden and report what it sees instead
// of running tests: Harden changes process-wide settings that the test process must keep.
const childSwitch = "PROCGUARD_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childSwitch) == "1" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

// child hardens itself and prints "dumpable=D subreaper=S fd3cloexec=C".
func child() int {
	Harden(os.Stderr)
	dumpable, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var sub int32
	if err := unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&sub)), 0, 0, 0); err != nil { //nolint:gosec // G103: PR_GET_CHILD_SUBREAPER writes its answer through a pointer; x/sys has no typed wrapper
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	flags, err := unix.FcntlInt(3, unix.F_GETFD, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fd 3:", err)
		return 1
	}
	fmt.Printf("dumpable=%d subreaper=%d fd3cloexec=%v\n", dumpable, sub, flags&unix.FD_CLOEXEC != 0)
	return 0
}

func TestHardenLinux(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// An inherited descriptor, as a cron wrapper's log would be: not close-on-exec in the child.
	f, err := os.CreateTemp(t.TempDir(), "inherited")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	cmd := exec.CommandContext(t.Context(), exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childSwitch+"=1")
	cmd.ExtraFiles = []*os.File{f}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "dumpable=0 subreaper=1 fd3cloexec=true"; got != want {
		t.Errorf("after Harden: %s, want %s", got, want)
	}
}

// dupNoCloexec returns a descriptor that is not close-on-exec, as an inherited one would be.
func dupNoCloexec(t *testing.T) int {
	t.Helper()
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	fd, err := unix.Dup(int(f.Fd())) // dup(2) clears FD_CLOEXEC
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unix.Close(fd) })
	return fd
}

func cloexec(t *testing.T, fd int) bool {
	t.Helper()
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil {
		t.Fatal(err)
	}
	return flags&unix.FD_CLOEXEC != 0
}

// Both ways of marking descriptors work: close_range, and the /proc/self/fd loop that older
// kernels get. Marking the test process's own descriptors is harmless: Go's are marked already.
func TestCloseOnExec(t *testing.T) {
	for name, mark := range map[string]func() error{
		"close_range":   closeOnExec,
		"/proc/self/fd": func() error { return markEach("/proc/self/fd") },
	} {
		fd := dupNoCloexec(t)
		if cloexec(t, fd) {
			t.Fatal("dup returned a close-on-exec descriptor")
		}
		if err := mark(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !cloexec(t, fd) {
			t.Errorf("%s: fd %d is not close-on-exec", name, fd)
		}
	}
	if err := markEach(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("markEach of a missing directory succeeded")
	}
}
