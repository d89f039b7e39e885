//go:build unix && !linux

package procguard

import "fmt"

// harden does only the descriptor step: the other Unix systems argus builds for have no
// PR_SET_DUMPABLE or child subreaper of the same kind.
func harden() []error {
	if err := markEach("/dev/fd"); err != nil {
		return []error{fmt.Errorf("mark inherited file descriptors close-on-exec (providers may inherit them): %w", err)}
	}
	return nil
}
