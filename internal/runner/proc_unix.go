//go:build unix

package runner

import (
	"errors"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// isolate starts cmd in its own process group so that the provider and everything it spawns
// can be signalled together, and makes cancellation send SIGTERM to that whole group.
// onCancel runs first, so the caller knows the provider was asked to stop.
func isolate(cmd *exec.Cmd, onCancel func()) {
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error {
		onCancel()
		return signalGroup(cmd.Process.Pid, syscall.SIGTERM)
	}
}

// killGroup sends SIGKILL to the process group led by pid. exec's WaitDelay only kills the
// leader, so this is what stops children that ignore SIGTERM.
func killGroup(pid int) {
	_ = signalGroup(pid, syscall.SIGKILL)
}

func signalGroup(pid int, sig syscall.Signal) error {
	err := syscall.Kill(-pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// exitDetail returns the exit code of a finished process, or the name of the signal that
// killed it ("SIGSEGV").
func exitDetail(state *os.ProcessState) (code int, signal string) {
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		name := unix.SignalName(ws.Signal())
		if name == "" {
			name = ws.Signal().String()
		}
		return -1, name
	}
	return state.ExitCode(), ""
}
