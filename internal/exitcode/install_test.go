package exitcode

import (
	"errors"
	"fmt"
	"testing"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/install"
)

// The installer's errors no longer carry hints; WithInstallHints puts back, from one place,
// the very lines argus printed before (issue 11 item 2), while errors.Is/As still see the
// installer's types.
func TestWithInstallHints(t *testing.T) {
	prov := func(err error) error {
		return fmt.Errorf("provider %q (%s): %w", "hello", "registry.test/acme/hello", err)
	}
	for _, tt := range []struct {
		name string
		err  error
		want string
		is   error
	}{
		{"lock mismatch", &install.Error{Errs: []error{prov(&install.LockMismatchError{Locked: "1.1.0", Constraint: "1.0.0"})}},
			`provider "hello" (registry.test/acme/hello): locked version 1.1.0 does not satisfy "1.0.0": run "argus init --upgrade" to choose a new version`, nil},
		{"locked nonsense", &install.Error{Errs: []error{prov(&install.LockMismatchError{Locked: "x", NotVersion: true})}},
			`provider "hello" (registry.test/acme/hello): locked version "x" is not a version: run "argus init --upgrade"`, nil},
		{"read-only, whole lock", fmt.Errorf("%w: x would be added (read-only lock mode, the default when CI=true)", install.ErrLockChanged),
			`the lock file would change: x would be added (read-only lock mode, the default when CI=true): run "argus init" without --lockfile=readonly and commit argus.lock.hcl`, install.ErrLockChanged},
		{"read-only, not locked", &install.Error{Errs: []error{prov(fmt.Errorf("%w (read-only lock mode)", install.ErrNotLocked))}},
			`provider "hello" (registry.test/acme/hello): the lock file would change: the provider is not locked (read-only lock mode): run "argus init" and commit argus.lock.hcl`, install.ErrLockChanged},
		{"release changed", &install.Error{Errs: []error{prov(fmt.Errorf("version 1.0.0: %w", &install.ReleaseChangedError{Archive: "a.zip", Published: "zh:1", Locked: "zh:2"}))}},
			`provider "hello" (registry.test/acme/hello): version 1.0.0: archive "a.zip": the registry now publishes zh:1, the lock file says zh:2: the release was changed after it was locked; do not use it (or run "argus init --upgrade" if the change is known and trusted)`, nil},
		{"not installed", &install.NotInstalledError{Provider: "hello", Err: errors.New(`provider "hello" (registry.test/acme/hello) is not in argus.lock.hcl`)},
			`provider "hello" (registry.test/acme/hello) is not in argus.lock.hcl: run "argus init" to install it`, nil},
		{"tampered", &install.NotInstalledError{Provider: "hello", Err: fmt.Errorf("provider %q: %w", "hello", &cache.MismatchError{Dir: "/c", Want: "h1:a", Got: "h1:b"})},
			`provider "hello": installed provider "/c" has hash h1:b, but the lock file says h1:a: it was modified after install: run "argus init" to reinstall it`, nil},
		{"other", errors.New("boom"), "boom", nil},
	} {
		got := WithInstallHints(tt.err)
		if got.Error() != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
		if tt.is != nil && !errors.Is(got, tt.is) {
			t.Errorf("%s: errors.Is(%v) lost", tt.name, tt.is)
		}
	}
	var mm *install.LockMismatchError
	if !errors.As(WithInstallHints(&install.Error{Errs: []error{&install.LockMismatchError{}}}), &mm) {
		t.Error("errors.As lost the LockMismatchError")
	}
}
