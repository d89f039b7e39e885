package cmd

import (
	"context"

	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/workspace"
)

// InitCmd is `argus init`.
type InitCmd struct {
	configFlag
	cacheFlags
	Upgrade        bool     `help:"Pick the newest version each constraint allows, even when the lock file pins an older one."`
	AllowDowngrade bool     `help:"With --upgrade, lock a lower version than the locked one (a narrowed constraint, a yanked version) instead of refusing."`
	Lockfile       string   `enum:"auto,update,readonly" default:"auto" help:"update writes argus.lock.hcl when it changes; readonly fails instead (for CI); auto is readonly when CI=true, else update."`
	Platform       []string `placeholder:"OS_ARCH" help:"Also record hashes for this platform in the lock file, e.g. darwin_arm64 (repeatable)."`
}

// Help is shown under the command's usage line.
func (c *InitCmd) Help() string {
	return `Resolves every provider block (source + version constraint) against its registry index,
downloads it, verifies its archive hash and the minisign signature of its SHA256SUMS, caches it,
and pins the version and hashes in argus.lock.hcl next to the configuration (commit that file).
With a satisfied lock and a warm cache it makes no network request at all. Built-in providers
need no installation. --upgrade never moves a lock to a lower version (a narrowed constraint,
a yanked version) unless --allow-downgrade is given.`
}

func (c *InitCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	_, err := installHandler(a, ws).Init(ctx, &install.InitRequest{
		ConfigAddr:     c.Config,
		Lockfile:       c.Lockfile,
		Upgrade:        c.Upgrade,
		AllowDowngrade: c.AllowDowngrade,
		Platforms:      c.Platform,
	})
	return err
}

// installEvents shows the installer's steps on stderr: the plain lines people read, or log
// records under --log-format json.
func installEvents(a *app) install.Events {
	if a.logFormat == "json" {
		return install.LogEvents{Logger: a.logger}
	}
	return install.TextEvents{W: a.Stderr}
}
