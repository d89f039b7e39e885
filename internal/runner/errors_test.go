package runner

import (
	"errors"
	"os"
	"testing"
)

// A caller tells why a provider failed through the chain: the signal that interrupted it, the
// os error that kept it from starting, the decode error of its output.
func TestFailuresUnwrapToTheirCause(t *testing.T) {
	cause := errors.New("received SIGTERM")
	tests := []struct {
		name   string
		err    error
		target error
	}{
		{"not started", &NotStartedError{Cause: cause}, cause},
		{"start", &StartError{Path: "/p", Err: os.ErrPermission}, os.ErrPermission},
		{"interrupted", &InterruptedError{Cause: cause}, cause},
		{"output", &OutputError{Err: cause}, cause},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.target) {
				t.Errorf("%v does not unwrap to %v", tt.err, tt.target)
			}
		})
	}
}
