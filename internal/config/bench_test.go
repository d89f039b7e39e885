package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkLoad parses, decodes and checks a configuration of 10,000 jobs in one file.
func BenchmarkLoad(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("argus {\n  parallel = 4\n}\n")
	for i := range 10_000 {
		fmt.Fprintf(&sb, `job "job-%05d" {
  provider = "builtin/file"
  schedule = "every 1h"
  labels   = { control = "ac-6", team = "platform" }
  subject {
    type       = "inventory-item"
    identifier = "host/web-1"
  }
  config = { path = "/etc/passwd", max_mode = "0644", owner = "root" }
}
`, i)
	}
	path := filepath.Join(b.TempDir(), "bench.argus.hcl")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		cfg, diags := Load(path, nil)
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		if len(cfg.Jobs) != 10_000 {
			b.Fatalf("%d jobs, want 10,000", len(cfg.Jobs))
		}
	}
}
