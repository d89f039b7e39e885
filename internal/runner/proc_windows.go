//go:build windows

package runner

import (
	"os"
	"os/exec"
)

// isolate makes cancellation kill the provider. Windows has no process groups to signal here;
// argus's supported platforms for running providers are Linux and macOS, and this file exists
// so that the module builds everywhere.
func isolate(cmd *exec.Cmd, onCancel func()) {
	cmd.Cancel = func() error {
		onCancel()
		return cmd.Process.Kill()
	}
}

func killGroup(int) {}

func exitDetail(state *os.ProcessState) (code int, signal string) {
	return state.ExitCode(), ""
}
