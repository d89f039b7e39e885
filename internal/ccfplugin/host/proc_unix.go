//go:build unix

package host

import (
	"os/exec"
	"syscall"
)

// isolate starts cmd in a process group of its own and makes the context's end SIGKILL that
// whole group: by then the job's time is up, and a plugin hung in a handler would not act on
// a gentler signal anyway.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		killGroup(cmd.Process.Pid)
		return nil
	}
}

// killGroup SIGKILLs the process group led by pid; a group that is already gone is fine.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
