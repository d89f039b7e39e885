package cmd

import (
	"context"
	"fmt"
)

// ValidateCmd is `argus validate`.
type ValidateCmd struct {
	Config  string   `short:"c" default:"." placeholder:"PATH" help:"Configuration: a .hcl file, a directory of *.argus.hcl files, or a remote https://…/file.hcl or git::https://…//dir?ref=R."`
	Waivers []string `placeholder:"PATH" sep:"none" help:"Also check the waiver blocks of this file (repeatable)."`
}

// Help is shown under the command's usage line.
func (c *ValidateCmd) Help() string {
	return `Parses and checks every block of the configuration and prints every error with its
file, line and column. It runs nothing and, for a local configuration, uses no network, so
it is safe in pre-commit hooks. (A remote --config address is fetched first.) Exit code 0
when valid, 2 otherwise.`
}

func (c *ValidateCmd) Run(ctx context.Context, a *app) error {
	cfg, err := loadConfig(ctx, a, c.Config, "", c.Waivers...)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "The configuration is valid: %d job(s), %d provider(s), %d file(s).\n", len(cfg.Jobs), len(cfg.Providers), len(cfg.Files))
	return nil
}
