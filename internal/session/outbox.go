package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/compliance-framework/argus/internal/outbox"
)

// OutboxOpener opens the outbox of the invocation's state directory, under the state lock so
// that it never races an assess delivering the same items (*workspace.Workspace).
type OutboxOpener interface {
	Outbox(ctx context.Context) (*outbox.Outbox, error)
}

// ListOutbox is `argus outbox list`: it reads what waits in the outbox (outbox.Index, without
// payloads), corrupt files included, and writes it on w (WriteListing).
func ListOutbox(ctx context.Context, o OutboxOpener, w io.Writer) (outbox.Listing, error) {
	ob, err := o.Outbox(ctx)
	if err != nil {
		return outbox.Listing{}, err
	}
	l, err := ob.Index() // without payloads: a backlog of 100,000 results lists in a few tens of MB
	if err != nil {
		return outbox.Listing{}, err
	}
	return l, WriteListing(w, l)
}

// WriteListing writes l as `argus outbox list` shows it: a table of waiting, rejected and
// corrupt items and a count, or one line when the outbox is empty.
func WriteListing(w io.Writer, l outbox.Listing) error {
	if len(l.Items)+len(l.Corrupt) == 0 {
		_, err := fmt.Fprintln(w, "The outbox is empty: every result was delivered.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tATTEMPTS\tSTATE\tLAST ERROR")
	for i, it := range l.Items {
		st := "waiting"
		if it.Permanent {
			st = "rejected"
		}
		// Every column before the last has a fixed width (a UUID, an RFC 3339 time, the
		// ATTEMPTS and STATE headers' widths), so that the table can be flushed in chunks and
		// still line up: flushing keeps a long backlog's table out of memory.
		fmt.Fprintf(tw, "%-36s\t%s\t%-8d\t%-8s\t%s\n", it.ID, it.Created.UTC().Format(time.RFC3339), it.Attempts, st, it.LastError)
		if i%1024 == 1023 {
			_ = tw.Flush() // a write error is reported by the last Flush
		}
	}
	for _, c := range l.Corrupt {
		fmt.Fprintf(tw, "%s\t-\t-\tcorrupt\t%v (inspect %s, then drop it)\n", c.ID, c.Err, c.Path)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var err error
	if len(l.Corrupt) == 0 {
		_, err = fmt.Fprintf(w, "%d result(s) waiting.\n", len(l.Items))
	} else {
		_, err = fmt.Fprintf(w, "%d result(s) waiting, %d corrupt file(s) (undeliverable until dropped).\n", len(l.Items), len(l.Corrupt))
	}
	return err
}

// DropRequest is one `argus outbox drop`: the IDs to delete, or All.
type DropRequest struct {
	IDs []string // item IDs (or a corrupt file's name) from `argus outbox list`
	All bool     // every item, corrupt files included
}

// ErrDropWhat is a drop that names no results and no --all, or both.
var ErrDropWhat = errors.New("name the results to drop, or use --all (not both)")

// DropOutbox is `argus outbox drop`: it deletes the items req names, or all of them, says on w
// how many it dropped and returns that count. An unknown ID is an *outbox.NotFoundError, and
// nothing is said; with All, what was dropped before a failure is still said.
func DropOutbox(ctx context.Context, o OutboxOpener, w io.Writer, req DropRequest) (int, error) {
	if req.All == (len(req.IDs) > 0) {
		return 0, ErrDropWhat
	}
	ob, err := o.Outbox(ctx)
	if err != nil {
		return 0, err
	}
	if req.All {
		n, err := ob.DropAll()
		fmt.Fprintf(w, "Dropped %d result(s).\n", n) // also what was dropped before a failure
		return n, err
	}
	if err := ob.Drop(req.IDs...); err != nil {
		return 0, err
	}
	fmt.Fprintf(w, "Dropped %d result(s).\n", len(req.IDs))
	return len(req.IDs), nil
}
