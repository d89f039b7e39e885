package cmd

import (
	"fmt"
)

// ValidateCmd is `argus validate`.
type ValidateCmd struct {
	Config string `short:"c" default:"." placeholder:"PATH" help:"Configuration: a .hcl file, or a directory of *.argus.hcl files."`
}

// Help is shown under the command's usage line.
func (c *ValidateCmd) Help() string {
	return `Parses and checks every block of the configuration and prints every error with its
file, line and column. It uses no network and runs nothing, so it is safe in pre-commit
hooks. Exit code 0 when valid, 2 otherwise.`
}

func (c *ValidateCmd) Run(a *app) error {
	cfg, err := loadConfig(a, c.Config)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "The configuration is valid: %d job(s), %d provider(s), %d file(s).\n", len(cfg.Jobs), len(cfg.Providers), len(cfg.Files))
	return nil
}
