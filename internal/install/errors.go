package install

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// The errors below say what is wrong and carry what a caller needs to advise the operator;
// they never name an argus command themselves. The command line maps them to a hint (run
// init, run init --upgrade, …) in one place.

// Error collects the failures of several providers.
type Error struct {
	Errs []error // one per failed provider, sorted by provider name
}

func (e *Error) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "\n")
}

func (e *Error) Unwrap() []error { return e.Errs }

// ErrLockChanged is wrapped by Init in LockReadOnly mode when the lock would change, either as
// a whole or because a provider is not locked yet. The fix is to run init in update mode and
// commit the lock file.
var ErrLockChanged = errors.New("the lock file would change")

// ErrNotLocked is wrapped by Init in LockReadOnly mode for a provider the lock does not pin
// yet. It wraps ErrLockChanged.
var ErrNotLocked = fmt.Errorf("%w: the provider is not locked", ErrLockChanged)

// LockMismatchError says that the lock pins a version of a provider that its block's version
// constraint no longer allows (or a version that does not parse). The fix is to choose a new
// version (init --upgrade).
type LockMismatchError struct {
	Locked     string // the locked version, as written in the lock file
	Constraint string // the provider block's version constraint
	NotVersion bool   // Locked is not a version at all
}

func (e *LockMismatchError) Error() string {
	if e.NotVersion {
		return fmt.Sprintf("locked version %q is not a version", e.Locked)
	}
	return fmt.Sprintf("locked version %s does not satisfy %q", e.Locked, e.Constraint)
}

// ReleaseChangedError says that the registry now publishes, for a locked version, an archive
// whose hash differs from the locked one: the release was changed after it was locked. It must
// not be used, unless the change is known and trusted (then init --upgrade re-locks it).
type ReleaseChangedError struct {
	Archive   string // the archive's file name
	Published string // the zh hash the signed SHA256SUMS now gives
	Locked    string // the zh hash in the lock file
}

func (e *ReleaseChangedError) Error() string {
	return fmt.Sprintf("archive %q: the registry now publishes %s, the lock file says %s: the release was changed after it was locked; do not use it",
		e.Archive, e.Published, e.Locked)
}

// DowngradeError says that init --upgrade chose a lower version than the lock pins: the
// block's constraint was narrowed below the locked version, or the locked version was yanked
// or withdrawn from the index. A lock only moves down when asked to (Request.AllowDowngrade).
type DowngradeError struct {
	Locked     string // the locked version
	Chosen     string // the newest version the constraint allows now
	Constraint string // the provider block's version constraint
	Yanked     string // why the locked version was yanked; "" when it was not
	Withdrawn  bool   // the index no longer lists the locked version
}

func (e *DowngradeError) Error() string {
	why := fmt.Sprintf("the newest version %q allows is lower than the locked one", e.Constraint)
	switch {
	case e.Yanked != "":
		why = fmt.Sprintf("the locked version is yanked (%s)", e.Yanked)
	case e.Withdrawn:
		why = "the index no longer lists the locked version"
	}
	return fmt.Sprintf("downgrade from %s to %s refused: %s", e.Locked, e.Chosen, why)
}

// NotInstalledError says that a provider block has nothing verified to run: the lock file
// does not pin it (or not for this platform), or its installed tree no longer matches the
// lock (Err then wraps a *cache.MismatchError). The fix is to run init.
type NotInstalledError struct {
	Provider string // the provider block's name
	Err      error  // what is missing or wrong
}

func (e *NotInstalledError) Error() string { return e.Err.Error() }

func (e *NotInstalledError) Unwrap() error { return e.Err }

// LockReadError is a lock file Init could not read or parse. Its diagnostics carry each
// one's fix (lockfile.FixOf), which the exit table words.
type LockReadError struct {
	Diags hcl.Diagnostics
}

func (e *LockReadError) Error() string { return "read lock file: " + e.Diags.Error() }

func (e *LockReadError) Unwrap() error { return e.Diags }
