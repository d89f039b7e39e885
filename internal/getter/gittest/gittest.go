// Package gittest serves git repositories over smart HTTP on a loopback httptest server, through
// the real `git http-backend` (CGI), so that git:: fetching is tested end to end without a
// network. Tests that use it skip when git is not installed.
package gittest

import (
	"net/http/cgi" //nolint:gosec // G504: httpoxy (CVE-2016-5386) was fixed in Go 1.6.3; this serves test repositories on loopback only
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Repo is a repository being served.
type Repo struct {
	URL  string // clone URL: http://127.0.0.1:PORT/NAME.git
	work string // the working clone commits are made in
	bare string
	t    testing.TB
}

// Serve starts a server for one bare repository named name (URL .../name.git) whose working
// copy starts empty. It skips the test when git or git http-backend is missing.
func Serve(t testing.TB, name string) *Repo {
	t.Helper()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed: git:: fetching cannot be tested here")
	}
	execPath, err := exec.CommandContext(t.Context(), gitBin, "--exec-path").Output() //nolint:gosec // G204: the git found on PATH, which is what the test exercises
	if err != nil {
		t.Skipf("git --exec-path: %v", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		t.Skipf("git http-backend is not installed (%v)", err)
	}
	root := t.TempDir()
	r := &Repo{work: filepath.Join(root, "work"), bare: filepath.Join(root, "srv", name+".git"), t: t}
	r.git(root, "init", "-q", "-b", "main", r.work)
	r.git(r.work, "config", "user.email", "test@example.com")
	r.git(r.work, "config", "user.name", "test")
	r.git(root, "init", "-q", "--bare", "-b", "main", r.bare)
	// Fetching a commit by ID, as GitHub and GitLab allow.
	r.git(r.bare, "config", "uploadpack.allowAnySHA1InWant", "true")
	h := &cgi.Handler{
		Path: backend,
		Env:  []string{"GIT_PROJECT_ROOT=" + filepath.Join(root, "srv"), "GIT_HTTP_EXPORT_ALL=1"},
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/" + name + ".git"
	return r
}

// Commit writes files (path → content; "" deletes), commits them on main, pushes, and returns
// the commit ID.
func (r *Repo) Commit(files map[string]string) string {
	r.t.Helper()
	for p, content := range files {
		full := filepath.Join(r.work, filepath.FromSlash(p))
		if content == "" {
			if err := os.Remove(full); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	r.git(r.work, "add", "-A")
	r.git(r.work, "commit", "-q", "-m", "change")
	r.git(r.work, "push", "-q", r.bare, "main")
	return strings.TrimSpace(r.git(r.work, "rev-parse", "HEAD"))
}

// Tag tags the last commit and pushes the tag.
func (r *Repo) Tag(name string) {
	r.t.Helper()
	r.git(r.work, "tag", name)
	r.git(r.work, "push", "-q", r.bare, name)
}

func (r *Repo) git(dir string, args ...string) string {
	r.t.Helper()
	cmd := exec.CommandContext(r.t.Context(), "git", args...) //nolint:gosec // G204: the test's own git commands on its own temporary repositories
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
