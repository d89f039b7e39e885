package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// docs/configuration.md documents every attribute of every block the loader accepts, each in
// its block's section: a new attribute without a line there fails here.
func TestConfigurationReferenceIsComplete(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	var current string
	for line := range strings.SplitSeq(string(data), "\n") {
		if strings.HasPrefix(line, "#") {
			if _, rest, ok := strings.Cut(line, "`"); ok {
				name, _, _ := strings.Cut(rest, "`")
				current, _, _ = strings.Cut(name, " ")
			}
			continue
		}
		sections[current] += line + "\n"
	}
	for block, schema := range map[string]*hcl.BodySchema{
		"argus": argusSchema, "control_plane": controlPlaneSchema, "registry": registrySchema,
		"provider": providerSchema, "job": jobSchema, "subject": subjectSchema, "report": reportSchema,
	} {
		sec, ok := sections[block]
		if !ok {
			t.Errorf("docs/configuration.md has no section for block %q", block)
			continue
		}
		for _, a := range schema.Attributes {
			if !strings.Contains(sec, "| `"+a.Name+"` |") {
				t.Errorf("docs/configuration.md: block %q does not document attribute %q", block, a.Name)
			}
		}
	}
	for _, b := range fileSchema.Blocks {
		if _, ok := sections[b.Type]; !ok {
			t.Errorf("docs/configuration.md has no section for top-level block %q", b.Type)
		}
	}
}
