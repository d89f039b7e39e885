package cmd

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/getter"
	"github.com/compliance-framework/argus/internal/remoteconfig"
	"github.com/compliance-framework/argus/internal/version"
)

// loadConfig loads and checks the configuration, printing every diagnostic (errors and
// warnings) with file:line:col and a snippet. On error the diagnostics are already on stderr.
// A remote address (https://…, git::https://…) is fetched first, or its last good copy used
// with a warning when the source cannot be reached.
func loadConfig(ctx context.Context, a *app, path, stateDir string, waiverFiles ...string) (*config.Config, error) {
	if remoteconfig.IsRemote(path) {
		local, err := fetchRemoteConfig(ctx, a, path, stateDir)
		if err != nil {
			return nil, err
		}
		path = local
	}
	cfg, diags := config.Load(path, &config.LoadOptions{ArgusVersion: version.Get().Version, WaiverFiles: waiverFiles})
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

// fetchRemoteConfig brings a remote configuration into the state area. It cannot use the
// configuration's own state_dir (that is inside what is being fetched), so it uses --state-dir,
// else .argus in CI, else $XDG_STATE_HOME/argus.
func fetchRemoteConfig(ctx context.Context, a *app, addr, stateDir string) (string, error) {
	dir := stateDir
	switch {
	case dir != "":
	case a.env("CI") == "true":
		dir = ".argus"
	default:
		base := a.env("XDG_STATE_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("find a directory for the remote configuration (set --state-dir): %w", err)
			}
			base = filepath.Join(home, ".local", "state")
		}
		dir = filepath.Join(base, "argus")
	}
	local, warn, err := remoteconfig.Resolve(ctx, addr, dir, getter.New(nil))
	if err != nil {
		return "", err
	}
	if warn != nil {
		a.logger.Warn("remote configuration: using the last good copy", "err", warn)
	}
	return local, nil
}
