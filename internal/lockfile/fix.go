package lockfile

import "github.com/hashicorp/hcl/v2"

// Fix is what repairs the lock file a diagnostic is about. It travels in the diagnostic's
// Extra; the sentence the user reads, which names the argus command, is the exit table's
// (exitcode.LockHints): this package names no argus command in its diagnostics.
type Fix int

// The fixes of lock file diagnostics.
const (
	FixRecreate  Fix = iota + 1 // delete the lock file and create it again with init
	FixDuplicate                // delete one of two blocks, or recreate the lock file
	FixRelock                   // run init to lock the provider again
	FixUpgrade                  // run init --upgrade to lock the provider again
)

// FixOf is the fix of d, or 0 when it has none.
func FixOf(d *hcl.Diagnostic) Fix {
	f, _ := d.Extra.(Fix)
	return f
}
