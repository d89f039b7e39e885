package cmd

import (
	"context"

	"github.com/compliance-framework/argus/internal/exitcode"
	"github.com/compliance-framework/argus/internal/getter"
	"github.com/compliance-framework/argus/internal/install"
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
	_, err := installHandler(a, ws).List(ctx)
	return err
}

// ProvidersLockCmd is `argus providers lock`.
type ProvidersLockCmd struct {
	providerFlags
	Platform []string `required:"" placeholder:"OS_ARCH" help:"Platform to add, e.g. linux_amd64 or darwin_arm64 (repeatable)."`
}

func (c *ProvidersLockCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	_, err := installHandler(a, ws).Lock(ctx, &install.LockRequest{Platforms: c.Platform})
	return err
}

// ProvidersMirrorCmd is `argus providers mirror`.
type ProvidersMirrorCmd struct {
	providerFlags
	Dir string `arg:"" placeholder:"DIR" help:"Directory to write the mirror to; it is replaced as a whole, atomically."`
}

func (c *ProvidersMirrorCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	return installHandler(a, ws).Mirror(ctx, &install.MirrorDirRequest{Dir: c.Dir})
}

// installHandler wires the provider commands' handler.
func installHandler(a *app, ws *workspace.Workspace) *install.Handler {
	return &install.Handler{
		Workspace: ws,
		Fetcher:   getter.New(nil),
		Events:    installEvents(a),
		Stdout:    a.Stdout,
		Getenv:    a.Getenv,
		Explain:   exitcode.WithInstallHints,
	}
}
