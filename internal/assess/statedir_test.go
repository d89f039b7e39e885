package assess

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/compliance-framework/argus/internal/config"
)

// In CI the state directory is .argus in the checkout: it gets a .gitignore so that it never
// ends up in a commit; a .gitignore the user wrote is kept.
func TestStateDirInCIIsGitignored(t *testing.T) {
	t.Chdir(t.TempDir())
	env := func(k string) (string, bool) {
		if k == "CI" {
			return "true", true
		}
		return "", false
	}
	dir, err := StateDir(&config.Config{Path: "x.argus.hcl"}, "", env)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(dir) != ".argus" {
		t.Fatalf("dir = %s", dir)
	}
	b, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil || len(b) < 2 || b[len(b)-2] != '*' {
		t.Fatalf(".gitignore = %q, %v; want one that ignores everything", b, err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := StateDir(&config.Config{Path: "x.argus.hcl"}, "", env); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ".gitignore")); string(b) != "mine\n" {
		t.Errorf("the user's .gitignore was replaced: %q", b)
	}
	// An explicit --state-dir is the user's choice: nothing is written there.
	other := filepath.Join(t.TempDir(), "st")
	if _, err := StateDir(&config.Config{}, other, env); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("--state-dir was created early: %v", err)
	}
}
