package cmd

import (
	"context"
	"fmt"

	"github.com/compliance-framework/argus/internal/builtin"
	"github.com/compliance-framework/argus/internal/exitcode"
	"github.com/compliance-framework/argus/sdk"
)

// BuiltinCmd is the hidden `argus __builtin NAME`: argus re-executes itself this way to run a
// built-in provider as a separate process, so built-ins go through the same runner as
// installed providers.
type BuiltinCmd struct {
	Name string `arg:"" help:"Built-in provider, e.g. builtin/file."`
}

func (c *BuiltinCmd) Run(ctx context.Context, a *app) error {
	h, ok := builtin.Lookup(c.Name)
	if !ok {
		return fmt.Errorf("no built-in provider %q (built-ins: %v)", c.Name, builtin.Names())
	}
	if code := sdk.Run(ctx, a.Stdin, a.Stdout, a.Stderr, h); code != 0 {
		return &exitcode.SilentError{Code: exitcode.Code(code)}
	}
	return nil
}
