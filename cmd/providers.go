package cmd

import (
	"context"
	"fmt"
	"path/filepath"
	"text/tabwriter"

	"github.com/compliance-framework/argus/internal/exitcode"
	"github.com/compliance-framework/argus/internal/getter"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/lockfile"
	"github.com/compliance-framework/argus/internal/workspace"
)

// ProvidersCmd is `argus providers`.
type ProvidersCmd struct {
	List   ProvidersListCmd   `cmd:"" help:"Show each provider block, where it is installed, and whether it verifies against the lock file."`
	Lock   ProvidersLockCmd   `cmd:"" help:"Record hashes for more platforms in argus.lock.hcl (for teams on several OSes, and CI)."`
	Mirror ProvidersMirrorCmd `cmd:"" help:"Write a static mirror of every locked provider to DIR, for air-gapped sites."`
}

type providerFlags struct {
	configFlag
	cacheFlags
}

// ProvidersListCmd is `argus providers list`.
type ProvidersListCmd struct {
	providerFlags
}

func (c *ProvidersListCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	cfg, err := ws.Config(ctx)
	if err != nil {
		return err
	}
	lock, err := ws.Lock(ctx)
	if err != nil {
		return err
	}
	ca, err := ws.Cache()
	if err != nil {
		return err
	}
	if len(cfg.Providers) == 0 {
		fmt.Fprintln(a.Stdout, "The configuration has no provider blocks: its jobs use built-in providers only.")
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSOURCE\tVERSION\tSTATUS")
	bad := 0
	for _, s := range install.List(ca, cfg, lock) {
		status := "verified: " + s.Dir
		if s.Err != nil {
			status = exitcode.WithInstallHints(s.Err).Error()
			bad++
		}
		v := s.Version
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Source, v, status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if bad > 0 {
		return &install.UnverifiedError{Count: bad}
	}
	return nil
}

// ProvidersLockCmd is `argus providers lock`.
type ProvidersLockCmd struct {
	providerFlags
	Platform []string `required:"" placeholder:"OS_ARCH" help:"Platform to add, e.g. linux_amd64 or darwin_arm64 (repeatable)."`
}

func (c *ProvidersLockCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	cfg, err := ws.Config(ctx)
	if err != nil {
		return err
	}
	ca, err := ws.Cache()
	if err != nil {
		return err
	}
	release, err := lockfile.Exclusive(ctx, filepath.Join(cfg.Dir, lockfile.FileName), lockfile.DefaultWait, "argus providers lock")
	if err != nil {
		return err
	}
	defer release()
	res, err := install.LockPlatforms(ctx, install.Request{Config: cfg, Cache: ca, Fetcher: getter.New(nil), Events: installEvents(a)}, c.Platform)
	if err != nil {
		return err // the exit table adds each provider's hint
	}
	if res.Changed {
		fmt.Fprintf(a.Stdout, "Added %v to %s.\n", c.Platform, lockfile.FileName)
	} else {
		fmt.Fprintf(a.Stdout, "%s already covers %v.\n", lockfile.FileName, c.Platform)
	}
	return nil
}

// ProvidersMirrorCmd is `argus providers mirror`.
type ProvidersMirrorCmd struct {
	providerFlags
	Dir string `arg:"" placeholder:"DIR" help:"Directory to write the mirror to; it is replaced as a whole, atomically."`
}

func (c *ProvidersMirrorCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	cfg, err := ws.Config(ctx)
	if err != nil {
		return err
	}
	lock, err := ws.Lock(ctx)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		return err
	}
	if err := install.Mirror(ctx, install.MirrorRequest{Config: cfg, Lock: lock, Fetcher: getter.New(nil), Dir: dir, Events: installEvents(a)}); err != nil {
		return err // the exit table adds each provider's hint
	}
	fmt.Fprintf(a.Stdout, "Wrote a mirror of %d locked provider(s) to %s. Serve it from any static server and point a registry block's url at it.\n", len(lock.Providers), c.Dir)
	return nil
}
