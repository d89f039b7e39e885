package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compliance-framework/argus/internal/getter"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/remoteconfig"
	"github.com/compliance-framework/argus/internal/workspace"
)

// InitCmd is `argus init`.
type InitCmd struct {
	configFlag
	cacheFlags
	Upgrade  bool     `help:"Pick the newest version each constraint allows, even when the lock file pins an older one."`
	Lockfile string   `enum:"auto,update,readonly" default:"auto" help:"update writes argus.lock.hcl when it changes; readonly fails instead (for CI); auto is readonly when CI=true, else update."`
	Platform []string `placeholder:"OS_ARCH" help:"Also record hashes for this platform in the lock file, e.g. darwin_arm64 (repeatable)."`
}

// Help is shown under the command's usage line.
func (c *InitCmd) Help() string {
	return `Resolves every provider block (source + version constraint) against its registry index,
downloads it, verifies its archive hash and the minisign signature of its SHA256SUMS, caches it,
and pins the version and hashes in argus.lock.hcl next to the configuration (commit that file).
With a satisfied lock and a warm cache it makes no network request at all. Built-in providers
need no installation.`
}

func (c *InitCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	cfg, err := ws.Config(ctx)
	if err != nil {
		return err
	}
	if len(cfg.Providers) == 0 {
		fmt.Fprintln(a.Stdout, "Nothing to install: the configuration uses built-in providers only.")
		return nil
	}
	ca, err := ws.Cache()
	if err != nil {
		return err
	}
	mode, err := install.ChooseLockMode(c.Lockfile, a.env("CI") == "true", remoteconfig.IsRemote(c.Config))
	if err != nil {
		return err
	}
	if mode != install.LockReadOnly { // a read-only init writes nothing, and may run on a read-only checkout
		release, err := lockfile.Exclusive(ctx, filepath.Join(cfg.Dir, lockfile.FileName), lockfile.DefaultWait, "argus init")
		if err != nil {
			return err
		}
		defer release()
	}
	res, err := install.Init(ctx, install.Request{
		Config:    cfg,
		Cache:     ca,
		Fetcher:   getter.New(nil),
		Mode:      mode,
		Upgrade:   c.Upgrade,
		Platforms: c.Platform,
		Events:    installEvents(a),
	})
	if err != nil {
		return err // the exit table adds each provider's hint
	}
	for _, p := range res.Providers {
		how := "installed"
		if p.Reused {
			how = "already installed and verified"
		}
		v := p.Version
		if v == "" {
			v = "local"
		}
		fmt.Fprintf(a.Stdout, "%s  %s %s  %s\n", p.Name, p.Source, v, how)
	}
	lockPath := filepath.Join(cfg.Dir, lockfile.FileName)
	switch {
	case res.Changed:
		fmt.Fprintf(a.Stdout, "Wrote %s: commit it so that every run uses exactly these providers.\n", relPath(lockPath))
	default:
		fmt.Fprintf(a.Stdout, "%s is up to date.\n", relPath(lockPath))
	}
	return nil
}

// relPath shows a path relative to the working directory when that is shorter.
func relPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if r, err := filepath.Rel(wd, p); err == nil && len(r) < len(p) {
		return r
	}
	return p
}

// installEvents shows the installer's steps on stderr: the plain lines people read, or log
// records under --log-format json.
func installEvents(a *app) install.Events {
	if a.logFormat == "json" {
		return install.LogEvents{Logger: a.logger}
	}
	return install.TextEvents{W: a.Stderr}
}
