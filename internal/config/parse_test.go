package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// bigConfig is n jobs in one file, with tail appended: large enough to be parsed in chunks.
func bigConfig(n int, tail string) []byte {
	var sb strings.Builder
	sb.WriteString("argus {\n  parallel = 4\n}\n")
	for i := range n {
		fmt.Fprintf(&sb, "job \"job-%05d\" {\n  provider = \"builtin/file\"\n  labels = { team = \"platform\" }\n  config = { path = \"/etc/passwd\" }\n}\n", i)
	}
	sb.WriteString(tail)
	return []byte(sb.String())
}

// parseConfig must give exactly what one whole-file parse gives: the same body, the same
// diagnostics and the same context for them, whatever the input (issue 16: chunked parsing).
func assertSameParse(t *testing.T, name string, src []byte) {
	t.Helper()
	got, gotDiags := parseConfig(src, "x.hcl")
	want, wantDiags := hclsyntax.ParseConfig(src, "x.hcl", hcl.InitialPos)
	if !reflect.DeepEqual(got.Body, want.Body) {
		t.Errorf("%s: the chunked body differs from the whole-file body", name)
	}
	if !reflect.DeepEqual(gotDiags, wantDiags) {
		t.Errorf("%s: diagnostics differ:\n got %v\nwant %v", name, gotDiags, wantDiags)
	}
	files := map[string]*hcl.File{"x.hcl": got}
	wantFiles := map[string]*hcl.File{"x.hcl": want}
	if g, w := renderDiags(&Config{Files: files}, wantDiags), renderDiags(&Config{Files: wantFiles}, wantDiags); g != w {
		t.Errorf("%s: rendered diagnostics differ:\n got %s\nwant %s", name, g, w)
	}
}

func TestParseConfigMatchesWholeFile(t *testing.T) {
	tests := map[string][]byte{
		"small":                 []byte("job \"a\" {\n  provider = \"builtin/file\"\n}\n"),
		"big":                   bigConfig(100, ""),
		"big, no final newline": []byte(strings.TrimSuffix(string(bigConfig(100, "")), "\n")),
		// A "}" line inside a nested block, a heredoc, a comment or an expression is not the end
		// of a top-level block: a chunk that ends there is unclosed, so the whole file is parsed.
		"nested close":              bigConfig(50, "job \"n\" {\n  subject {\n}\n  provider = \"builtin/file\"\n}\n"+string(bigConfig(50, ""))),
		"heredoc":                   bigConfig(50, "job \"h\" {\n  provider = \"builtin/file\"\n  config = { script = <<EOF\n}\nEOF\n  }\n}\n"+string(bigConfig(50, ""))),
		"comment":                   bigConfig(50, "/*\n}\n*/\n"+string(bigConfig(50, ""))),
		"object":                    bigConfig(50, "job \"o\" {\n  config = {\n}\n  provider = \"builtin/file\"\n}\n"+string(bigConfig(50, ""))),
		"top-level attribute twice": bigConfig(50, "x = 1\n}\n"+string(bigConfig(50, "x = 2\n"))),
		"syntax error late":         bigConfig(100, "job \"bad\" {\n  provider = \n}\n"),
		"unclosed at end":           bigConfig(100, "job \"open\" {\n"),
	}
	for _, pattern := range []string{"testdata/valid/*.hcl", "testdata/invalid/*.hcl"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			tests[f] = data
			// The fixture after a large valid prefix, so that it is parsed in chunks too.
			tests[f+" after 100 jobs"] = bigConfig(100, string(data))
		}
	}
	for name, src := range tests {
		assertSameParse(t, name, src)
	}
}

// A "}" line that does not end a top-level block, placed where the first chunk would end: its
// chunk is unclosed, so the whole file is parsed, with the same result.
func TestParseConfigSplitInside(t *testing.T) {
	pad := "# " + strings.Repeat("x", chunkSize) + "\n" // no "\n}\n" before the construct
	for name, construct := range map[string]string{
		"nested block": "job \"n\" {\n  subject {\n}\n  provider = \"builtin/file\"\n}\n",
		"heredoc":      "job \"h\" {\n  provider = \"builtin/file\"\n  config = { script = <<EOF\n}\nEOF\n  }\n}\n",
		"comment":      "/*\n}\n*/\n",
		"object":       "job \"o\" {\n  config = {\n}\n  provider = \"builtin/file\"\n}\n",
		"template":     "job \"t\" {\n  provider = \"${\n}\n\"\n}\n",
		"tuple":        "job \"u\" {\n  env_allow = [\n}\n]\n}\n",
	} {
		src := bigConfig(50, "")
		src = append([]byte(pad+construct), src...)
		if n := chunkEnd(src); n != len(pad)+strings.Index(construct, "\n}\n")+3 {
			t.Fatalf("%s: the first chunk ends at %d, not inside the construct", name, n)
		}
		assertSameParse(t, name, src)
		if f, _ := parseConfig(src, "x.hcl"); reflect.TypeOf(f.Nav) == reflect.TypeOf(navigation{}) {
			t.Errorf("%s: parsed in chunks although the first chunk ends inside a construct", name)
		}
	}
}

// The large inputs above are really parsed in chunks (else the test would prove nothing).
func TestParseConfigChunks(t *testing.T) {
	src := bigConfig(100, "")
	if n := chunkEnd(src); n >= len(src) || n < chunkSize || string(src[n-3:n]) != "\n}\n" {
		t.Fatalf("chunkEnd = %d of %d", n, len(src))
	}
	f, diags := parseConfig(src, "x.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if _, ok := f.Nav.(navigation); !ok {
		t.Errorf("a large valid file was parsed whole (Nav is %T)", f.Nav)
	}
}
