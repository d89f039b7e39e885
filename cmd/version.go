package cmd

import (
	"fmt"

	"github.com/compliance-framework/argus/internal/version"
)

// VersionCmd is `argus version`.
type VersionCmd struct{}

func (c *VersionCmd) Run(a *app) error {
	_, err := fmt.Fprintln(a.Stdout, version.Get())
	return err
}
