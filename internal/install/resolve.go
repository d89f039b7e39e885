package install

import (
	"context"
	"fmt"

	"github.com/compliance-framework/argus/internal/builtin"
	"github.com/compliance-framework/argus/internal/runner"
)

// Resolver turns a job's provider name into the argus-protocol command that runs it: a
// built-in provider by re-executing argus itself (`argus __builtin NAME`), so that built-ins go
// through the same runner (sanitised environment, timeout, output limits) as installed ones; an
// installed provider by its entrypoint in the cache, verified against the lock file once per
// invocation, before its first job.
//
// It is the argus-protocol kind of provider. A second kind (go-plugin CCF plugins) is meant to
// get a resolver of its own beside this one, chosen by the provider block, rather than a branch
// in here.
type Resolver struct {
	// Self is argus's own executable, which runs the built-in providers.
	Self string // required
	// Installed verifies installed providers; nil when the configuration has no provider blocks.
	Installed *Verifier
}

// Command returns the command that runs provider.
func (r *Resolver) Command(_ context.Context, provider string) (runner.Command, error) {
	if _, ok := builtin.Lookup(provider); ok {
		return runner.Command{Path: r.Self, Args: []string{"__builtin", provider}}, nil
	}
	if r.Installed == nil {
		return runner.Command{}, fmt.Errorf("no provider block named %q", provider)
	}
	entry, err := r.Installed.Entrypoint(provider)
	if err != nil {
		return runner.Command{}, err
	}
	return runner.Command{Path: entry}, nil
}

// UnverifiedError is `argus providers list` finding providers that are not installed or no
// longer match the lock file (each is listed with its reason).
type UnverifiedError struct{ Count int }

func (e *UnverifiedError) Error() string {
	return fmt.Sprintf("%d provider(s) are not installed or do not verify", e.Count)
}
