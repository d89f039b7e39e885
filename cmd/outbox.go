package cmd

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/compliance-framework/argus/internal/exitcode"
	"github.com/compliance-framework/argus/internal/outbox"
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

// openOutbox opens the outbox of the configuration's state directory under the state lock, so
// that it never races an assess delivering the same items.
func openOutbox(ctx context.Context, ws *workspace.Workspace) (*outbox.Outbox, error) {
	store, err := ws.State(ctx)
	if err != nil {
		return nil, err
	}
	return outbox.Open(filepath.Join(store.Dir(), "outbox"))
}

// OutboxListCmd is `argus outbox list`.
type OutboxListCmd struct {
	outboxFlags
}

func (c *OutboxListCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	ob, err := openOutbox(ctx, ws)
	if err != nil {
		return err
	}
	l, err := ob.Index() // without payloads: a backlog of 100,000 results lists in a few tens of MB
	if err != nil {
		return err
	}
	if len(l.Items)+len(l.Corrupt) == 0 {
		fmt.Fprintln(a.Stdout, "The outbox is empty: every result was delivered.")
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tATTEMPTS\tSTATE\tLAST ERROR")
	for i, it := range l.Items {
		st := "waiting"
		if it.Permanent {
			st = "rejected"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%-8s\t%s\n", it.ID, it.Created.UTC().Format(time.RFC3339), it.Attempts, st, it.LastError)
		if i%1024 == 1023 { // the columns have fixed widths: flushing keeps the table out of memory
			_ = tw.Flush() // a write error is reported by the last Flush
		}
	}
	for _, c := range l.Corrupt {
		fmt.Fprintf(tw, "%s\t-\t-\tcorrupt\t%v (inspect %s, then drop it)\n", c.ID, c.Err, c.Path)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(l.Corrupt) == 0 {
		fmt.Fprintf(a.Stdout, "%d result(s) waiting.\n", len(l.Items))
	} else {
		fmt.Fprintf(a.Stdout, "%d result(s) waiting, %d corrupt file(s) (undeliverable until dropped).\n", len(l.Items), len(l.Corrupt))
	}
	return nil
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
	if c.All == (len(c.IDs) > 0) {
		return errors.New("name the results to drop, or use --all (not both)")
	}
	ob, err := openOutbox(ctx, ws)
	if err != nil {
		return err
	}
	if c.All {
		n, err := ob.DropAll()
		fmt.Fprintf(a.Stdout, "Dropped %d result(s).\n", n)
		return err
	}
	if err := ob.Drop(c.IDs...); err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "Dropped %d result(s).\n", len(c.IDs))
	return nil
}
