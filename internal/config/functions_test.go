package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// writeConfig writes src as a configuration file in a fresh directory and returns its path.
func writeConfig(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "main.argus.hcl")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func errorText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary + ": " + d.Detail + "\n")
	}
	return b.String()
}

func TestFunctions(t *testing.T) {
	tests := []struct {
		name       string
		expr       string // the value of a job label
		env        map[string]string
		hostname   func() (string, error)
		files      map[string]string // written next to the configuration
		want       string
		wantErr    string
		wantErrCol int // column of the diagnostic on the label's line, 0 to skip
	}{
		{name: "env set", expr: `env("TEAM")`, env: map[string]string{"TEAM": "sre"}, want: "sre"},
		{name: "env unset is empty", expr: `env("TEAM")`, want: ""},
		{name: "env set but empty", expr: `"[${env("TEAM")}]"`, env: map[string]string{"TEAM": ""}, want: "[]"},
		{name: "env of argus variable in a job", expr: `env("ARGUS_TOKEN")`, env: map[string]string{"ARGUS_TOKEN": "x"}, wantErr: "a job cannot read it", wantErrCol: 14},
		{name: "env of lower-case argus variable in a job", expr: `env("argus_token")`, wantErr: "a job cannot read it"},
		{name: "env needs a name", expr: `env()`, wantErr: "Not enough function arguments"},
		{name: "env null", expr: `env(null)`, wantErr: "must not be null"},
		{name: "hostname", expr: `"host/${hostname()}"`, want: "host/web-1"},
		{
			name: "hostname error", expr: `hostname()`,
			hostname: func() (string, error) { return "", errors.New("uname broke") },
			wantErr:  "determine the host name: uname broke",
		},
		{name: "file relative", expr: `file("motd.txt")`, files: map[string]string{"motd.txt": "hello\n"}, want: "hello\n"},
		{name: "file in subdirectory", expr: `file("sub/x.txt")`, files: map[string]string{"sub/x.txt": "x"}, want: "x"},
		{name: "file missing", expr: `file("nope.txt")`, wantErr: "no file", wantErrCol: 15},
		{name: "file empty path", expr: `file("")`, wantErr: "the path is empty"},
		{name: "file not text", expr: `file("bin")`, files: map[string]string{"bin": "\xff\xfe"}, wantErr: "not valid UTF-8"},
		{name: "unknown function", expr: `upper("x")`, wantErr: "Call to unknown function"},
		{name: "no variables", expr: `var.x`, wantErr: "Variables not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "job \"j\" {\n  provider = \"builtin/file\"\n  labels = {\n    v = " + tt.expr + "\n  }\n}\n"
			path := writeConfig(t, src)
			for name, content := range tt.files {
				p := filepath.Join(filepath.Dir(path), name)
				if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			opts := testOptions(tt.env)
			if tt.hostname != nil {
				opts.Hostname = tt.hostname
			}
			// Run from elsewhere: file() must not depend on the working directory.
			t.Chdir(t.TempDir())
			cfg, diags := Load(path, opts)
			if tt.wantErr != "" {
				if !strings.Contains(errorText(diags), tt.wantErr) {
					t.Fatalf("diagnostics = %q, want one containing %q", errorText(diags), tt.wantErr)
				}
				if diags[0].Subject == nil || diags[0].Subject.Start.Line != 4 {
					t.Errorf("diagnostic subject = %v, want line 4 of %s", diags[0].Subject, path)
				}
				if tt.wantErrCol != 0 && diags[0].Subject.Start.Column != tt.wantErrCol {
					t.Errorf("diagnostic column = %d, want %d", diags[0].Subject.Start.Column, tt.wantErrCol)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatalf("unexpected diagnostics:\n%s", renderDiags(cfg, diags))
			}
			if got := cfg.Jobs[0].Labels["v"]; got != tt.want {
				t.Errorf("label = %q, want %q", got, tt.want)
			}
		})
	}
}

// The control plane may read argus's own variables: that is where its credentials come from.
func TestEnvArgusVariablesOutsideJobs(t *testing.T) {
	path := writeConfig(t, `control_plane {
  url           = "https://ccf.example.com"
  client_id     = env("ARGUS_CLIENT_ID")
  client_secret = env("ARGUS_CLIENT_SECRET")
}
`)
	cfg, diags := Load(path, testOptions(map[string]string{"ARGUS_CLIENT_ID": "id", "ARGUS_CLIENT_SECRET": "secret"}))
	if diags.HasErrors() {
		t.Fatalf("unexpected diagnostics:\n%s", renderDiags(cfg, diags))
	}
	if cfg.ControlPlane.ClientID != "id" || cfg.ControlPlane.ClientSecret != "secret" {
		t.Errorf("credentials = %q, %q; want id, secret", cfg.ControlPlane.ClientID, cfg.ControlPlane.ClientSecret)
	}
}

func TestDefaultSubjectNeedsHostname(t *testing.T) {
	path := writeConfig(t, "job \"j\" {\n  provider = \"builtin/file\"\n}\n")
	opts := testOptions(nil)
	opts.Hostname = func() (string, error) { return "", errors.New("no uts namespace") }
	_, diags := Load(path, opts)
	if !strings.Contains(errorText(diags), "no uts namespace") || !strings.Contains(errorText(diags), "Add a subject block") {
		t.Fatalf("diagnostics = %q, want the host name error and advice", errorText(diags))
	}
	if s := diags[0].Subject; s == nil || s.Start.Line != 1 {
		t.Errorf("subject = %v, want the job block on line 1", s)
	}
}
