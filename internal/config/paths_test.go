package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadPathProblems(t *testing.T) {
	empty := t.TempDir()
	misnamed := t.TempDir()
	for _, name := range []string{"main.hcl", "argus.lock.hcl"} {
		if err := os.WriteFile(filepath.Join(misnamed, name), []byte("\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		path    string
		want    []string
		notWant string
	}{
		{name: "missing", path: filepath.Join(empty, "nope.hcl"), want: []string{"Configuration not found", "does not exist", "*.argus.hcl"}},
		{name: "empty directory", path: empty, want: []string{"No configuration files", `end in ".argus.hcl"`, "main.argus.hcl"}},
		{
			// The lock file is expected there and is not a near miss; main.hcl is.
			name: "misnamed files", path: misnamed,
			want:    []string{"No configuration files", "ignored because of their names: main.hcl."},
			notWant: "argus.lock.hcl",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, diags := Load(tt.path, nil)
			if cfg == nil || cfg.Files == nil {
				t.Fatalf("Load returned %+v; want a Config with Files set even on error", cfg)
			}
			if len(diags) != 1 || !diags.HasErrors() {
				t.Fatalf("diagnostics = %q, want exactly one error", errorText(diags))
			}
			if diags[0].Subject != nil {
				t.Errorf("subject = %v, want none: there is no file to point at", diags[0].Subject)
			}
			for _, w := range tt.want {
				if !strings.Contains(errorText(diags), w) {
					t.Errorf("diagnostic %q does not contain %q", errorText(diags), w)
				}
			}
			if tt.notWant != "" && strings.Contains(errorText(diags), tt.notWant) {
				t.Errorf("diagnostic %q contains %q", errorText(diags), tt.notWant)
			}
		})
	}
}

// A file that does not parse is still in Files, so its diagnostics print with a snippet and
// with file:line:col; the other files of the directory are still checked.
func TestParseErrorKeepsFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.argus.hcl": "job \"a\" {\n  provider = \"builtin/file\"\n  timeout  = \"never\"\n}\n",
		"b.argus.hcl": "job \"b\" {\n  provider = \"builtin/file\"\n  config   = { path = }\n}\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, diags := Load(dir, testOptions(nil))
	if !diags.HasErrors() {
		t.Fatal("Load reported no error")
	}
	for name := range files {
		if cfg.Files[filepath.Join(dir, name)] == nil {
			t.Errorf("Files lacks %s; has %v", name, keys(cfg.Files))
		}
	}
	var out bytes.Buffer
	if err := WriteDiagnostics(&out, cfg.Files, diags, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		filepath.Join(dir, "a.argus.hcl") + ":3:14: Error: Invalid timeout",
		`   3:   timeout  = "never"`,
		filepath.Join(dir, "b.argus.hcl") + ":3:23: Error: Invalid expression",
		`   3:   config   = { path = }`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	var colored bytes.Buffer
	if err := WriteDiagnostics(&colored, cfg.Files, diags, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colored.String(), "\x1b[31mError") {
		t.Errorf("colour output has no red Error:\n%q", colored.String())
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestRanges(t *testing.T) {
	cfg, diags := Load("testdata/valid/full.argus.hcl", testOptions(nil))
	if diags.HasErrors() {
		t.Fatalf("unexpected diagnostics:\n%s", renderDiags(cfg, diags))
	}
	// SARIF locates results at the job block's header.
	want := map[string]int{"always-script": 64, "cis-benchmark": 53, "etc-passwd-perms": 41}
	for _, j := range cfg.Jobs {
		if j.Range.Filename != "testdata/valid/full.argus.hcl" || j.Range.Start.Line != want[j.Name] || j.Range.Start.Column != 1 {
			t.Errorf("job %q range = %s, want line %d column 1", j.Name, j.Range, want[j.Name])
		}
	}
	if got := cfg.Argus.Range.Start.Line; got != 3 {
		t.Errorf("argus range line = %d, want 3", got)
	}
	if got := cfg.Reports[0].Range.Start.Line; got != 68 {
		t.Errorf("report range line = %d, want 68", got)
	}
}

func TestRequiredVersion(t *testing.T) {
	path := writeConfig(t, "argus {\n  required_version = \">= 0.2, < 1.0\"\n}\n")
	tests := []struct {
		version     string
		wantErr     string
		wantWarning string
	}{
		{version: ""},
		{version: "dev"},
		{version: "0.2.0"},
		{version: "v0.5.1"},
		{version: "0.9.0-rc.1"}, // a release candidate satisfies the range of its release
		{version: "0.1.9", wantErr: "requires argus >= 0.2, < 1.0, but this is argus 0.1.9"},
		{version: "1.0.0", wantErr: "Unsupported argus version"},
		{version: "(devel)", wantWarning: "not a semantic version"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			opts := testOptions(nil)
			opts.ArgusVersion = tt.version
			_, diags := Load(path, opts)
			switch {
			case tt.wantErr != "":
				if !diags.HasErrors() || !strings.Contains(errorText(diags), tt.wantErr) {
					t.Errorf("diagnostics = %q, want an error containing %q", errorText(diags), tt.wantErr)
				}
			case tt.wantWarning != "":
				if diags.HasErrors() || len(diags) != 1 || !strings.Contains(errorText(diags), tt.wantWarning) {
					t.Errorf("diagnostics = %q, want one warning containing %q", errorText(diags), tt.wantWarning)
				}
			case len(diags) > 0:
				t.Errorf("unexpected diagnostics: %q", errorText(diags))
			}
		})
	}
}
