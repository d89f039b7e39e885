package remoteconfig_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

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
	p, warn, err := remoteconfig.Resolve(ctx, addr, dir, g)
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
	p2, warn, err := remoteconfig.Resolve(ctx, addr, dir, g)
	if err != nil || warn != nil || p2 != p {
		t.Fatalf("second Resolve: %s, %v, warning %v (first %s)", p2, err, warn, p)
	}
	if got := read(t, p2); got != `job "b" {}` {
		t.Errorf("content after change %q", got)
	}

	// Source down: the last good copy, with a warning that says so and why.
	fs.down.Store(true)
	p3, warn, err := remoteconfig.Resolve(ctx, addr, dir, g)
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
	_, warn, err = remoteconfig.Resolve(ctx, addr, t.TempDir(), g)
	if err == nil || warn != nil || !strings.Contains(err.Error(), "no earlier copy to fall back on") {
		t.Errorf("Resolve with no copy: err %v, warning %v", err, warn)
	}
}

func TestResolveLocalPathUnchanged(t *testing.T) {
	p, warn, err := remoteconfig.Resolve(t.Context(), "./configs", t.TempDir(), getter.New(nil))
	if p != "./configs" || warn != nil || err != nil {
		t.Errorf("Resolve(local) = %q, %v, %v", p, warn, err)
	}
}

func TestResolveRefusesUnsupported(t *testing.T) {
	dir := t.TempDir()
	_, _, err := remoteconfig.Resolve(t.Context(), "s3::https://bucket.example.com/a.hcl", dir, getter.New(nil))
	if err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("err = %v", err)
	}
	// Plain http to a non-loopback host is refused by the getter, before any request.
	_, _, err = remoteconfig.Resolve(t.Context(), "http://example.com/a.argus.hcl", dir, getter.New(nil))
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
			p, warn, err := remoteconfig.Resolve(ctx, tt.addr, dir, g)
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
	p, _, _ := remoteconfig.Resolve(ctx, addr, dir, g)
	missing := strings.Replace(addr, "v1", "v9", 1)
	if _, _, err := remoteconfig.Resolve(ctx, missing, dir, g); err == nil || !strings.Contains(err.Error(), "no earlier copy") {
		t.Errorf("unknown ref, no copy: %v", err)
	}
	// Each address has its own copy: the v1 copy survives a failed fetch of it.
	repo.Commit(map[string]string{"envs/prod/main.argus.hcl": ""})
	p2, warn, err := remoteconfig.Resolve(ctx, "git::"+repo.URL+"//envs/prod?ref=v1", dir, g)
	if err != nil || warn != nil || p2 != p {
		t.Fatalf("refetch of v1: %s %v %v", p2, warn, err)
	}
	// The default branch no longer has envs/prod: the fetch is incomplete, the copy stays.
	p3, warn, err := remoteconfig.Resolve(ctx, "git::"+repo.URL+"//envs/prod", dir, g)
	if err != nil || warn == nil || !strings.Contains(warn.Error(), `"envs/prod" is not in what was fetched`) {
		t.Fatalf("subdir gone: %v, warning %v", err, warn)
	}
	if got := read(t, filepath.Join(p3, "main.argus.hcl")); got != `job "v2" {}` {
		t.Errorf("fallback content %q", got)
	}
}
