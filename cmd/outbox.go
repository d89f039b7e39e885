package cmd

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/compliance-framework/argus/internal/outbox"
)

// OutboxCmd is `argus outbox`: results that have not reached the control plane yet.
type OutboxCmd struct {
	List  OutboxListCmd  `cmd:"" help:"List results waiting to be delivered, with their last error."`
	Flush OutboxFlushCmd `cmd:"" help:"Deliver waiting results now."`
	Drop  OutboxDropCmd  `cmd:"" help:"Delete waiting results without delivering them."`
}

// stateFlags find the state directory the outbox lives in.
type stateFlags struct {
	Config      string        `short:"c" default:"." placeholder:"PATH" help:"Configuration: a .hcl file, a directory of *.argus.hcl files, or a remote https://…/file.hcl or git::https://…//dir?ref=R."`
	StateDir    string        `placeholder:"DIR" help:"State directory (default: as argus assess picks it)."`
	LockTimeout time.Duration `default:"30s" help:"How long to wait for a running argus on the same state."`
}

// openOutbox opens the outbox of the configuration's state directory under the state lock, so
// that it never races an assess delivering the same items.
func openOutbox(ctx context.Context, a *app, f stateFlags, what string) (*outbox.Outbox, func(), error) {
	cfg, err := loadConfigWait(ctx, a, f.Config, f.StateDir, f.LockTimeout)
	if err != nil {
		return nil, nil, err
	}
	store, err := openState(ctx, a, cfg, selectFlags{Config: f.Config, StateDir: f.StateDir, LockTimeout: f.LockTimeout}, what)
	if err != nil {
		return nil, nil, err
	}
	ob, err := outbox.Open(filepath.Join(store.Dir(), "outbox"))
	if err != nil {
		closeState(a, store)
		return nil, nil, err
	}
	return ob, func() { closeState(a, store) }, nil
}

// OutboxListCmd is `argus outbox list`.
type OutboxListCmd struct {
	stateFlags
}

func (c *OutboxListCmd) Run(ctx context.Context, a *app) error {
	ob, done, err := openOutbox(ctx, a, c.stateFlags, "argus outbox list")
	if err != nil {
		return err
	}
	defer done()
	l, err := ob.Scan()
	if err != nil {
		return err
	}
	if len(l.Items)+len(l.Corrupt) == 0 {
		fmt.Fprintln(a.Stdout, "The outbox is empty: every result was delivered.")
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tATTEMPTS\tSTATE\tLAST ERROR")
	for _, it := range l.Items {
		st := "waiting"
		if it.Permanent {
			st = "rejected"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", it.ID, it.Created.UTC().Format(time.RFC3339), it.Attempts, st, it.LastError)
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
	stateFlags
	deliveryFlags
	Force bool `help:"Also retry results the control plane rejected before (after fixing what it complained about)."`
}

func (c *OutboxFlushCmd) Run(ctx context.Context, a *app) error {
	cfg, err := loadConfigWait(ctx, a, c.Config, c.StateDir, c.LockTimeout)
	if err != nil {
		return err
	}
	if cfg.ControlPlane == nil {
		return errors.New("the configuration has no control_plane block, so there is nowhere to deliver to")
	}
	store, err := openState(ctx, a, cfg, selectFlags{Config: c.Config, StateDir: c.StateDir, LockTimeout: c.LockTimeout}, "argus outbox flush")
	if err != nil {
		return err
	}
	defer closeState(a, store)
	s, err := openSession(a, cfg, store, c.deliveryFlags)
	if err != nil {
		return err
	}
	rep, err := s.outbox.Deliver(ctx, s.sender(), &outbox.DeliverOptions{Force: c.Force})
	for _, ce := range rep.Corrupt {
		a.logger.Error("outbox", "err", ce)
	}
	fmt.Fprintf(a.Stdout, "Delivered %d result(s); %d still waiting.\n", rep.Delivered, rep.Pending())
	if err != nil {
		return err
	}
	if rep.Pending() > 0 {
		return exitError{4}
	}
	return nil
}

// OutboxDropCmd is `argus outbox drop`.
type OutboxDropCmd struct {
	stateFlags
	IDs []string `arg:"" optional:"" name:"id" help:"Results to delete (IDs from argus outbox list)."`
	All bool     `help:"Delete every waiting result."`
}

func (c *OutboxDropCmd) Run(ctx context.Context, a *app) error {
	if c.All == (len(c.IDs) > 0) {
		return errors.New("name the results to drop, or use --all (not both)")
	}
	ob, done, err := openOutbox(ctx, a, c.stateFlags, "argus outbox drop")
	if err != nil {
		return err
	}
	defer done()
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
