package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// RemoteProvider is the one allow-list check for job specs from the control plane: the local
// configuration decides, a provider must exist locally, and builtin/command needs an explicit
// listing because it runs any command it is given.
func TestRemoteProviderAllowList(t *testing.T) {
	const providers = `
provider "cis" {
  source  = "registry.example.com/acme/cis"
  version = ">= 1.4.0, < 2.0.0"
  signing_keys = ["RWQproviderkey"]
}
provider "local-script" {
  source = "./providers/local-script"
}
`
	load := func(t *testing.T, controlPlane string) (*Config, string) {
		t.Helper()
		dir := writeFiles(t, map[string]string{"main.argus.hcl": controlPlane + providers})
		if err := os.MkdirAll(filepath.Join(dir, "providers"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "providers", "local-script"), []byte("#!/bin/sh\n"), 0o755); err != nil { //nolint:gosec // G306: a provider executable
			t.Fatal(err)
		}
		cfg, diags := Load(dir, testOptions(nil))
		if diags.HasErrors() {
			t.Fatalf("Load: %s", renderDiags(cfg, diags))
		}
		return cfg, filepath.Join(dir, "main.argus.hcl")
	}
	listed := "control_plane {\n  url              = \"https://ccf.example.com\"\n  remote_providers = [\"builtin/file\", \"cis\", \"builtin/command\"]\n}\n"
	unlisted := "control_plane {\n  url = \"https://ccf.example.com\"\n}\n"
	for _, tc := range []struct {
		name, controlPlane, provider string
		wantErr                      string // "" for allowed; "FILE" stands for the configuration's path
	}{
		{"no list: built in", unlisted, "builtin/file", ""},
		{"no list: declared", unlisted, "cis", ""},
		{"no list: builtin/command refused", unlisted, "builtin/command", `provider "builtin/command" runs any command it is given, so jobs from the control plane may use it only when control_plane.remote_providers lists it`},
		{"no list: unknown", unlisted, "acme/other", `provider "acme/other" is neither built in nor declared in a local provider block`},
		{"no control plane block: builtin/command still refused", "", "builtin/command", "runs any command it is given"},
		{"no control plane block: declared", "", "local-script", ""},
		{"listed: built in", listed, "builtin/file", ""},
		{"listed: declared", listed, "cis", ""},
		{"listed: builtin/command allowed", listed, "builtin/command", ""},
		{"listed: declared but not listed", listed, "local-script", `provider "local-script" is not in control_plane.remote_providers (FILE:3,3-`},
		{"listed: unknown, even if it were listed", listed, "acme/other", "neither built in nor declared"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, file := load(t, tc.controlPlane)
			err := cfg.RemoteProvider(tc.provider)
			if tc.wantErr == "" {
				if err != nil {
					t.Errorf("RemoteProvider(%q) = %v, want allowed", tc.provider, err)
				}
				return
			}
			if want := strings.ReplaceAll(tc.wantErr, "FILE", file); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("RemoteProvider(%q) = %v, want an error containing %q", tc.provider, err, want)
			}
		})
	}
	// An empty list allows nothing, not everything.
	cfg, _ := load(t, "control_plane {\n  url              = \"https://ccf.example.com\"\n  remote_providers = []\n}\n")
	if err := cfg.RemoteProvider("builtin/file"); err == nil || !strings.Contains(err.Error(), "not in control_plane.remote_providers") {
		t.Errorf("with remote_providers = []: %v, want builtin/file refused", err)
	}
}

// One credential without the other is an error at the attribute that is empty, whichever of
// the two it is.
func TestIncompleteCredentials(t *testing.T) {
	for _, tc := range []struct{ set, unset string }{{"client_id", "client_secret"}, {"client_secret", "client_id"}} {
		t.Run(tc.set, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.argus.hcl": fmt.Sprintf(
				"control_plane {\n  url = \"https://ccf.example.com\"\n  %s = \"x\"\n  %s = env(\"UNSET\")\n}\n", tc.set, tc.unset)})
			cfg, diags := Load(dir, testOptions(nil))
			out := renderDiags(cfg, diags)
			if !diags.HasErrors() || !strings.Contains(out, tc.set+" is set but "+tc.unset+" is empty") || !strings.Contains(out, "main.argus.hcl line 4") {
				t.Errorf("diagnostics:\n%s\nwant %q at line 4 (the empty %s)", out, tc.set+" is set but "+tc.unset+" is empty", tc.unset)
			}
		})
	}
}

// The chunked parse's navigation names the same top-level block for every offset as
// hclsyntax's own does, so a diagnostic in a large file says `in job "…"` like in a small one.
func TestNavigationMatchesHCLSyntax(t *testing.T) {
	src := bigConfig(100, "check {\n  x = 1\n}\n")
	got, diags := parseConfig(src, "x.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	nav, ok := got.Nav.(navigation)
	if !ok {
		t.Fatalf("not parsed in chunks (Nav is %T)", got.Nav)
	}
	want, _ := hclsyntax.ParseConfig(src, "x.hcl", hcl.InitialPos)
	type navigator interface {
		ContextString(int) string
		ContextDefRange(int) hcl.Range
	}
	ref, ok := want.Nav.(navigator)
	if !ok {
		t.Fatalf("hclsyntax's Nav %T has no ContextString/ContextDefRange", want.Nav)
	}
	named := 0
	for off := -1; off <= len(src)+1; off++ {
		if g, w := nav.ContextString(off), ref.ContextString(off); g != w {
			t.Fatalf("ContextString(%d) = %q, want %q", off, g, w)
		} else if g != "" {
			named++
		}
		if g, w := nav.ContextDefRange(off), ref.ContextDefRange(off); g != w {
			t.Fatalf("ContextDefRange(%d) = %v, want %v", off, g, w)
		}
	}
	if named == 0 {
		t.Fatal("no offset was in a block: the test checked nothing")
	}
	if s := nav.ContextString(bytes.Index(src, []byte(`job "job-00077"`)) + 3); s != `job "job-00077"` {
		t.Errorf("ContextString in job-00077 = %q", s)
	}
	if s := nav.ContextString(len(src) - 4); s != "check" {
		t.Errorf("ContextString in an unlabelled block = %q, want check", s)
	}
}
