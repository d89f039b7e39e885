package remoteconfig_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/compliance-framework/argus/internal/flock"
	"github.com/compliance-framework/argus/internal/getter"
	"github.com/compliance-framework/argus/internal/getter/gittest"
	"github.com/compliance-framework/argus/internal/remoteconfig"
)

func TestIsRemote(t *testing.T) {
	for addr, want := range map[string]bool{
		".":                           false,
		"./configs":                   false,
		"/etc/argus/prod.argus.hcl":   false,
		"configs/https.argus.hcl":     false,
		"https://example.com/a.hcl":   true,
		"http://127.0.0.1:8080/a.hcl": true,
		"git::https://example.com/r":  true,
		"s3::https://bucket/a.hcl":    true,
	} {
		if got := remoteconfig.IsRemote(addr); got != want {
			t.Errorf("IsRemote(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		addr    string
		want    remoteconfig.Address
		wantErr string
	}{
		{addr: "https://example.com/cfg/prod.argus.hcl", want: remoteconfig.Address{Kind: remoteconfig.KindHTTP, URL: "https://example.com/cfg/prod.argus.hcl", Path: "prod.argus.hcl"}},
		{addr: "https://example.com/cfg/prod.argus.hcl?token=x", want: remoteconfig.Address{Kind: remoteconfig.KindHTTP, URL: "https://example.com/cfg/prod.argus.hcl?token=x", Path: "prod.argus.hcl"}},
		{addr: "git::https://example.com/org/repo.git", want: remoteconfig.Address{Kind: remoteconfig.KindGit, URL: "https://example.com/org/repo.git"}},
		{addr: "git::https://example.com/org/repo.git//envs/prod?ref=v1.2.0", want: remoteconfig.Address{Kind: remoteconfig.KindGit, URL: "https://example.com/org/repo.git", Ref: "v1.2.0", Path: "envs/prod"}},
		{addr: "git::https://example.com/org/repo.git//envs/prod/main.argus.hcl", want: remoteconfig.Address{Kind: remoteconfig.KindGit, URL: "https://example.com/org/repo.git", Path: "envs/prod/main.argus.hcl"}},
		{addr: "https://example.com/cfg.tar.gz", wantErr: "must name one .hcl file"},
		{addr: "https://example.com/", wantErr: "must name one .hcl file"},
		{addr: "git::ssh://git@example.com/org/repo.git", wantErr: "ssh and scp-like addresses are not supported"},
		{addr: "git::git@example.com:org/repo.git", wantErr: "ssh and scp-like addresses are not supported"},
		{addr: "git::https://example.com/org/repo.git?ref=v1&depth=1", wantErr: "only the ref query parameter"},
		{addr: "git::https://example.com/org/repo.git//../../etc", wantErr: "leaves the repository"},
		{addr: "s3::https://s3.amazonaws.com/bucket/a.hcl", wantErr: `"s3::" addresses are not supported`},
		{addr: "file::/etc/argus", wantErr: `"file::" addresses are not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got, err := remoteconfig.Parse(tt.addr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Parse = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// fileServer serves one HCL file whose content and availability the test changes.
type fileServer struct {
	body atomic.Pointer[string]
	down atomic.Bool
	hits atomic.Int32
}

func (s *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	if s.down.Load() || r.URL.Path != "/cfg/prod.argus.hcl" {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte(*s.body.Load()))
}

func ptr(s string) *string { return &s }

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestResolveHTTP(t *testing.T) {
	fs := &fileServer{}
	fs.body.Store(ptr(`job "a" {}`))
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	addr := srv.URL + "/cfg/prod.argus.hcl"
	dir := t.TempDir()
	g := getter.New(nil)
	ctx := t.Context()

	// First fetch.
	p, warn, err := remoteconfig.Resolve(ctx, addr, dir, g, nil)
	if err != nil || warn != nil {
		t.Fatalf("Resolve: %v, warning %v", err, warn)
	}
	if filepath.Base(p) != "prod.argus.hcl" || !strings.HasPrefix(p, filepath.Join(dir, "remote-config")) {
		t.Errorf("path %s: want .../remote-config/<key>/src/prod.argus.hcl under %s", p, dir)
	}
	if got := read(t, p); got != `job "a" {}` {
		t.Errorf("content %q", got)
	}

	// A change at the source replaces the copy, at the same path.
	fs.body.Store(ptr(`job "b" {}`))
	p2, warn, err := remoteconfig.Resolve(ctx, addr, dir, g, nil)
	if err != nil || warn != nil || p2 != p {
		t.Fatalf("second Resolve: %s, %v, warning %v (first %s)", p2, err, warn, p)
	}
	if got := read(t, p2); got != `job "b" {}` {
		t.Errorf("content after change %q", got)
	}

	// Source down: the last good copy, with a warning that says so and why.
	fs.down.Store(true)
	p3, warn, err := remoteconfig.Resolve(ctx, addr, dir, g, nil)
	if err != nil {
		t.Fatalf("Resolve with the source down: %v", err)
	}
	if p3 != p || read(t, p3) != `job "b" {}` {
		t.Errorf("fallback %s = %q, want the last good copy", p3, read(t, p3))
	}
	if warn == nil || !strings.Contains(warn.Error(), "using the last good copy, fetched ") || !strings.Contains(warn.Error(), "503") {
		t.Errorf("warning = %v", warn)
	}

	// Nothing left behind but the copy, its lock and no staging directories.
	entries, _ := os.ReadDir(filepath.Join(dir, "remote-config"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 {
		t.Errorf("remote-config holds %v, want the copy and its lock", names)
	}

	// Down with no copy: an error saying there is nothing to fall back on.
	_, warn, err = remoteconfig.Resolve(ctx, addr, t.TempDir(), g, nil)
	if err == nil || warn != nil || !strings.Contains(err.Error(), "no earlier copy to fall back on") {
		t.Errorf("Resolve with no copy: err %v, warning %v", err, warn)
	}
}

func TestResolveLocalPathUnchanged(t *testing.T) {
	p, warn, err := remoteconfig.Resolve(t.Context(), "./configs", t.TempDir(), getter.New(nil), nil)
	if p != "./configs" || warn != nil || err != nil {
		t.Errorf("Resolve(local) = %q, %v, %v", p, warn, err)
	}
}

func TestResolveRefusesUnsupported(t *testing.T) {
	dir := t.TempDir()
	_, _, err := remoteconfig.Resolve(t.Context(), "s3::https://bucket.example.com/a.hcl", dir, getter.New(nil), nil)
	if err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("err = %v", err)
	}
	// Plain http to a non-loopback host is refused by the getter, before any request.
	_, _, err = remoteconfig.Resolve(t.Context(), "http://example.com/a.argus.hcl", dir, getter.New(nil), nil)
	if err == nil || !strings.Contains(err.Error(), "plain http is allowed only to a loopback host") {
		t.Fatalf("err = %v", err)
	}
}

func TestResolveGit(t *testing.T) {
	repo := gittest.Serve(t, "cfg")
	repo.Commit(map[string]string{
		"envs/prod/main.argus.hcl": `job "v1" {}`,
		"envs/dev/main.argus.hcl":  `job "dev" {}`,
	})
	repo.Tag("v1")
	repo.Commit(map[string]string{"envs/prod/main.argus.hcl": `job "v2" {}`})
	dir := t.TempDir()
	g := getter.New(nil)
	ctx := t.Context()

	tests := []struct {
		name, addr, file, want string
	}{
		{"subdir at a tag", "git::" + repo.URL + "//envs/prod?ref=v1", "main.argus.hcl", `job "v1" {}`},
		{"subdir at the default branch", "git::" + repo.URL + "//envs/prod", "main.argus.hcl", `job "v2" {}`},
		{"one file", "git::" + repo.URL + "//envs/dev/main.argus.hcl?ref=main", "", `job "dev" {}`},
		{"whole repository", "git::" + repo.URL, "envs/prod/main.argus.hcl", `job "v2" {}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, warn, err := remoteconfig.Resolve(ctx, tt.addr, dir, g, nil)
			if err != nil || warn != nil {
				t.Fatalf("Resolve: %v, warning %v", err, warn)
			}
			if got := read(t, filepath.Join(p, tt.file)); got != tt.want {
				t.Errorf("%s: %q, want %q", tt.file, got, tt.want)
			}
		})
	}

	// A ref that does not exist (a typo, a deleted tag) falls back on the copy with a warning.
	addr := "git::" + repo.URL + "//envs/prod?ref=v1"
	p, _, _ := remoteconfig.Resolve(ctx, addr, dir, g, nil)
	missing := strings.Replace(addr, "v1", "v9", 1)
	if _, _, err := remoteconfig.Resolve(ctx, missing, dir, g, nil); err == nil || !strings.Contains(err.Error(), "no earlier copy") {
		t.Errorf("unknown ref, no copy: %v", err)
	}
	// Each address has its own copy: the v1 copy survives a failed fetch of it.
	repo.Commit(map[string]string{"envs/prod/main.argus.hcl": ""})
	p2, warn, err := remoteconfig.Resolve(ctx, "git::"+repo.URL+"//envs/prod?ref=v1", dir, g, nil)
	if err != nil || warn != nil || p2 != p {
		t.Fatalf("refetch of v1: %s %v %v", p2, warn, err)
	}
	// The default branch no longer has envs/prod: the fetch is incomplete, the copy stays.
	p3, warn, err := remoteconfig.Resolve(ctx, "git::"+repo.URL+"//envs/prod", dir, g, nil)
	if err != nil || warn == nil || !strings.Contains(warn.Error(), `"envs/prod" is not in what was fetched`) {
		t.Fatalf("subdir gone: %v, warning %v", err, warn)
	}
	if got := read(t, filepath.Join(p3, "main.argus.hcl")); got != `job "v2" {}` {
		t.Errorf("fallback content %q", got)
	}
}

// Issue 15 item 13: the fetch lock ignored --lock-timeout, so a run waited for another run's
// stalled fetch for as long as that took. The wait is bounded by Options.LockWait.
func TestResolveLockWaitBounded(t *testing.T) {
	fs := &fileServer{}
	fs.body.Store(ptr(`job "a" {}`))
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	addr := srv.URL + "/cfg/prod.argus.hcl"
	dir := t.TempDir()
	root := filepath.Join(dir, "remote-config")
	if err := os.MkdirAll(root, 0o700); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(addr))
	held, err := flock.Acquire(t.Context(), filepath.Join(root, hex.EncodeToString(sum[:])[:16]+".lock"), "pid 42, argus: fetch (stalled)")
	if err != nil {
		t.Fatal(err)
	}
	// A wait of zero tries once: with the lock held elsewhere, Resolve gives up at once and
	// says who holds it, instead of waiting on the context (which never ends here).
	_, _, err = remoteconfig.Resolve(t.Context(), addr, dir, getter.New(nil), &remoteconfig.Options{LockWait: 0})
	var he *flock.HeldError
	if !errors.As(err, &he) || he.Holder != "pid 42, argus: fetch (stalled)" || !strings.Contains(err.Error(), "--lock-timeout") {
		t.Fatalf("Resolve with the lock held = %v, want a *flock.HeldError naming the holder", err)
	}
	if fs.hits.Load() != 0 {
		t.Errorf("fetched %d times without the lock", fs.hits.Load())
	}
	if err := held.Release(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := remoteconfig.Resolve(t.Context(), addr, dir, getter.New(nil), &remoteconfig.Options{LockWait: 0}); err != nil {
		t.Fatalf("Resolve with the lock free: %v", err)
	}
}

// bigFetcher writes a configuration larger than MaxFileSize, whatever limit it was given: the
// size check must not depend on the Fetcher.
type bigFetcher struct{ name string }

func (f bigFetcher) Fetch(_ context.Context, _, dst string) error {
	return writeSparse(dst, remoteconfig.MaxFileSize+1)
}

func (f bigFetcher) FetchGit(_ context.Context, _, _, dst string) error {
	if err := os.MkdirAll(filepath.Join(dst, "conf"), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, "conf", "small.argus.hcl"), []byte(`job "a" {}`), 0o600); err != nil {
		return err
	}
	return writeSparse(filepath.Join(dst, "conf", f.name), remoteconfig.MaxFileSize+1)
}

func writeSparse(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// Issue 15 item 13: an HCL file was accepted up to the getter's 512 MiB. A fetched
// configuration file larger than MaxFileSize (16 MiB) is refused with a clear error, over
// HTTP (where the getter stops the download at the limit) and from git.
func TestResolveSizeCap(t *testing.T) {
	if remoteconfig.MaxFileSize > 16<<20 {
		t.Fatalf("MaxFileSize = %d, want at most 16 MiB", remoteconfig.MaxFileSize)
	}
	big := strings.Repeat("# padding\n", remoteconfig.MaxFileSize/10+1)
	fs := &fileServer{}
	fs.body.Store(&big)
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	addr := srv.URL + "/cfg/prod.argus.hcl"
	g := getter.New(&getter.Options{MaxBytes: remoteconfig.MaxFileSize})
	_, _, err := remoteconfig.Resolve(t.Context(), addr, t.TempDir(), g, nil)
	if !errors.Is(err, getter.ErrTooLarge) {
		t.Errorf("HTTP fetch of %d bytes = %v, want ErrTooLarge", len(big), err)
	}
	_, _, err = remoteconfig.Resolve(t.Context(), addr, t.TempDir(), bigFetcher{}, nil)
	if err == nil || !strings.Contains(err.Error(), "a configuration file may be at most 16 MiB") {
		t.Errorf("oversized file from a Fetcher without a limit = %v, want the size error", err)
	}
	_, _, err = remoteconfig.Resolve(t.Context(), "git::https://example.com/repo.git//conf?ref=v1", t.TempDir(), bigFetcher{name: "huge.argus.hcl"}, nil)
	if err == nil || !strings.Contains(err.Error(), "huge.argus.hcl is 16777217 bytes; a configuration file may be at most 16 MiB") {
		t.Errorf("oversized file in a git checkout = %v, want the size error naming it", err)
	}
	// Files that are not HCL do not count (a repository may hold anything beside it).
	p, _, err := remoteconfig.Resolve(t.Context(), "git::https://example.com/repo.git//conf?ref=v1", t.TempDir(), bigFetcher{name: "blob.bin"}, nil)
	if err != nil || filepath.Base(p) != "conf" {
		t.Errorf("checkout with a large non-HCL file = %q, %v", p, err)
	}
}
