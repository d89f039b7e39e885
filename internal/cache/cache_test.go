package cache

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/compliance-framework/argus/internal/flock"
	"github.com/compliance-framework/argus/internal/registrytest"
)

var key = Key{Host: "registry.test", Namespace: "acme", Name: "cis", Version: "1.4.1", Platform: "linux_amd64"}

func writeTree(files map[string]string) Filler {
	return func(ctx context.Context, dir string) error {
		for name, body := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, []byte(body), 0o755); err != nil { //nolint:gosec // G306: a provider executable
				return err
			}
		}
		return nil
	}
}

func hashOf(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := writeTree(files)(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	h, err := Hash(dir)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// stagingLeft lists what remains in the staging area: it must be empty after every Install.
func stagingLeft(t *testing.T, c *Cache) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(c.Dir, "staging"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestInstallAndReuse(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	files := map[string]string{"argus-provider-cis": "#!/bin/sh\n", "data/x.txt": "x"}
	want := hashOf(t, files)
	ctx := context.Background()

	e, err := c.Install(ctx, key, "", writeTree(files))
	if err != nil {
		t.Fatal(err)
	}
	if e.H1 != want || e.Reused {
		t.Errorf("first Install = %+v, want H1 %s and not reused", e, want)
	}
	sum, _ := decodeH1(want)
	wantDir := filepath.Join(c.Dir, "providers", "registry.test", "acme", "cis", "1.4.1", "linux_amd64-h1-"+hex.EncodeToString(sum))
	if e.Dir != wantDir {
		t.Errorf("Dir = %q, want %q", e.Dir, wantDir)
	}
	var calls atomic.Int32
	e2, err := c.Install(ctx, key, want, func(ctx context.Context, dir string) error {
		calls.Add(1)
		return nil
	})
	if err != nil || !e2.Reused || calls.Load() != 0 {
		t.Errorf("Install with a matching entry = %+v, %v, fill called %d times; want reuse without fill", e2, err, calls.Load())
	}
	if left := stagingLeft(t, c); len(left) != 0 {
		t.Errorf("staging left behind: %v", left)
	}
	if err := VerifyInstalled(e.Dir, want); err != nil {
		t.Errorf("VerifyInstalled: %v", err)
	}
}

func TestInstallHashMismatchPublishesNothing(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	_, err := c.Install(context.Background(), key, hashOf(t, map[string]string{"a": "1"}), writeTree(map[string]string{"a": "2"}))
	if err == nil || !strings.Contains(err.Error(), "lock file says") {
		t.Fatalf("err = %v, want a hash mismatch", err)
	}
	if left := entriesOf(t, c); len(left) != 0 {
		t.Errorf("entries exist after a failed install: %v", left)
	}
	if left := stagingLeft(t, c); len(left) != 0 {
		t.Errorf("staging left behind: %v", left)
	}
}

func TestInstallFillErrorPublishesNothing(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	boom := errors.New("boom")
	_, err := c.Install(context.Background(), key, "", func(ctx context.Context, dir string) error {
		registrytest.WriteFile(t, filepath.Join(dir, "half"), []byte("x"), 0o644)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if left := entriesOf(t, c); len(left) != 0 {
		t.Errorf("entries exist after a failed fill: %v", left)
	}
	if left := stagingLeft(t, c); len(left) != 0 {
		t.Errorf("staging left behind: %v", left)
	}
}

func TestReplacedBinaryIsDetectedAndRepaired(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	files := map[string]string{"argus-provider-cis": "good"}
	want := hashOf(t, files)
	e, err := c.Install(context.Background(), key, want, writeTree(files))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(e.Dir, "argus-provider-cis")
	if err := os.WriteFile(bin, []byte("evil"), 0o755); err != nil { //nolint:gosec // G306: the swapped provider executable
		t.Fatal(err)
	}
	var mm *MismatchError
	if err := VerifyInstalled(e.Dir, want); !errors.As(err, &mm) {
		t.Fatalf("VerifyInstalled after replacing the binary: %v, want *MismatchError", err)
	}
	// A symlink swapped in for the binary is refused too, even if it points at good content.
	good := filepath.Join(t.TempDir(), "good")
	registrytest.WriteFile(t, good, []byte("good"), 0o755)
	if err := os.Remove(bin); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(good, bin); err != nil {
		t.Fatal(err)
	}
	if err := VerifyInstalled(e.Dir, want); err == nil {
		t.Fatal("VerifyInstalled accepted a symlinked binary")
	}
	// Install repairs the entry by replacing it whole.
	e2, err := c.Install(context.Background(), key, want, writeTree(files))
	if err != nil || e2.Reused {
		t.Fatalf("repair Install = %+v, %v", e2, err)
	}
	if err := VerifyInstalled(e.Dir, want); err != nil {
		t.Errorf("after repair: %v", err)
	}
	if left := stagingLeft(t, c); len(left) != 0 {
		t.Errorf("staging left behind: %v", left)
	}
}

func TestInstallLocal(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	files := map[string]string{"argus-provider-x": "#!/bin/sh\necho\n"}
	e, err := c.InstallLocal(context.Background(), writeTree(files))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := c.LocalDir(hashOf(t, files))
	if e.Dir != want {
		t.Errorf("Dir = %q, want %q", e.Dir, want)
	}
	e2, err := c.InstallLocal(context.Background(), writeTree(files))
	if err != nil || !e2.Reused {
		t.Errorf("second InstallLocal = %+v, %v; want reuse", e2, err)
	}
}

func TestKeyRefusesPathTricks(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	for _, k := range []Key{
		{Host: "..", Namespace: "a", Name: "b", Version: "1.0.0", Platform: "linux_amd64"},
		{Host: "h", Namespace: "a/../../x", Name: "b", Version: "1.0.0", Platform: "linux_amd64"},
		{Host: "h", Namespace: "a", Name: "b", Version: "../../1", Platform: "linux_amd64"},
		{Host: "h", Namespace: "a", Name: "b", Version: "1.0.0", Platform: ""},
		{Host: "h", Namespace: "a", Name: ".hidden", Version: "1.0.0", Platform: "linux_amd64"},
		{Host: "h", Namespace: "a", Name: `b\c`, Version: "1.0.0", Platform: "linux_amd64"},
	} {
		if _, err := c.Install(context.Background(), k, "", writeTree(nil)); err == nil {
			t.Errorf("Install(%+v) succeeded", k)
		}
	}
	entries, _ := os.ReadDir(c.Dir)
	if len(entries) != 0 {
		t.Errorf("cache holds %d entries after refused keys", len(entries))
	}
}

func TestDefaultDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	got, err := DefaultDir(env(map[string]string{EnvDir: "/x/cache", "XDG_CACHE_HOME": "/y"}))
	if err != nil || got != "/x/cache" {
		t.Errorf("with %s: %q, %v", EnvDir, got, err)
	}
	got, err = DefaultDir(env(map[string]string{"XDG_CACHE_HOME": "/y"}))
	if err != nil || got != "/y/argus" {
		t.Errorf("with XDG_CACHE_HOME: %q, %v", got, err)
	}
}

// TestConcurrentProcesses runs several real processes (this test binary, re-executed) that
// install the same entry into one cache at once: all must succeed and one intact entry remain.
func TestConcurrentProcesses(t *testing.T) {
	dir := t.TempDir()
	const n = 4
	cmds := make([]*exec.Cmd, n)
	outs := make([]*strings.Builder, n)
	for i := range cmds {
		cmds[i] = exec.CommandContext(t.Context(), os.Args[0])
		cmds[i].Env = append(os.Environ(), "ARGUS_CACHE_HELPER="+dir)
		outs[i] = &strings.Builder{}
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i, err, outs[i])
		}
	}
	c := &Cache{Dir: dir}
	e, _ := c.EntryDir(key, hashOf(t, helperFiles))
	if err := VerifyInstalled(e, hashOf(t, helperFiles)); err != nil {
		t.Errorf("entry after concurrent installs: %v", err)
	}
	if left := stagingLeft(t, c); len(left) != 0 {
		t.Errorf("staging left behind: %v", left)
	}
}

var helperFiles = map[string]string{"argus-provider-cis": strings.Repeat("binary", 100000), "README": "r"}

// TestMain turns the test binary into an installer process when TestConcurrentProcesses
// re-executes it.
func TestMain(m *testing.M) {
	if dir := os.Getenv("ARGUS_CACHE_HELPER"); dir != "" {
		os.Exit(helperInstall(dir))
	}
	os.Exit(m.Run())
}

func helperInstall(dir string) int {
	c := &Cache{Dir: dir}
	e, err := c.Install(context.Background(), key, "", writeTree(helperFiles))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	if _, err := c.Install(context.Background(), key, e.H1, writeTree(helperFiles)); err != nil {
		fmt.Println(err)
		return 1
	}
	return 0
}

func TestWaitForLockUnderContext(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	dir, _ := c.keyDir(key)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	release, err := acquire(context.Background(), dir+".lock")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Install(ctx, key, "", writeTree(nil))
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "another argus process") {
		t.Fatalf("err = %v, want a cancelled wait naming the other process", err)
	}
}

// Issue 15 item 16: an init killed mid-install left its staging directory forever. The next
// install removes every staging directory no live process owns (its lock free, or no lock
// file at all: an older argus), keeps the ones a running install owns, and leaves nothing of
// its own behind.
func TestStaleStagingCleaned(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	root := filepath.Join(c.Dir, "staging")
	mk := func(name string, lock bool) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(root, name, "tree", "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name, "tree", "bin", "p"), []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
		if lock {
			// What a killed owner leaves: the lock file, whose flock the kernel released.
			if err := os.WriteFile(filepath.Join(root, name+".lock"), []byte("pid 1, killed\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	mk("entry-111", false)                                                                  // an older argus, no lock
	mk("entry-222", true)                                                                   // killed: lock free
	mk("entry-333", true)                                                                   // a running install: lock held
	if err := os.WriteFile(filepath.Join(root, "entry-444.lock"), nil, 0o600); err != nil { // killed before its mkdir
		t.Fatal(err)
	}
	live, err := flock.Acquire(t.Context(), filepath.Join(root, "entry-333.lock"), "pid 2, installing")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = live.Release() }()

	files := map[string]string{"argus-provider-cis": "#!/bin/sh\n"}
	if _, err := c.Install(t.Context(), key, "", writeTree(files)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"entry-333", "entry-333.lock"}, stagingLeft(t, c)); diff != "" {
		t.Errorf("staging after install (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(root, "entry-333", "tree", "bin", "p")); err != nil {
		t.Errorf("the running install's staging tree was touched: %v", err)
	}
	// Once its owner is gone, the next install removes it too.
	if err := live.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.InstallLocal(t.Context(), writeTree(files)); err != nil {
		t.Fatal(err)
	}
	if left := stagingLeft(t, c); len(left) != 0 {
		t.Errorf("staging left behind: %v", left)
	}
}

// entriesOf lists what is published next to key's entries (lock files aside).
func entriesOf(t *testing.T, c *Cache) []string {
	t.Helper()
	base, _ := c.keyDir(key)
	all, err := os.ReadDir(filepath.Dir(base))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range all {
		if !strings.HasSuffix(e.Name(), ".lock") {
			out = append(out, e.Name())
		}
	}
	return out
}

// Issue 15 item 4: another project's init publishes different bytes for the same version
// while an assess is between jobs. The entry the assess verified (its path) must still hold
// the bytes its lock pinned: the new bytes go to a directory of their own.
func TestOtherBytesForTheSameVersionNeverReplaceAnEntry(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	pinned := map[string]string{"argus-provider-cis": "#!/bin/sh\necho pinned\n"}
	other := map[string]string{"argus-provider-cis": "#!/bin/sh\necho other\n"}
	e, err := c.Install(t.Context(), key, "", writeTree(pinned))
	if err != nil {
		t.Fatal(err)
	}
	// The assess verifies the entry its lock pins, then runs its first job...
	verified, err := c.EntryDir(key, hashOf(t, pinned))
	if err != nil || verified != e.Dir {
		t.Fatalf("EntryDir = %q, %v; want the installed %q", verified, err, e.Dir)
	}
	if err := VerifyInstalled(verified, e.H1); err != nil {
		t.Fatal(err)
	}
	// ...another init (nothing locked there, or a re-released version) publishes other bytes...
	e2, err := c.Install(t.Context(), key, "", writeTree(other))
	if err != nil {
		t.Fatal(err)
	}
	if e2.Dir == verified || e2.Reused {
		t.Fatalf("other bytes were published as %+v, over the verified entry %q", e2, verified)
	}
	// ...and the next job executes the verified path: still the pinned bytes.
	got, err := os.ReadFile(filepath.Join(verified, "argus-provider-cis"))
	if err != nil || string(got) != pinned["argus-provider-cis"] {
		t.Errorf("verified entry now holds %q, %v; want the pinned bytes", got, err)
	}
	if err := VerifyInstalled(verified, e.H1); err != nil {
		t.Errorf("verified entry changed: %v", err)
	}
}

// An entry of the layout before content addressing (<platform>/) that verifies is moved into
// place by the next locked install instead of being fetched again.
func TestOldLayoutEntryAdopted(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	files := map[string]string{"argus-provider-cis": "#!/bin/sh\n"}
	old, _ := c.keyDir(key)
	if err := os.MkdirAll(old, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeTree(files)(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	e, err := c.Install(t.Context(), key, hashOf(t, files), func(context.Context, string) error {
		t.Error("fill called for an entry in the old layout that verifies")
		return nil
	})
	if err != nil || !e.Reused {
		t.Fatalf("Install = %+v, %v; want the old entry reused", e, err)
	}
	if err := VerifyInstalled(e.Dir, hashOf(t, files)); err != nil {
		t.Error(err)
	}
}
