package config

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
)

func renderDiags(cfg *Config, diags hcl.Diagnostics) string {
	var files map[string]*hcl.File
	if cfg != nil {
		files = cfg.Files
	}
	var b bytes.Buffer
	if err := WriteDiagnostics(&b, files, diags, false); err != nil {
		return err.Error()
	}
	return b.String()
}
