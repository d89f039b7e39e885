package cmd

import (
	"fmt"
	"strings"
)

// InitCmd is `argus init`.
type InitCmd struct {
	Config string `short:"c" default:"." placeholder:"PATH" help:"Configuration: a .hcl file, or a directory of *.argus.hcl files."`
}

// Help is shown under the command's usage line.
func (c *InitCmd) Help() string {
	return `Resolves every provider block of the configuration, downloads and verifies it, caches
it and pins it in argus.lock.hcl next to the configuration. Built-in providers need no
installation.`
}

func (c *InitCmd) Run(a *app) error {
	cfg, err := loadConfig(a, c.Config)
	if err != nil {
		return err
	}
	if len(cfg.Providers) == 0 {
		fmt.Fprintln(a.Stdout, "Nothing to install: the configuration uses built-in providers only.")
		return nil
	}
	names := make([]string, len(cfg.Providers))
	for i, p := range cfg.Providers {
		names[i] = p.Name
	}
	return fmt.Errorf("this build of argus runs built-in providers only; it cannot install provider(s) %s yet", strings.Join(names, ", "))
}
