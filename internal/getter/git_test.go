package getter_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/getter"
	"github.com/compliance-framework/argus/internal/getter/gittest"
)

func TestFetchGit(t *testing.T) {
	repo := gittest.Serve(t, "cfg")
	first := repo.Commit(map[string]string{"a.argus.hcl": "one", "sub/b.argus.hcl": "two"})
	repo.Tag("v1")
	repo.Commit(map[string]string{"a.argus.hcl": "one, changed"})

	tests := []struct {
		name, ref string
		wantA     string
	}{
		{"default branch", "", "one, changed"},
		{"branch", "main", "one, changed"},
		{"tag", "v1", "one"},
		{"commit", first, "one"},
	}
	g := getter.New(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "out")
			if err := g.FetchGit(t.Context(), repo.URL, tt.ref, dst); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dst, "a.argus.hcl"))
			if err != nil || string(got) != tt.wantA {
				t.Errorf("a.argus.hcl = %q (%v), want %q", got, err, tt.wantA)
			}
			if b, err := os.ReadFile(filepath.Join(dst, "sub", "b.argus.hcl")); err != nil || string(b) != "two" {
				t.Errorf("sub/b.argus.hcl = %q (%v)", b, err)
			}
			if _, err := os.Stat(filepath.Join(dst, ".git")); !os.IsNotExist(err) {
				t.Errorf(".git left in the checkout (%v)", err)
			}
		})
	}
}

func TestFetchGitRefuses(t *testing.T) {
	repo := gittest.Serve(t, "cfg")
	repo.Commit(map[string]string{"a.argus.hcl": "one"})
	tests := []struct {
		name, repo, ref, want string
	}{
		{"ssh", "ssh://git@example.com/x.git", "", `scheme "ssh" is not allowed`},
		{"file", "file:///tmp/x.git", "", `scheme "file" is not allowed`},
		{"plain http to a remote host", "http://example.com/x.git", "", "plain http is allowed only to a loopback host"},
		{"query", repo.URL + "?ref=main", "", "must not carry a query"},
		{"option as ref", repo.URL, "--upload-pack=touch /tmp/pwned", "is not a branch, tag or commit"},
		{"unknown ref", repo.URL, "nope", "fetch nope"},
		{"unknown repo", strings.TrimSuffix(repo.URL, "cfg.git") + "missing.git", "", "fetch HEAD"},
	}
	g := getter.New(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "out")
			err := g.FetchGit(t.Context(), tt.repo, tt.ref, dst)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if _, serr := os.Stat(dst); !os.IsNotExist(serr) {
				t.Errorf("destination left behind after an error (%v)", serr)
			}
		})
	}
}
