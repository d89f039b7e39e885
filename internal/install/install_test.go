package install

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/getter"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/registrytest"
)

// recorder is an Events that keeps every event.
type recorder struct{ events []Event }

func (r *recorder) Event(e Event) { r.events = append(r.events, e) }

// kinds are the kinds of the events recorded so far, and forgets them.
func (r *recorder) kinds() []EventKind {
	var out []EventKind
	for _, e := range r.events {
		out = append(out, e.Kind)
	}
	r.events = nil
	return out
}

// env is one project (config dir) and one cache, against one registry.
type env struct {
	reg    *registrytest.Registry
	cfg    *config.Config
	cache  *cache.Cache
	events recorder
	getter *getter.Getter
	limits Limits
}

func newEnv(t *testing.T, tls bool) *env {
	t.Helper()
	reg := registrytest.New(t, registrytest.Options{TLS: tls})
	e := &env{reg: reg, cache: &cache.Cache{Dir: t.TempDir()}}
	e.cfg = &config.Config{Dir: t.TempDir(),
		Registries: []config.Registry{{Host: reg.Host, URL: reg.URL(), SigningKeys: []string{reg.Key.String()}}}}
	e.getter = getter.New(&getter.Options{RootCAs: reg.CertPool(), HeaderTimeout: 2 * time.Second, Timeout: 10 * time.Second})
	return e
}

func (e *env) provider(name, constraint string) {
	e.cfg.Providers = append(e.cfg.Providers, config.Provider{Name: name, Source: e.reg.Source("acme", name), Version: constraint})
}

func (e *env) request() Request {
	return Request{Config: e.cfg, Cache: e.cache, Fetcher: e.getter, Events: &e.events, Limits: e.limits}
}

func (e *env) init(t *testing.T, mod func(*Request)) (Result, error) {
	t.Helper()
	req := e.request()
	if mod != nil {
		mod(&req)
	}
	return Init(context.Background(), req)
}

// installCIS publishes cis 1.4.0, adds a provider block for it and installs it.
func (e *env) installCIS(t *testing.T) Result {
	t.Helper()
	e.publish(t, "cis", "1.4.0", nil)
	e.provider("cis", ">= 1.0.0")
	res, err := e.init(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (e *env) lock(t *testing.T) *lockfile.Lock {
	t.Helper()
	l, diags := lockfile.Load(filepath.Join(e.cfg.Dir, lockfile.FileName))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return l
}

func (e *env) publish(t *testing.T, name, version string, mod func(*registrytest.Release)) {
	t.Helper()
	r := registrytest.Release{Namespace: "acme", Name: name, Version: version, Executable: registrytest.Script(name + " " + version)}
	if mod != nil {
		mod(&r)
	}
	e.reg.Publish(t, r)
}

// assertNothingInstalled checks that a failed init left no entry, no staging and no lock.
func (e *env) assertNothingInstalled(t *testing.T) {
	t.Helper()
	var found []string
	err := filepath.WalkDir(e.cache.Dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(p, ".lock") {
			found = append(found, p)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("walk the cache: %v", err)
	}
	if len(found) > 0 {
		t.Errorf("files left in the cache after a failed init: %v", found)
	}
	if entries, _ := os.ReadDir(filepath.Join(e.cache.Dir, "staging")); len(entries) > 0 {
		t.Errorf("staging directories left: %d", len(entries))
	}
	if entries, _ := os.ReadDir(e.cfg.Dir); len(entries) > 0 {
		t.Errorf("files written into the project directory after a failed init: %v", entries)
	}
}

func runProvider(t *testing.T, entry string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), entry)
	cmd.Stdin = strings.NewReader(`{"protocol":1}`)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run %s: %v", entry, err)
	}
	return string(out)
}

func TestInitInstallsVerifiesAndLocks(t *testing.T) {
	for _, tls := range []bool{true, false} {
		t.Run(map[bool]string{true: "https", false: "loopback http"}[tls], func(t *testing.T) {
			e := newEnv(t, tls)
			e.publish(t, "cis", "1.4.0", nil)
			e.publish(t, "cis", "1.4.1", nil)
			e.publish(t, "cis", "2.0.0", nil)
			e.provider("cis", ">= 1.4.0, < 2.0.0")
			res, err := e.init(t, nil)
			if err != nil {
				t.Fatalf("Init: %v", err)
			}
			if !res.Changed || len(res.Providers) != 1 || res.Providers[0].Version != "1.4.1" || res.Providers[0].Reused {
				t.Fatalf("Result = %+v", res)
			}
			lp := e.lock(t).Providers[e.reg.Source("acme", "cis")]
			if lp == nil || lp.Version != "1.4.1" || lp.Constraints != ">= 1.4.0, < 2.0.0" || lp.Signer != e.reg.Key.Signer() {
				t.Fatalf("locked %+v", lp)
			}
			if lp.Hash(CurrentPlatform, "h1") == "" || lp.Hash(CurrentPlatform, "zh") == "" {
				t.Errorf("lock lacks h1 or zh for %s: %v", CurrentPlatform, lp.Platforms)
			}
			entry, err := Lookup(e.cache, e.cfg, e.lock(t), "cis")
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if entry != res.Providers[0].Entrypoint {
				t.Errorf("Lookup = %q, Init said %q", entry, res.Providers[0].Entrypoint)
			}
			if out := runProvider(t, entry); !strings.Contains(out, "cis 1.4.1") {
				t.Errorf("installed provider printed %q", out)
			}
		})
	}
}

func TestWarmInitMakesNoRequest(t *testing.T) {
	e := newEnv(t, true)
	e.publish(t, "cis", "1.4.1", nil)
	e.provider("cis", "~> 1.4")
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	lockBefore, _ := os.ReadFile(filepath.Join(e.cfg.Dir, lockfile.FileName))
	e.reg.FailAll(true)
	before := e.reg.Requests()
	for _, mode := range []LockMode{LockUpdate, LockReadOnly} {
		res, err := e.init(t, func(r *Request) { r.Mode = mode })
		if err != nil {
			t.Fatalf("warm Init (mode %d): %v", mode, err)
		}
		if res.Changed || !res.Providers[0].Reused {
			t.Errorf("warm Init = %+v, want reuse and no change", res)
		}
	}
	if n := e.reg.Requests() - before; n != 0 {
		t.Errorf("warm init made %d requests, want 0", n)
	}
	lockAfter, _ := os.ReadFile(filepath.Join(e.cfg.Dir, lockfile.FileName))
	if !bytes.Equal(lockBefore, lockAfter) {
		t.Errorf("warm init rewrote the lock")
	}
}

func TestVersionChoiceAgainstLock(t *testing.T) {
	e := newEnv(t, false)
	e.publish(t, "cis", "1.4.0", nil)
	e.provider("cis", ">= 1.0.0, < 2.0.0")
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	e.publish(t, "cis", "1.5.0", nil)
	// The locked version wins over a newer one.
	res, err := e.init(t, nil)
	if err != nil || res.Providers[0].Version != "1.4.0" || res.Changed {
		t.Fatalf("Init with a lock = %+v, %v; want 1.4.0 kept", res, err)
	}
	// Upgrade moves on.
	res, err = e.init(t, func(r *Request) { r.Upgrade = true })
	if err != nil || res.Providers[0].Version != "1.5.0" || !res.Changed {
		t.Fatalf("Init --upgrade = %+v, %v; want 1.5.0", res, err)
	}
	// A lock outside the constraint needs --upgrade.
	e.cfg.Providers[0].Version = ">= 2.0.0"
	_, err = e.init(t, nil)
	var mismatch *LockMismatchError
	if !errors.As(err, &mismatch) || mismatch.Locked != "1.5.0" || mismatch.Constraint != ">= 2.0.0" {
		t.Fatalf("err = %v, want a LockMismatchError for 1.5.0 against >= 2.0.0", err)
	}
	if strings.Contains(err.Error(), "argus init") {
		t.Errorf("err = %v: the hint belongs to the command line, not the installer", err)
	}
}

func TestReadOnlyLock(t *testing.T) {
	e := newEnv(t, false)
	e.publish(t, "cis", "1.4.0", nil)
	e.provider("cis", ">= 1.0.0")
	before := e.reg.Requests()
	_, err := e.init(t, func(r *Request) { r.Mode = LockReadOnly })
	if !errors.Is(err, ErrLockChanged) {
		t.Fatalf("read-only Init without a lock: %v, want ErrLockChanged", err)
	}
	if e.reg.Requests() != before {
		t.Errorf("read-only Init of an unlocked provider downloaded anyway")
	}
	e.assertNothingInstalled(t)
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	// An extra platform would change the lock.
	e.publish(t, "cis", "1.4.0", func(r *registrytest.Release) { r.Platforms = []string{CurrentPlatform, "plan9_arm"} })
	_, err = e.init(t, func(r *Request) { r.Mode = LockReadOnly; r.Platforms = []string{"plan9_arm"} })
	if !errors.Is(err, ErrLockChanged) {
		t.Fatalf("read-only Init adding a platform: %v, want ErrLockChanged", err)
	}
}

func TestLockPlatforms(t *testing.T) {
	e := newEnv(t, false)
	e.publish(t, "cis", "1.4.0", func(r *registrytest.Release) { r.Platforms = []string{CurrentPlatform, "plan9_arm", "aix_ppc64"} })
	e.provider("cis", ">= 1.0.0")
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := LockPlatforms(context.Background(), e.request(), []string{"plan9_arm", "aix_ppc64"}); err != nil {
		t.Fatal(err)
	}
	lp := e.lock(t).Providers[e.reg.Source("acme", "cis")]
	for _, pl := range []string{CurrentPlatform, "plan9_arm", "aix_ppc64"} {
		if lp.Hash(pl, "zh") == "" || lp.Hash(pl, "h1") == "" {
			t.Errorf("platform %s not fully locked: %v", pl, lp.Platforms)
		}
	}
	// Other platforms are hashed, never installed.
	vdir := filepath.Join(e.cache.Dir, "providers", e.reg.Host, "acme", "cis", "1.4.0")
	entries, _ := os.ReadDir(vdir)
	for _, en := range entries {
		if strings.HasPrefix(en.Name(), "plan9") || strings.HasPrefix(en.Name(), "aix") {
			t.Errorf("foreign platform installed: %s", en.Name())
		}
	}
	// And a later plain init keeps them locked.
	if res, err := e.init(t, nil); err != nil || res.Changed {
		t.Errorf("plain Init after locking platforms = %+v, %v; want no change", res, err)
	}
}

func TestHostileRegistry(t *testing.T) {
	other := registrytest.NewKey(t)
	tests := []struct {
		name    string
		release func(*registrytest.Release)
		limits  Limits
		hang    bool
		want    string
	}{
		{name: "archive sha256 mismatch", release: func(r *registrytest.Release) { r.Tampered = true }, want: "sha256"},
		{name: "signed by an unknown key", release: func(r *registrytest.Release) { r.SignedBy = &other }, want: "unknown key"},
		{name: "missing signature", release: func(r *registrytest.Release) { r.Unsigned = true }, want: "no minisign signature"},
		{name: "zip slip", release: func(r *registrytest.Release) {
			r.Archives = map[string][]byte{CurrentPlatform: registrytest.Zip(append(registrytest.ProviderEntries("cis", []byte("x")), registrytest.Entry{Name: "../../evil", Body: []byte("x")}))}
		}, want: `".."`},
		{name: "absolute path entry", release: func(r *registrytest.Release) {
			r.Archives = map[string][]byte{CurrentPlatform: registrytest.Zip([]registrytest.Entry{{Name: "/tmp/evil", Body: []byte("x")}})}
		}, want: "absolute path"},
		{name: "symlink entry", release: func(r *registrytest.Release) {
			r.Archives = map[string][]byte{CurrentPlatform: registrytest.Zip([]registrytest.Entry{{Name: "argus-provider-cis", Symlink: "/bin/sh"}})}
		}, want: "symbolic link"},
		{name: "symlink entry in tar.gz", release: func(r *registrytest.Release) {
			r.Format = "tar.gz"
			r.Archives = map[string][]byte{CurrentPlatform: registrytest.TarGz([]registrytest.Entry{{Name: "x", Symlink: "/etc"}})}
		}, want: "is a link"},
		{name: "decompression bomb", limits: Limits{MaxBytes: 1 << 20}, release: func(r *registrytest.Release) {
			r.Archives = map[string][]byte{CurrentPlatform: registrytest.Bomb("argus-provider-cis", 8<<20)}
		}, want: "decompression bomb"},
		{name: "too many files", limits: Limits{MaxFiles: 20}, release: func(r *registrytest.Release) {
			r.Archives = map[string][]byte{CurrentPlatform: registrytest.ManyFiles("cis", 50)}
		}, want: "more than the limit of 20"},
		{name: "no executable", release: func(r *registrytest.Release) {
			r.Archives = map[string][]byte{CurrentPlatform: registrytest.Zip([]registrytest.Entry{{Name: "README", Body: []byte("x")}})}
		}, want: "no executable"},
		{name: "truncated download", release: func(r *registrytest.Release) { r.Truncated = true }, want: "download"},
		{name: "hanging server", hang: true, want: "timeout"},
		{name: "version json missing", release: func(r *registrytest.Release) { r.MissingVersionJSON = true }, want: "read release 1.4.0"},
		{name: "yanked version", release: func(r *registrytest.Release) { r.Yanked = "CVE-2026-0001" }, want: "yanked: CVE-2026-0001"},
		{name: "no archive for this platform", release: func(r *registrytest.Release) { r.Platforms = []string{"plan9_arm"} }, want: "no archive for platform " + CurrentPlatform},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, false)
			e.limits = tt.limits
			e.publish(t, "cis", "1.4.0", tt.release)
			e.provider("cis", ">= 1.0.0")
			if tt.hang {
				e.reg.Hang(true)
				e.getter = getter.New(&getter.Options{HeaderTimeout: 200 * time.Millisecond})
			}
			_, err := e.init(t, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Init err = %v, want it to contain %q", err, tt.want)
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), `provider "cis"`) {
				t.Errorf("error does not name the provider: %v", err)
			}
			e.assertNothingInstalled(t)
		})
	}
}

func TestInsecureSkipSignature(t *testing.T) {
	e := newEnv(t, false)
	e.publish(t, "cis", "1.4.0", func(r *registrytest.Release) { r.Unsigned = true })
	e.cfg.Registries[0].SigningKeys = nil
	e.provider("cis", ">= 1.0.0")
	_, err := e.init(t, nil)
	if err == nil || !strings.Contains(err.Error(), "no trusted signing key") {
		t.Fatalf("unsigned without keys: %v", err)
	}
	e.cfg.Providers[0].InsecureSkipSignature = true
	// The cold install warns that the signature was skipped; the warm one, that the cached
	// provider was installed unsigned.
	for i, want := range [][]EventKind{
		{EventSignatureSkipped, EventDownloading, EventInstalled},
		{EventUnsignedInCache, EventVerifiedInCache},
	} {
		e.events.kinds()
		if _, err := e.init(t, nil); err != nil {
			t.Fatalf("Init %d with insecure_skip_signature: %v", i, err)
		}
		evs := slices.Clone(e.events.events)
		if got := e.events.kinds(); !slices.Equal(got, want) {
			t.Errorf("Init %d events = %v, want %v", i, got, want)
		}
		if !evs[0].Warning() || evs[0].Provider != "cis" {
			t.Errorf("Init %d: first event %+v is not a warning about provider cis", i, evs[0])
		}
	}
	if s := e.lock(t).Providers[e.reg.Source("acme", "cis")].Signer; s != "" {
		t.Errorf("signer = %q for an unverified provider", s)
	}
}

func TestProviderKeysAreTrusted(t *testing.T) {
	e := newEnv(t, false)
	own := registrytest.NewKey(t)
	e.publish(t, "cis", "1.4.0", func(r *registrytest.Release) { r.SignedBy = &own })
	e.provider("cis", ">= 1.0.0")
	e.cfg.Providers[0].SigningKeys = []string{own.String()}
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	if s := e.lock(t).Providers[e.reg.Source("acme", "cis")].Signer; s != own.Signer() {
		t.Errorf("signer = %q, want %q", s, own.Signer())
	}
}

func TestLockedHashMismatchRefused(t *testing.T) {
	e := newEnv(t, false)
	e.installCIS(t)
	// The registry republishes 1.4.0 with other content (and a valid signature): the lock wins.
	e.publish(t, "cis", "1.4.0", func(r *registrytest.Release) { r.Executable = []byte("#!/bin/sh\necho evil\n") })
	if err := os.RemoveAll(filepath.Join(e.cache.Dir, "providers")); err != nil {
		t.Fatal(err)
	}
	_, err := e.init(t, nil)
	var changed *ReleaseChangedError
	if !errors.As(err, &changed) || !strings.Contains(err.Error(), "the lock file says") {
		t.Fatalf("err = %v, want a ReleaseChangedError: the locked hash enforced", err)
	}
}

func TestLockFileNonsense(t *testing.T) {
	e := newEnv(t, false)
	e.provider("cis", ">= 1.0.0")
	path := filepath.Join(e.cfg.Dir, lockfile.FileName)
	registrytest.WriteFile(t, path, []byte("provider \"x/y/z\" {\n  version = [\n"), 0o644)
	before := e.reg.Requests()
	_, err := e.init(t, nil)
	if err == nil || !strings.Contains(err.Error(), lockfile.FileName+":") {
		t.Fatalf("err = %v, want an HCL diagnostic with file:line", err)
	}
	if e.reg.Requests() != before {
		t.Errorf("Init went to the network despite an unreadable lock")
	}
}

func TestReplacedBinaryRefusedThenRepaired(t *testing.T) {
	e := newEnv(t, false)
	res := e.installCIS(t)
	registrytest.WriteFile(t, res.Providers[0].Entrypoint, []byte("#!/bin/sh\necho pwned\n"), 0o755)
	v := &Verifier{Cache: e.cache, Config: e.cfg, Lock: e.lock(t)}
	_, err := v.Entrypoint("cis")
	var mm *cache.MismatchError
	var ni *NotInstalledError
	if !errors.As(err, &mm) || !errors.As(err, &ni) || ni.Provider != "cis" {
		t.Fatalf("Entrypoint after tampering: %v, want a NotInstalledError wrapping a MismatchError", err)
	}
	if st := List(e.cache, e.cfg, e.lock(t)); st[0].Err == nil {
		t.Errorf("List reports a tampered provider as verified")
	}
	// init reinstalls it (from the network: the cache entry is no longer trustworthy).
	res, err = e.init(t, nil)
	if err != nil || res.Providers[0].Reused {
		t.Fatalf("repair Init = %+v, %v", res, err)
	}
	if _, err := Lookup(e.cache, e.cfg, e.lock(t), "cis"); err != nil {
		t.Errorf("Lookup after repair: %v", err)
	}
}

func TestLookupErrors(t *testing.T) {
	e := newEnv(t, false)
	e.provider("cis", ">= 1.0.0")
	for name, lock := range map[string]*lockfile.Lock{
		"not locked": lockfile.New(),
		"not installed": {Providers: map[string]*lockfile.Provider{e.reg.Source("acme", "cis"): {
			Source: e.reg.Source("acme", "cis"), Version: "1.0.0",
			Platforms: map[string][]string{CurrentPlatform: {"h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}}}}},
	} {
		_, err := Lookup(e.cache, e.cfg, lock, "cis")
		var ni *NotInstalledError
		if !errors.As(err, &ni) || ni.Provider != "cis" {
			t.Errorf("%s: Lookup err = %v, want a NotInstalledError for cis", name, err)
		}
	}
	if _, err := Lookup(e.cache, e.cfg, lockfile.New(), "nope"); err == nil {
		t.Error("Lookup of an unknown provider succeeded")
	}
}

func TestLocalProvider(t *testing.T) {
	e := newEnv(t, false)
	src := t.TempDir()
	script := filepath.Join(src, "check.sh")
	registrytest.WriteFile(t, script, registrytest.Script("local"), 0o755)
	dir := filepath.Join(src, "dir")
	registrytest.WriteFile(t, filepath.Join(dir, "argus-provider-tool"), registrytest.Script("dir"), 0o755)
	registrytest.WriteFile(t, filepath.Join(dir, "lib", "data"), []byte("d"), 0o644)
	e.cfg.Providers = []config.Provider{
		{Name: "script", Source: "./check.sh", LocalPath: script},
		{Name: "tool", Source: "./dir", LocalPath: dir},
	}
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"script": "local", "tool": "dir"} {
		entry, err := Lookup(e.cache, e.cfg, e.lock(t), name)
		if err != nil {
			t.Fatalf("Lookup(%s): %v", name, err)
		}
		if !strings.HasPrefix(entry, e.cache.Dir) {
			t.Errorf("entry %q is not in the cache (copied, not linked)", entry)
		}
		if out := runProvider(t, entry); !strings.Contains(out, want) {
			t.Errorf("%s printed %q", name, out)
		}
	}
	// Editing the source changes the lock, which read-only mode refuses.
	registrytest.WriteFile(t, script, registrytest.Script("edited"), 0o755)
	if _, err := e.init(t, func(r *Request) { r.Mode = LockReadOnly }); !errors.Is(err, ErrLockChanged) {
		t.Errorf("read-only Init after editing a local provider: %v, want ErrLockChanged", err)
	}
	// A symlink inside a local provider directory is refused.
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "lib", "link")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.init(t, nil); err == nil || !strings.Contains(err.Error(), "symlinks") {
		t.Errorf("local provider with a symlink: %v", err)
	}
}

// Issue 15 item 4: while an assess is between jobs, another project's init on the same cache
// installs the same version with other bytes (the registry re-released it). The assess has
// verified its entry once; the path it executes for its next job must still hold what its
// lock pinned.
func TestOtherProjectsInitNeverReplacesAVerifiedEntry(t *testing.T) {
	e := newEnv(t, false)
	e.publish(t, "cis", "1.4.0", nil)
	e.provider("cis", "1.4.0")
	if _, err := e.init(t, nil); err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Cache: e.cache, Config: e.cfg, Lock: e.lock(t)}
	entry, err := v.Entrypoint("cis") // verified before the first job
	if err != nil {
		t.Fatal(err)
	}
	pinned, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}

	e.publish(t, "cis", "1.4.0", func(r *registrytest.Release) { r.Executable = registrytest.Script("cis re-released") })
	other := &env{reg: e.reg, cache: e.cache, getter: e.getter, cfg: &config.Config{Dir: t.TempDir(), Registries: e.cfg.Registries}}
	other.provider("cis", "1.4.0")
	res, err := other.init(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Providers[0].Entrypoint == entry {
		t.Fatalf("the other project's init published its bytes at the verified path %q", entry)
	}

	again, err := v.Entrypoint("cis") // the next job
	if err != nil || again != entry {
		t.Fatalf("Entrypoint = %q, %v; want the verified %q", again, err, entry)
	}
	if got, err := os.ReadFile(entry); err != nil || !bytes.Equal(got, pinned) {
		t.Errorf("the verified entry now holds other bytes (%v)", err)
	}
	if _, err := Lookup(e.cache, e.cfg, e.lock(t), "cis"); err != nil {
		t.Errorf("the first project's lock no longer verifies: %v", err)
	}
}

// TestWarmInitRefusesSameSizeSameMtimeReplacement replaces a cached executable with different
// bytes of the same size and puts its modification time back: only the content and what the
// kernel alone sets (ctime) tell it apart, and a warm init (which verifies the entries of several
// providers in parallel, through their verification records) must still refuse it.
func TestWarmInitRefusesSameSizeSameMtimeReplacement(t *testing.T) {
	e := newEnv(t, false)
	names := []string{"cis", "ssh", "tls"}
	for _, n := range names {
		e.publish(t, n, "1.4.0", nil)
		e.provider(n, ">= 1.0.0")
	}
	res, err := e.init(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A warm init verifies in full and leaves a verification record for each entry: what the
	// replacement below must not get past.
	if res, err = e.init(t, nil); err != nil || !res.Providers[1].Reused {
		t.Fatalf("warm init = %+v, %v", res, err)
	}
	if _, err := os.Stat(res.Providers[1].Dir + ".verified"); runtime.GOOS == "linux" && err != nil {
		t.Fatalf("no verification record after a warm init: %v", err)
	}
	victim := res.Providers[1].Entrypoint
	fi, err := os.Stat(victim)
	if err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	evil := bytes.Repeat([]byte("#"), len(old))
	copy(evil, "#!/bin/sh\necho pwned\n")
	if err := os.WriteFile(victim, evil, fi.Mode()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(victim, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if fi2, _ := os.Stat(victim); fi2.Size() != fi.Size() || !fi2.ModTime().Equal(fi.ModTime()) {
		t.Fatalf("replacement changed size or mtime: %v %v", fi2.Size(), fi2.ModTime())
	}

	e.reg.FailAll(true)
	if _, err := e.init(t, func(r *Request) { r.Mode = LockReadOnly }); err == nil {
		t.Fatal("warm init with a replaced executable and no network succeeded: the replacement was trusted")
	}
	e.reg.FailAll(false)
	res, err = e.init(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range res.Providers {
		if want := i != 1; p.Reused != want {
			t.Errorf("provider %s: Reused = %v, want %v (only the replaced one is reinstalled)", p.Name, p.Reused, want)
		}
	}
	if got, _ := os.ReadFile(victim); !bytes.Equal(got, old) {
		t.Errorf("the replaced executable was not restored by init")
	}
}
