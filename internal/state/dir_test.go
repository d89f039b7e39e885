package state

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestChooseDir(t *testing.T) {
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
