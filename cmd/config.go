package cmd

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

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
func loadConfig(ctx context.Context, a *app, path, stateDir string) (*config.Config, error) {
	return loadConfigWait(ctx, a, path, stateDir, remoteconfig.DefaultLockWait)
}

// loadConfigWait is loadConfig for a command with --lock-timeout: a remote configuration's
// fetch lock is waited for at most lockWait.
func loadConfigWait(ctx context.Context, a *app, path, stateDir string, lockWait time.Duration) (*config.Config, error) {
	if remoteconfig.IsRemote(path) {
		local, err := fetchRemoteConfig(ctx, a, path, stateDir, lockWait)
		if err != nil {
			return nil, err
		}
		path = local
	}
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
	for name, f := range cfg.Files { // the syntax trees are half the live heap of a 10,000-job run; snippets need only the bytes
		cfg.Files[name] = &hcl.File{Bytes: f.Bytes}
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
func fetchRemoteConfig(ctx context.Context, a *app, addr, stateDir string, lockWait time.Duration) (string, error) {
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
	local, warn, err := remoteconfig.Resolve(ctx, addr, dir, getter.New(&getter.Options{MaxBytes: remoteconfig.MaxFileSize}), &remoteconfig.Options{LockWait: lockWait})
	if err != nil {
		return "", err
	}
	if warn != nil {
		a.logger.Warn("remote configuration: using the last good copy", "err", warn)
	}
	return local, nil
}
