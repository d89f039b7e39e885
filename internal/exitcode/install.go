package exitcode

import (
	"errors"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/lockfile"
)

// installHint is the advice for an installer error, with the separator that puts it after the
// error's message, or "". internal/install names no argus command in its errors; its hints
// live here. They end the error's own line rather than a separate "hint:" line because an
// install can fail for several providers at once, each with its own advice.
func installHint(err error) string {
	var (
		changed      *install.ReleaseChangedError
		mismatch     *install.LockMismatchError
		notInstalled *install.NotInstalledError
		tampered     *cache.MismatchError
	)
	switch {
	case errors.As(err, &changed):
		return ` (or run "argus init --upgrade" if the change is known and trusted)`
	case errors.As(err, &mismatch) && mismatch.NotVersion:
		return `: run "argus init --upgrade"`
	case errors.As(err, &mismatch):
		return `: run "argus init --upgrade" to choose a new version`
	case errors.Is(err, install.ErrNotLocked):
		return `: run "argus init" and commit ` + lockfile.FileName
	case errors.Is(err, install.ErrLockChanged):
		return `: run "argus init" without --lockfile=readonly and commit ` + lockfile.FileName
	case errors.As(err, &notInstalled) && errors.As(err, &tampered):
		return `: run "argus init" to reinstall it`
	case errors.As(err, &notInstalled):
		return `: run "argus init" to install it`
	}
	return ""
}

// WithInstallHints puts each installer error's hint at the end of its own line, where argus
// has always printed it (scripts match "…: run \"argus init --upgrade\""): every provider's
// error of an *install.Error gets its own. Decide applies it; `argus providers` applies it to
// the status column of its table.
func WithInstallHints(err error) error {
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
	if h := installHint(err); h != "" {
		return &hintedError{err: err, hint: h}
	}
	return err
}

// hintedError is err with its hint appended to its message; errors.Is and errors.As still see
// err.
type hintedError struct {
	err  error
	hint string
}

func (e *hintedError) Error() string { return e.err.Error() + e.hint }
func (e *hintedError) Unwrap() error { return e.err }
