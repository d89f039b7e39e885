package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load as a configuration file: whatever the input, Load
// returns diagnostics and never panics. Seeds: the fixtures, plus testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"testdata/valid/*.hcl", "testdata/invalid/*.hcl", "testdata/invalid/*/*.hcl"} {
		seeds, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, s := range seeds {
			data, err := os.ReadFile(s)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	opts := testOptions(map[string]string{"TEAM": "sre"})
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "fuzz.argus.hcl")
		if err := os.WriteFile(path, src, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, diags := Load(path, opts)
		if cfg == nil {
			t.Fatal("Load returned a nil Config")
		}
		if !diags.HasErrors() {
			for _, j := range cfg.Jobs {
				_ = j.SpecHash()
			}
		}
		_ = WriteDiagnostics(discard{}, cfg.Files, diags, false)
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
