package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compliance-framework/argus/internal/cache"
	"github.com/compliance-framework/argus/internal/getter"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/remoteconfig"
)

// cacheFlags locate the provider cache shared by every project and CI run on the machine.
type cacheFlags struct {
	CacheDir string `placeholder:"DIR" help:"Provider cache shared by every project on this machine (default $XDG_CACHE_HOME/argus)."`
}

func (f cacheFlags) cache(a *app) (*cache.Cache, error) {
	dir := f.CacheDir
	if dir == "" {
		var err error
		if dir, err = cache.DefaultDir(a.env); err != nil {
			return nil, err
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("provider cache directory %q: %w", dir, err)
	}
	return &cache.Cache{Dir: abs}, nil
}

// InitCmd is `argus init`.
type InitCmd struct {
	cacheFlags
	Config   string   `short:"c" default:"." placeholder:"PATH" help:"Configuration: a .hcl file, a directory of *.argus.hcl files, or a remote https://…/file.hcl or git::https://…//dir?ref=R."`
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

func (c *InitCmd) Run(ctx context.Context, a *app) error {
	cfg, err := loadConfig(ctx, a, c.Config, "")
	if err != nil {
		return err
	}
	if len(cfg.Providers) == 0 {
		fmt.Fprintln(a.Stdout, "Nothing to install: the configuration uses built-in providers only.")
		return nil
	}
	ca, err := c.cache(a)
	if err != nil {
		return err
	}
	mode := install.LockUpdate
	switch {
	case c.Lockfile == "readonly", c.Lockfile == "auto" && a.env("CI") == "true":
		mode = install.LockReadOnly
	case remoteconfig.IsRemote(c.Config):
		// The lock file of a remote configuration lives in its fetched copy, which the next
		// fetch replaces: it must be committed at the source, so init may only check it.
		if c.Lockfile == "update" {
			return errors.New("--lockfile=update cannot apply to a remote configuration: commit argus.lock.hcl next to the configuration at its source")
		}
		mode = install.LockReadOnly
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
		return withInstallHints(err)
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
