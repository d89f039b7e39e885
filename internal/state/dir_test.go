package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChooseDir(t *testing.T) {
	t.Chdir(t.TempDir()) // the CI default writes .argus/.gitignore under the working directory
	wd, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	xdg := env(map[string]string{"XDG_STATE_HOME": "/xdg"})
	tests := []struct {
		name  string
		place Place
		want  string // a prefix when it ends in "-"
	}{
		{"flag wins", Place{Flag: "s", Configured: "/cfg", ConfigPath: "a.hcl", Getenv: env(map[string]string{"CI": "true"})}, filepath.Join(wd, "s")},
		{"argus.state_dir next", Place{Configured: "/cfg", ConfigPath: "a.hcl", Getenv: env(map[string]string{"CI": "true"})}, "/cfg"},
		{"CI: .argus in the workspace, keyed by configuration", Place{ConfigPath: "a.hcl", Getenv: env(map[string]string{"CI": "true"})}, filepath.Join(wd, ".argus", "a.hcl-")},
		{"CI without a configuration", Place{Getenv: env(map[string]string{"CI": "true"})}, filepath.Join(wd, ".argus")},
		{"keyed by configuration", Place{ConfigPath: "a.hcl", Getenv: xdg}, "/xdg/argus/a.hcl-"},
		{"shared area without a configuration", Place{Getenv: xdg}, "/xdg/argus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ChooseDir(tt.place)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(tt.want, "-") {
				if !strings.HasPrefix(got, tt.want) || len(got) != len(tt.want)+12 {
					t.Errorf("ChooseDir = %q, want %q and a 12-digit key", got, tt.want)
				}
				return
			}
			if got != tt.want {
				t.Errorf("ChooseDir = %q, want %q", got, tt.want)
			}
		})
	}
	a, _ := ChooseDir(Place{ConfigPath: "a/x.hcl", Getenv: xdg})
	b, _ := ChooseDir(Place{ConfigPath: "b/x.hcl", Getenv: xdg})
	if a == b {
		t.Errorf("two configurations share the state directory %q", a)
	}
	// Issue 15 item 8: the CI default was one .argus for every configuration.
	ci := func(string) (string, bool) { return "true", true }
	a, _ = ChooseDir(Place{ConfigPath: "a/x.hcl", Getenv: ci})
	b, _ = ChooseDir(Place{ConfigPath: "b/x.hcl", Getenv: ci})
	if a == b {
		t.Errorf("in CI two configurations share the state directory %q", a)
	}
}

// Without XDG_STATE_HOME and without a home directory, the state goes under the working
// directory rather than nowhere.
func TestChooseDirWithoutAHome(t *testing.T) {
	t.Setenv("HOME", "")
	wd, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ChooseDir(Place{ConfigPath: "a.hcl", Getenv: func(string) (string, bool) { return "", false }})
	if err != nil || got != filepath.Join(wd, ".argus") {
		t.Errorf("ChooseDir = %q, %v; want %q", got, err, filepath.Join(wd, ".argus"))
	}
}

// In CI the state directories are under .argus in the checkout: .argus gets a .gitignore so
// that they never end up in a commit; a .gitignore the user wrote is kept.
func TestStateDirInCIIsGitignored(t *testing.T) {
	t.Chdir(t.TempDir())
	env := func(k string) (string, bool) {
		if k == "CI" {
			return "true", true
		}
		return "", false
	}
	state, err := ChooseDir(Place{ConfigPath: "x.argus.hcl", Getenv: env})
	if err != nil {
		t.Fatal(err)
	}
	// The configuration's directory is under .argus, whose .gitignore covers them all.
	dir := filepath.Dir(state)
	if filepath.Base(dir) != ".argus" {
		t.Fatalf("state dir = %s, want one under .argus", state)
	}
	b, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil || len(b) < 2 || b[len(b)-2] != '*' {
		t.Fatalf(".gitignore = %q, %v; want one that ignores everything", b, err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ChooseDir(Place{ConfigPath: "x.argus.hcl", Getenv: env}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ".gitignore")); string(b) != "mine\n" {
		t.Errorf("the user's .gitignore was replaced: %q", b)
	}
	// An explicit --state-dir is the user's choice: nothing is written there.
	other := filepath.Join(t.TempDir(), "st")
	if _, err := ChooseDir(Place{Flag: other, Getenv: env}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("--state-dir was created early: %v", err)
	}
}

// When .argus cannot be the CI state directory (a file of that name is in the way, or a
// symlink to nowhere), choosing it says so, naming it, rather than failing later with a
// stranger error.
func TestChooseDirCIStateDirBlocked(t *testing.T) {
	env := func(k string) (string, bool) { return map[string]string{"CI": "true"}[k], k == "CI" }
	for name, block := range map[string]func() error{
		"file":             func() error { return os.WriteFile(".argus", []byte("not a directory"), 0o600) },
		"dangling symlink": func() error { return os.Symlink(filepath.Join("gone", "state"), ".argus") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			if err := block(); err != nil {
				t.Fatal(err)
			}
			_, err := ChooseDir(Place{ConfigPath: "a.hcl", Getenv: env})
			if err == nil || !strings.Contains(err.Error(), ".argus") {
				t.Errorf("err = %v, want one naming .argus", err)
			}
		})
	}
}
