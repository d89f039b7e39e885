package config

import (
	"path/filepath"
	"testing"
)

// The repository's example configuration (DESIGN.md's) loads cleanly.
func TestRepositoryExample(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "config")
	cfg, diags := Load(path, testOptions(map[string]string{"ARGUS_CLIENT_ID": "id", "ARGUS_CLIENT_SECRET": "secret"}))
	if len(diags) > 0 {
		t.Fatalf("Load(%q):\n%s", path, renderDiags(cfg, diags))
	}
	if len(cfg.Jobs) != 1 || cfg.Jobs[0].Subject.Identifier != "host/web-1" {
		t.Errorf("jobs = %+v, want etc-passwd-perms with subject host/web-1", cfg.Jobs)
	}
	if len(cfg.Providers) != 2 || !cfg.Providers[1].IsLocal() {
		t.Errorf("providers = %+v, want cis and a local local-script", cfg.Providers)
	}
}
