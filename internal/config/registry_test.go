package config

import (
	"os"
	"path/filepath"
	"testing"
)

// docs/providers.md and the air-gapped section promise file:// and plain-directory registries
// (a copy of `argus providers mirror DIR`): the loader must accept them, relative directories
// resolved against the configuration's directory.
func TestRegistryURLForms(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ url, want string }{
		{"https://mirror.internal/argus/", "https://mirror.internal/argus/"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/"},
		{"file:///srv/argus-mirror/", "file:///srv/argus-mirror/"},
		{"file://localhost/srv/argus-mirror/", "file://localhost/srv/argus-mirror/"},
		{"/srv/argus-mirror", "/srv/argus-mirror"},
		{"./mirror", filepath.Join(dir, "mirror")},
		{"../mirror/", filepath.Join(filepath.Dir(dir), "mirror")},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			path := filepath.Join(dir, "reg.argus.hcl")
			src := "registry \"registry.example.com\" {\n  url = \"" + tc.url + "\"\n}\n"
			if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, diags := Load(path, testOptions(nil))
			if diags.HasErrors() {
				t.Fatalf("Load: %s", renderDiags(cfg, diags))
			}
			if got := cfg.Registries[0].URL; got != tc.want {
				t.Errorf("url = %q, want %q", got, tc.want)
			}
		})
	}
}
