//go:build !unix

package host

import "os/exec"

// isolate: without process groups only the plugin itself can be killed, which exec's default
// cancellation does.
func isolate(*exec.Cmd) {}

func killGroup(int) {}
