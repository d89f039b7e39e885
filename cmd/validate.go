package cmd

import (
	"context"
	"fmt"

	"github.com/compliance-framework/argus/internal/exitcode"
	"github.com/compliance-framework/argus/internal/workspace"
)

// ValidateCmd is `argus validate`.
type ValidateCmd struct {
	configFlag
	waiverFlags
}

// Help is shown under the command's usage line.
func (c *ValidateCmd) Help() string {
	return fmt.Sprintf(`Parses and checks every block of the configuration and prints every error with its
file, line and column. It runs nothing and, for a local configuration, uses no network, so
it is safe in pre-commit hooks. (A remote --config address is fetched first.) Exit code %d
when valid, %d otherwise.`, exitcode.OK, exitcode.Usage)
}

func (c *ValidateCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	cfg, err := ws.Config(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "The configuration is valid: %d job(s), %d provider(s), %d file(s).\n", len(cfg.Jobs), len(cfg.Providers), len(cfg.Files))
	return nil
}
