package cmd

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/version"
)

// loadConfig loads and checks the configuration, printing every diagnostic (errors and
// warnings) with file:line:col and a snippet. On error the diagnostics are already on stderr.
func loadConfig(a *app, path string) (*config.Config, error) {
	cfg, diags := config.Load(path, &config.LoadOptions{ArgusVersion: version.Get().Version})
	if len(diags) > 0 {
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
