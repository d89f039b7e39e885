package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A diagnostic on the line of a literal client_secret shows its snippet: the secret must not be
// in it, whatever is wrong there (issue 15, item 7). A secret read with env() names only the
// variable, which stays readable.
func TestDiagnosticsRedactSecrets(t *testing.T) {
	tests := []struct {
		name, attr, want string
	}{
		{"literal with an error", `"hunter2-literal" + 1`, `client_secret = *********************`},
		{"template", `"hunter2-${true + 1}"`, `client_secret = *********************`},
		{"env call", `env(5)`, `client_secret = env(5)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src := "control_plane {\n  url           = \"https://cp.example.com\"\n  client_id     = \"agent\"\n  client_secret = " + tt.attr + "\n  jobs          = \"not a bool\"\n}\n"
			if err := os.WriteFile(filepath.Join(dir, "main.argus.hcl"), []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, diags := Load(dir, testOptions(nil))
			if !diags.HasErrors() {
				t.Fatal("Load reported no error")
			}
			out := renderDiags(cfg, diags)
			if strings.Contains(out, "hunter2") {
				t.Errorf("diagnostics show the secret:\n%s", out)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("diagnostics lack %q:\n%s", tt.want, out)
			}
			// Only the snippet is redacted: the other lines and the file itself are as they were.
			if !strings.Contains(out, `jobs          = "not a bool"`) || !strings.Contains(string(cfg.Files[filepath.Join(dir, "main.argus.hcl")].Bytes), tt.attr) {
				t.Errorf("redaction went beyond the secret:\n%s", out)
			}
		})
	}
}
