package session

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/outcome"
)

// Opener gives the configuration and opens its session (*workspace.Workspace).
type Opener interface {
	Config(ctx context.Context) (*config.Config, error)
	Session(ctx context.Context) (*Session, error)
}

// Flushed is what `argus outbox flush` came to.
type Flushed struct {
	Report outbox.Report
	Exit   outcome.Outcome
}

// ExitOutcome is how the flush ended, for exitcode.Result.
func (f Flushed) ExitOutcome() *outcome.Outcome { return &f.Exit }

// FlushOutbox is `argus outbox flush`: it delivers what waits in the outbox now, says on w
// how many were delivered, and comes to Undelivered when some still wait. force also retries
// results the control plane rejected before.
func FlushOutbox(ctx context.Context, o Opener, w io.Writer, force bool) (Flushed, error) {
	cfg, err := o.Config(ctx)
	if err != nil {
		return Flushed{}, err
	}
	if cfg.ControlPlane == nil {
		return Flushed{}, errors.New("the configuration has no control_plane block, so there is nowhere to deliver to")
	}
	s, err := o.Session(ctx)
	if err != nil {
		return Flushed{}, err
	}
	rep, err := s.Flush(ctx, force)
	fmt.Fprintf(w, "Delivered %d result(s); %d still waiting.\n", rep.Delivered, rep.Pending())
	if err != nil {
		return Flushed{}, err
	}
	out := Flushed{Report: rep}
	if rep.Pending() > 0 {
		// The line above has said how many wait: the outcome adds no message of its own.
		out.Exit.Kind = outcome.Undelivered
	}
	return out, nil
}
