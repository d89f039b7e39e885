package cmd

import (
	"context"

	"github.com/compliance-framework/argus/internal/exitcode"
	"github.com/compliance-framework/argus/internal/session"
	"github.com/compliance-framework/argus/internal/workspace"
)

// OutboxCmd is `argus outbox`: results that have not reached the control plane yet.
type OutboxCmd struct {
	List  OutboxListCmd  `cmd:"" help:"List results waiting to be delivered, with their last error."`
	Flush OutboxFlushCmd `cmd:"" help:"Deliver waiting results now."`
	Drop  OutboxDropCmd  `cmd:"" help:"Delete waiting results without delivering them."`
}

// outboxFlags find the state directory the outbox lives in.
type outboxFlags struct {
	configFlag
	stateFlags
}

// OutboxListCmd is `argus outbox list`.
type OutboxListCmd struct {
	outboxFlags
}

func (c *OutboxListCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	_, err := session.ListOutbox(ctx, ws, a.Stdout)
	return err
}

// OutboxFlushCmd is `argus outbox flush`.
type OutboxFlushCmd struct {
	outboxFlags
	deliveryFlags
	Force bool `help:"Also retry results the control plane rejected before (after fixing what it complained about)."`
}

func (c *OutboxFlushCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	return exitcode.Result(session.FlushOutbox(ctx, ws, a.Stdout, c.Force))
}

// OutboxDropCmd is `argus outbox drop`.
type OutboxDropCmd struct {
	outboxFlags
	IDs []string `arg:"" optional:"" name:"id" help:"Results to delete (IDs from argus outbox list)."`
	All bool     `help:"Delete every waiting result."`
}

func (c *OutboxDropCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	_, err := session.DropOutbox(ctx, ws, a.Stdout, session.DropRequest{IDs: c.IDs, All: c.All})
	return err
}
