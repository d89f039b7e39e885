package exitcode

import (
	"errors"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/oci"
	"github.com/compliance-framework/argus/internal/runner"
)

// installHint is the advice for an installer error, with the separator that puts it after the
// error's message, or "". internal/install names no argus command in its errors; its hints
// live here. They end the error's own line rather than a separate "hint:" line because an
// install can fail for several providers at once, each with its own advice.
func installHint(err error) string {
	var (
		changed      *install.ReleaseChangedError
		downgrade    *install.DowngradeError
		mismatch     *install.LockMismatchError
		notInstalled *install.NotInstalledError
		tampered     *cache.MismatchError
	)
	switch {
	case errors.As(err, &changed):
		return ` (or run "argus init --upgrade" if the change is known and trusted)`
	case errors.As(err, &downgrade):
		return `: run "argus init --upgrade --allow-downgrade" to lock ` + downgrade.Chosen + ` anyway, or change the version constraint`
	case errors.As(err, &mismatch) && mismatch.NotVersion:
		return `: run "argus init --upgrade"`
	case errors.As(err, &mismatch):
		return `: run "argus init --upgrade" to choose a new version`
	case errors.Is(err, install.ErrNotLocked):
		return `: run "argus init" and commit ` + lockfile.FileName
	case errors.Is(err, install.ErrLockChanged):
		return `: run "argus init" without --lockfile=readonly and commit ` + lockfile.FileName
	case errors.As(err, &notInstalled) && errors.As(err, &tampered), errors.Is(err, oci.ErrCacheDamaged):
		return `: run "argus init" to reinstall it`
	case errors.As(err, &notInstalled), errors.Is(err, oci.ErrNotCached):
		return `: run "argus init" to install it`
	}
	return ""
}

// inlineHint is the advice said right after the message of the error inside err that it is
// about, rather than at the end of err's line, or "": an OCI error is wrapped by install with
// more of what happened ("… (lock changed: read-only lock mode …)"), and argus has always
// printed its advice before that (scripts match the whole sentence). at is the message of
// that inner error.
func inlineHint(err error) (at, hint string) {
	var (
		moved *oci.MovedError
		oe    *oci.Error
	)
	switch {
	case errors.As(err, &moved):
		return moved.Error(), `; run "argus init --upgrade" to accept it, or pin the reference by digest`
	case errors.As(err, &oe) && errors.Is(oe.Kind, oci.ErrTreeMismatch):
		return oe.Error(), `; run "argus init --upgrade" if that is expected`
	}
	return "", ""
}

// WithInstallHints puts each installer error's hint at the end of its own line, where argus
// has always printed it (scripts match "…: run \"argus init --upgrade\""): every provider's
// error of an *install.Error gets its own. Decide applies it; `argus providers` applies it to
// the status column of its table.
func WithInstallHints(err error) error {
	var lockRead *install.LockReadError
	if errors.As(err, &lockRead) {
		// The fixes end each diagnostic's detail, inside the message: it is reworded, not
		// appended to, wherever it is wrapped (kong joins a command's error).
		hintedMsg := (&install.LockReadError{Diags: LockHints(lockRead.Diags)}).Error()
		return &rewordedError{err: err, msg: strings.Replace(err.Error(), lockRead.Error(), hintedMsg, 1)}
	}
	if ie, ok := err.(*install.Error); ok { //nolint:errorlint // only Init's own aggregate is split per provider; anything wrapping it is hinted whole
		errs := make([]error, len(ie.Errs))
		for i, e := range ie.Errs {
			errs[i] = hinted(e)
		}
		return &install.Error{Errs: errs}
	}
	return hinted(err)
}

func hinted(err error) error {
	out := err
	if at, h := inlineHint(err); h != "" {
		out = &rewordedError{err: err, msg: strings.Replace(err.Error(), at, at+h, 1)}
	}
	if h := installHint(err); h != "" {
		return &hintedError{err: out, hint: h}
	}
	return out
}

// hintedError is err with its hint appended to its message; errors.Is and errors.As still see
// err.
type hintedError struct {
	err  error
	hint string
}

func (e *hintedError) Error() string { return e.err.Error() + e.hint }
func (e *hintedError) Unwrap() error { return e.err }

// rewordedError is err with its message replaced; errors.Is and errors.As still see err.
type rewordedError struct {
	err error
	msg string
}

func (e *rewordedError) Error() string { return e.msg }
func (e *rewordedError) Unwrap() error { return e.err }

// lockFixes are the sentences that end a lock file diagnostic's detail, by its fix.
var lockFixes = map[lockfile.Fix]string{
	lockfile.FixRecreate:  `Delete it and run "argus init" to recreate it.`,
	lockfile.FixDuplicate: `Delete one block, or delete the lock file and run "argus init".`,
	lockfile.FixRelock:    `Run "argus init" to lock it again.`,
	lockfile.FixUpgrade:   `Run "argus init --upgrade" to lock it again.`,
}

// LockHints returns diags with the fix of each lock file diagnostic (lockfile.FixOf) said at
// the end of its detail, where argus has always printed it; the others are as they were.
// diags itself is not changed.
func LockHints(diags hcl.Diagnostics) hcl.Diagnostics {
	if diags == nil {
		return nil
	}
	out := make(hcl.Diagnostics, len(diags))
	for i, d := range diags {
		out[i] = d
		if s, ok := lockFixes[lockfile.FixOf(d)]; ok {
			c := *d
			c.Detail += " " + s
			out[i] = &c
		}
	}
	return out
}

// FailureHint is the advice that ends the error result of a provider that failed
// (runner.Runner.Hint), or "".
func FailureHint(err error) string {
	var start *runner.StartError
	if errors.As(err, &start) {
		return ` (check that it is installed and executable: run "argus init")`
	}
	return ""
}
