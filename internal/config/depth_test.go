package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 15 item 14: deep nesting crashed the loader with a Go stack overflow (fatal, exit 2).
// Load must refuse it before parsing, with a diagnostic at file:line.
func TestLoadDeepNesting(t *testing.T) {
	const crasher = 60000 // what crashed argus
	const deep = 4 * MaxNesting
	tests := []struct {
		name string
		src  string
		line int // of the diagnostic; 0 when the file must load
	}{
		{"brackets", "job \"j\" {\n  provider = \"builtin/file\"\n  config = { x = " + strings.Repeat("[", crasher) + strings.Repeat("]", crasher) + " }\n}\n", 3},
		{"braces", "job \"j\" {\n  provider = \"builtin/file\"\n  config = " + strings.Repeat("{a=", deep) + "1" + strings.Repeat("}", deep) + "\n}\n", 3},
		{"parens", "\n\nx = " + strings.Repeat("(", deep) + "1" + strings.Repeat(")", deep) + "\n", 3},
		{"unclosed", "x = " + strings.Repeat("[", crasher) + "\n", 1},
		{"blocks", strings.Repeat("a {\n", deep) + strings.Repeat("}\n", deep), MaxNesting + 1},
		{"interpolations", "x = " + strings.Repeat(`"${`, deep) + "1" + strings.Repeat(`}"`, deep) + "\n", 1},
		{"directives", "x = \"" + strings.Repeat("%{ if true }", deep) + strings.Repeat("%{ endif }", deep) + "\"\n", 1},
		{"negations", "x = " + strings.Repeat("-", deep) + "1\n", 1},
		{"nots", "x = " + strings.Repeat("!", deep) + "true\n", 1},
		{"conditionals", "x = " + strings.Repeat("true ? 1 : ", deep) + "2\n", 1},
		// Deep, but within the limit, and wide: loads (or fails on its own merits, not depth).
		{"within limit", "job \"j\" {\n  provider = \"builtin/file\"\n  config = { x = " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + " }\n}\n", 0},
		{"many siblings", "job \"j\" {\n  provider = \"builtin/file\"\n  config = { x = [" + strings.Repeat("[1], (2), \"${3}\", -4, true ? 1 : 2,\n", 1000) + "] }\n}\n", 0},
		{"many conditionals on lines", "job \"j\" {\n  provider = \"builtin/file\"\n  config = {\n" + conditionalLines(2*MaxNesting) + "  }\n}\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "deep.argus.hcl")
			if err := os.WriteFile(path, []byte(tt.src), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, diags := Load(path, testOptions(nil))
			var deepDiag bool
			for _, d := range diags {
				if d.Summary != "Configuration nested too deeply" {
					continue
				}
				deepDiag = true
				if d.Subject == nil || d.Subject.Filename != path || d.Subject.Start.Line != tt.line {
					t.Errorf("diagnostic at %v, want %s:%d", d.Subject, path, tt.line)
				}
			}
			if deepDiag != (tt.line != 0) {
				t.Fatalf("nesting diagnostic = %v, want %v; diagnostics:\n%s", deepDiag, tt.line != 0, renderDiags(cfg, diags))
			}
			if tt.line != 0 && len(diags) != 1 {
				t.Errorf("want the nesting diagnostic alone, got:\n%s", renderDiags(cfg, diags))
			}
			var b strings.Builder
			if err := WriteDiagnostics(&b, cfg.Files, diags, false); err != nil {
				t.Fatal(err)
			}
			if tt.line != 0 && !strings.Contains(b.String(), path+":") {
				t.Errorf("rendered diagnostic does not start with file:line:\n%s", b.String())
			}
		})
	}
}

// Issue 15 item 13: a configuration file was read and parsed whatever its size. One larger than
// MaxFileSize (16 MiB) is refused with a diagnostic at the file, before parsing.
func TestLoadFileTooLarge(t *testing.T) {
	if MaxFileSize > 16<<20 {
		t.Fatalf("MaxFileSize = %d, want at most 16 MiB", MaxFileSize)
	}
	path := filepath.Join(t.TempDir(), "big.argus.hcl")
	body := "job \"j\" {\n  provider = \"builtin/file\"\n}\n"
	src := body + strings.Repeat("#", MaxFileSize+1-len(body))
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(path, testOptions(nil))
	if len(diags) != 1 || diags[0].Summary != "Configuration file too large" || diags[0].Subject == nil ||
		diags[0].Subject.Filename != path || diags[0].Subject.Start.Line != 1 || !strings.Contains(diags[0].Detail, "at most 16 MiB") {
		t.Fatalf("diagnostics:\n%s", renderDiags(cfg, diags))
	}
}

// conditionalLines is n object attributes, one conditional each: they do not nest.
func conditionalLines(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "    a%d = true ? 1 : 2\n", i)
	}
	return b.String()
}
