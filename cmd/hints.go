package cmd

import (
	"errors"

	"github.com/compliance-framework/argus/internal/assess"
	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/flock"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/lockfile"
)

// hint says what to do about an error, when argus knows.
func hint(err error) string {
	var held *flock.HeldError
	var unknownJob *assess.UnknownJobError
	var provider *assess.ProviderError
	switch {
	case errors.As(err, &held):
		return "another argus run on the same state is still going; wait for it, raise --lock-timeout, or use a different --state-dir"
	case errors.As(err, &unknownJob):
		return `run "argus plan --all" to list the jobs`
	case errors.As(err, &provider):
		return `run "argus init" to install and verify the providers the configuration names`
	}
	return ""
}

// installEvents shows the installer's steps on stderr: the plain lines people read, or log
// records under --log-format json.
func installEvents(a *app) install.Events {
	if a.logFormat == "json" {
		return install.LogEvents{Logger: a.logger}
	}
	return install.TextEvents{W: a.Stderr}
}

// installHint is the advice for an installer error, with the separator that puts it after the
// error's message, or "". internal/install no longer names argus commands in its errors
// (issue 11 item 2); this is where its hints live until the exit-code table takes them over.
func installHint(err error) string {
	var changed *install.ReleaseChangedError
	var mismatch *install.LockMismatchError
	var notInstalled *install.NotInstalledError
	var tampered *cache.MismatchError
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

// withInstallHints puts each installer error's hint at the end of its own line, where argus
// has always printed it (scripts match "…: run \"argus init --upgrade\""): every provider's
// error of an *install.Error gets its own.
func withInstallHints(err error) error {
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
