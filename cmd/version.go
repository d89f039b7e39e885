package cmd

import (
	"encoding/json"
	"fmt"

	"github.com/compliance-framework/argus/internal/version"
)

// VersionCmd is `argus version`.
type VersionCmd struct {
	JSON bool `help:"Print the version, commit, build date, Go version and platform as one JSON object."`
}

func (c *VersionCmd) Run(a *app) error {
	if c.JSON {
		return json.NewEncoder(a.Stdout).Encode(version.Get())
	}
	_, err := fmt.Fprintln(a.Stdout, version.Get())
	return err
}
