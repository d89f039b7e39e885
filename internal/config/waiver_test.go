package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadWaivers(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.argus.hcl": `
job "sshd-no-root-login" {
  provider    = "builtin/file"
  severity    = "high"
  description = "  Root cannot log in over SSH.  "
  remediation = "Set PermitRootLogin no."
  config      = { path = "/etc/ssh/sshd_config" }
}
waiver "legacy-ssh" {
  job         = "sshd-*"
  result      = "file /etc/ssh/sshd_config"
  reason      = "Legacy bastion, replaced in Q1"
  expires     = "2027-03-31"
  approved_by = "security@example.com"
}
`,
		"team.hcl": `
waiver "b-from-file" {
  job     = "sshd-no-root-login"
  reason  = "Owned by the security team"
  expires = "2027-01-15"
}
`,
	})
	opts := testOptions(nil)
	opts.WaiverFiles = []string{filepath.Join(dir, "team.hcl")}
	cfg, diags := Load(dir, opts)
	if diags.HasErrors() || len(diags) > 0 {
		t.Fatalf("Load: %s", renderDiags(cfg, diags))
	}
	if j := cfg.Jobs[0]; j.Severity != sdk.SeverityHigh || j.Description != "Root cannot log in over SSH." || j.Remediation != "Set PermitRootLogin no." {
		t.Errorf("job = %+v", j)
	}
	rules := cfg.WaiverRules()
	if len(rules) != 2 || rules[0].Name != "b-from-file" || rules[1].Name != "legacy-ssh" {
		t.Fatalf("waivers (sorted by name) = %+v", rules)
	}
	want := waiver.Waiver{
		Name: "legacy-ssh", Job: "sshd-*", Result: "file /etc/ssh/sshd_config", Reason: "Legacy bastion, replaced in Q1",
		Expires: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), ApprovedBy: "security@example.com",
		File: filepath.Join(dir, "main.argus.hcl"), Line: 9,
	}
	if rules[1] != want {
		t.Errorf("legacy-ssh = %+v\nwant %+v", rules[1], want)
	}
	if rules[0].File != filepath.Join(dir, "team.hcl") || rules[0].Line != 2 {
		t.Errorf("a waiver from --waivers points at %s:%d", rules[0].File, rules[0].Line)
	}
}

func TestWaiverFileHoldsOnlyWaivers(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.argus.hcl": `job "a" { provider = "builtin/file" }` + "\n",
		"waivers.hcl": `
job "sneaky" { provider = "builtin/file" }
waiver "a" {
  job     = "a"
  reason  = "r"
  expires = "2027-01-01"
}
waiver "a" {
  job     = "a"
  reason  = "r"
  expires = "2027-01-01"
}
`,
	})
	opts := testOptions(nil)
	opts.WaiverFiles = []string{filepath.Join(dir, "waivers.hcl"), filepath.Join(dir, "missing.hcl")}
	cfg, diags := Load(dir, opts)
	got := renderDiags(cfg, diags)
	for _, want := range []string{
		"waivers.hcl:2:1: Error: Unsupported block type",
		"A waiver file (--waivers) holds only waiver blocks",
		`waivers.hcl:8:8: Error: Duplicate waiver "a"`,
		`Cannot read waiver file`,
		`missing.hcl" (--waivers)`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
	if len(cfg.Jobs) != 1 {
		t.Errorf("a job block in a waiver file must not be loaded: jobs = %+v", cfg.Jobs)
	}
}

func TestWaiverUnknownJobWithControlPlaneJobsIsAWarning(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.argus.hcl": `
control_plane {
  url           = "https://ccf.example.com"
  client_id     = "id"
  client_secret = "secret"
}
remote_config {
  mode = "apply_safe"
}
waiver "remote" {
  job     = "from-the-control-plane"
  reason  = "r"
  expires = "2027-01-01"
}
`})
	cfg, diags := Load(dir, testOptions(nil))
	if diags.HasErrors() || len(diags) != 1 || diags[0].Severity != hcl.DiagWarning || !strings.Contains(diags[0].Detail, "may match a job from the control plane") {
		t.Errorf("want one warning, got:\n%s", renderDiags(cfg, diags))
	}
}

func TestSuggest(t *testing.T) {
	jobs := []string{"cis-1.1", "cis-1.2", "etc-passwd-perms", "etc-shadow-perms", "sshd-no-root-login"}
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"etc-passwd-perm", []string{"etc-passwd-perms"}},
		{"ETC-PASSWD-PERMS", []string{"etc-passwd-perms"}},
		{"cis-1.3", []string{"cis-1.1", "cis-1.2"}},
		{"sshd-root-login", []string{"sshd-no-root-login"}},
		{"nginx", nil},
		{"", nil},
	} {
		got := Suggest(tc.name, jobs)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("Suggest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRemoteConfigWarnings(t *testing.T) {
	for _, tc := range []struct{ files, want string }{
		{`remote_config { mode = "apply_safe" }`, "has no control_plane block"},
		{"control_plane {\n  url = \"https://ccf.example.com\"\n}\nremote_config {\n  mode = \"report\"\n}\n", "authenticated agents only"},
	} {
		cfg, diags := Load(writeFiles(t, map[string]string{"main.argus.hcl": tc.files}), testOptions(nil))
		if diags.HasErrors() || len(diags) != 1 || diags[0].Severity != hcl.DiagWarning || !strings.Contains(diags[0].Detail, tc.want) {
			t.Errorf("%s: want one warning saying %q, got:\n%s", tc.files, tc.want, renderDiags(cfg, diags))
		}
	}
	_, diags := Load(writeFiles(t, map[string]string{"main.argus.hcl": "control_plane {\n  url = \"https://ccf.example.com\"\n}\nremote_config {\n  mode = \"off\"\n}\n"}), testOptions(nil))
	if len(diags) != 0 {
		t.Errorf("mode off without credentials: %v", diags)
	}
}
