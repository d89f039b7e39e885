package cmd

import (
	"cmp"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/version"
)

// loadConfig loads and checks the configuration, printing every diagnostic (errors and
// warnings) with file:line:col and a snippet. On error the diagnostics are already on stderr.
func loadConfig(a *app, path string) (*config.Config, error) {
	cfg, diags := config.Load(path, &config.LoadOptions{ArgusVersion: version.Get().Version})
	if len(diags) > 0 {
		sortDiagnostics(diags)
		files := map[string]*hcl.File{}
		if cfg != nil {
			files = cfg.Files
		}
		_ = config.WriteDiagnostics(a.Stderr, files, diags, a.color)
	}
	if diags.HasErrors() {
		return nil, exitError{2}
	}
	return cfg, nil
}

// sortDiagnostics puts diagnostics in file and line order, so that a user fixing them reads
// each file top to bottom; diagnostics without a location come first.
func sortDiagnostics(diags hcl.Diagnostics) {
	slices.SortStableFunc(diags, func(a, b *hcl.Diagnostic) int {
		switch {
		case a.Subject == nil && b.Subject == nil:
			return 0
		case a.Subject == nil:
			return -1
		case b.Subject == nil:
			return 1
		}
		return cmp.Or(
			cmp.Compare(a.Subject.Filename, b.Subject.Filename),
			cmp.Compare(a.Subject.Start.Byte, b.Subject.Start.Byte),
		)
	})
}
