package exitcode

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/oci"
	"github.com/compliance-framework/argus/internal/runner"
)

// The installer's errors no longer carry hints; WithInstallHints puts back, from one place,
// the very lines argus printed before (issue 11 item 2), while errors.Is/As still see the
// installer's types.
func TestWithInstallHints(t *testing.T) {
	prov := func(err error) error {
		return fmt.Errorf("provider %q (%s): %w", "hello", "registry.test/acme/hello", err)
	}
	const (
		idxOld = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
		idxNow = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	)
	ref := oci.Reference{Registry: "registry.test", Repository: "acme/plugin-test", Tag: "v1"}
	moved := &oci.MovedError{Ref: ref, Locked: idxOld, Now: idxNow}
	treeDiffers := &oci.Error{Ref: ref.String(), Kind: oci.ErrTreeMismatch,
		Msg: "the tree of manifest m hashes to h1:b, but the lock file says h1:a: the content differs from what was locked"}
	// The real Lookup, so that the test fails if its errors stop being what the table maps.
	cacheDir := t.TempDir()
	_, notCached := (&oci.Client{CacheDir: cacheDir}).Lookup(idxOld, "h1:a", oci.KindPlugin)
	_, noHash := (&oci.Client{CacheDir: cacheDir}).Lookup(idxOld, "", oci.KindPlugin)
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
		{"downgrade", &install.Error{Errs: []error{prov(&install.DowngradeError{Locked: "1.1.0", Chosen: "1.0.0", Constraint: "1.0.0"})}},
			`provider "hello" (registry.test/acme/hello): downgrade from 1.1.0 to 1.0.0 refused: the newest version "1.0.0" allows is lower than the locked one: run "argus init --upgrade --allow-downgrade" to lock 1.0.0 anyway, or change the version constraint`, nil},
		// internal/oci names no argus command either (issue 11 item 2).
		{"tag moved, read-only", &install.Error{Errs: []error{prov(fmt.Errorf("%w (%w: read-only lock mode, the default when CI=true)", moved, install.ErrLockChanged))}},
			`provider "hello" (registry.test/acme/hello): registry.test/acme/plugin-test:v1: the tag now names ` + idxNow + `, but the lock file pins ` + idxOld + `: someone pushed a new artifact under the same tag; run "argus init --upgrade" to accept it, or pin the reference by digest (the lock file would change: read-only lock mode, the default when CI=true): run "argus init" without --lockfile=readonly and commit argus.lock.hcl`, oci.ErrMoved},
		{"tag moved, alone", moved,
			`registry.test/acme/plugin-test:v1: the tag now names ` + idxNow + `, but the lock file pins ` + idxOld + `: someone pushed a new artifact under the same tag; run "argus init --upgrade" to accept it, or pin the reference by digest`, oci.ErrMoved},
		{"pulled tree differs from the lock", &install.Error{Errs: []error{prov(fmt.Errorf("pull: %w", treeDiffers))}},
			`provider "hello" (registry.test/acme/hello): pull: registry.test/acme/plugin-test:v1: the tree of manifest m hashes to h1:b, but the lock file says h1:a: the content differs from what was locked; run "argus init --upgrade" if that is expected`, oci.ErrDigestMismatch},
		{"OCI entry not in the cache", &install.NotInstalledError{Provider: "test", Err: fmt.Errorf("CCF plugin %q: %w", "test", notCached)},
			`CCF plugin "test": ` + idxOld + ` is not in the cache ` + cacheDir + `: run "argus init" to install it`, oci.ErrNotCached},
		{"OCI entry without a tree hash", noHash,
			`look up ` + idxOld + ` in the cache: no tree hash to verify against: run "argus init" to install it`, oci.ErrNotCached},
		{"OCI entry damaged", &install.NotInstalledError{Provider: "test", Err: fmt.Errorf("CCF plugin %q: %w", "test", &oci.LookupError{Kind: oci.ErrCacheDamaged, Msg: "cached plugin m", Err: errors.New(`no executable "plugin"`)})},
			`CCF plugin "test": cached plugin m: no executable "plugin": run "argus init" to reinstall it`, oci.ErrCacheDamaged},
		{"OCI entry tampered", &install.NotInstalledError{Provider: "test", Err: &oci.LookupError{Kind: oci.ErrCacheDamaged, Err: &cache.MismatchError{Dir: "/c", Want: "h1:a", Got: "h1:b"}}},
			`installed provider "/c" has hash h1:b, but the lock file says h1:a: it was modified after install: run "argus init" to reinstall it`, oci.ErrCacheDamaged},
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

// Lock file diagnostics name no argus command; LockHints words each one's fix as argus has
// always printed it (issue 11 item 2).
func TestLockHints(t *testing.T) {
	const index = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	for _, tt := range []struct {
		name, src, want string // want: the detail of the first diagnostic
	}{
		{"duplicate provider", "provider \"a.b/c/d\" {\n  version = \"1.0.0\"\n}\nprovider \"a.b/c/d\" {\n  version = \"1.0.0\"\n}\n",
			`Provider "a.b/c/d" is locked twice. Delete one block, or delete the lock file and run "argus init".`},
		{"no version", "provider \"a.b/c/d\" {\n}\n", `Provider "a.b/c/d" has no version. Run "argus init --upgrade" to lock it again.`},
		{"local with version", "provider \"./x\" {\n  version = \"1.0.0\"\n}\n",
			`Local provider "./x" cannot have a version or signer. Run "argus init" to lock it again.`},
		{"bad OCI index", "provider \"ghcr.io/a/b:v1\" {\n  kind = \"ccf-plugin\"\n  protocol_version = 1\n  index = \"sha256:abc\"\n}\n",
			`Provider "ghcr.io/a/b:v1": index "sha256:abc" is not a sha256 digest ("sha256:" and 64 hex digits). Run "argus init" to lock it again.`},
		{"OCI platform without manifest", "provider \"ghcr.io/a/b:v1\" {\n  kind = \"ccf-plugin\"\n  protocol_version = 1\n  index = \"" + index + "\"\n  platform \"linux_amd64\" {\n    hashes = [\"h1:A=\"]\n  }\n}\n",
			``},
		{"duplicate policy", "policy \"./p\" {\n  hash = \"h1:A=\"\n}\npolicy \"./p\" {\n  hash = \"h1:A=\"\n}\n",
			`Policy "./p" is locked twice. Delete one block, or delete the lock file and run "argus init".`},
		{"bad hash scheme: no fix", "provider \"a.b/c/d\" {\n  version = \"1.0.0\"\n  platform \"linux_amd64\" { hashes = [\"md5:x\"] }\n}\n",
			`Hash "md5:x" of provider "a.b/c/d" (linux_amd64) is neither "h1:…" nor "zh:…".`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := lockfile.Parse([]byte(tt.src), lockfile.FileName)
			if !diags.HasErrors() {
				t.Fatal("no diagnostics")
			}
			before := diags[0].Detail
			got := LockHints(diags)
			if strings.Contains(before, "argus") {
				t.Errorf("lockfile's own detail names an argus command: %q", before)
			}
			if diags[0].Detail != before {
				t.Errorf("LockHints changed its input: %q", diags[0].Detail)
			}
			if tt.want == "" { // the detail is long; only its ending is checked
				if !strings.HasSuffix(got[0].Detail, `. Run "argus init" to lock it again.`) {
					t.Errorf("detail %q does not end with the relock hint", got[0].Detail)
				}
				return
			}
			if got[0].Detail != tt.want {
				t.Errorf("detail:\n got %s\nwant %s", got[0].Detail, tt.want)
			}
		})
	}
	if LockHints(nil) != nil {
		t.Error("LockHints(nil) is not nil")
	}

	// init reads the lock itself: its error is worded the same way, and still is the diagnostics.
	_, diags := lockfile.Parse([]byte("provider \"a.b/c/d\" {\n}\n"), lockfile.FileName)
	want := `read lock file: argus.lock.hcl:1,1-19: Invalid provider in lock file; Provider "a.b/c/d" has no version. Run "argus init --upgrade" to lock it again.`
	// As Init returns it, and as kong hands it back (joined).
	for _, in := range []error{&install.LockReadError{Diags: diags}, errors.Join(&install.LockReadError{Diags: diags})} {
		err := WithInstallHints(in)
		if err.Error() != want {
			t.Errorf("got  %s\nwant %s", err, want)
		}
		var d hcl.Diagnostics
		if !errors.As(err, &d) {
			t.Error("the hinted LockReadError lost its diagnostics")
		}
	}
}

func TestFailureHint(t *testing.T) {
	start := fmt.Errorf("job: %w", &runner.StartError{Path: "/p", Err: os.ErrNotExist})
	if got, want := FailureHint(start), ` (check that it is installed and executable: run "argus init")`; got != want {
		t.Errorf("FailureHint(StartError) = %q, want %q", got, want)
	}
	if got := FailureHint(&runner.TimeoutError{}); got != "" {
		t.Errorf("FailureHint(TimeoutError) = %q, want none", got)
	}
}
