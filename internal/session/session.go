package session

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/jobsync"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/publish"
	"github.com/compliance-framework/argus/internal/retry"
	"github.com/compliance-framework/argus/internal/state"
	"github.com/compliance-framework/argus/internal/version"
)

// Store is the part of the state store a session needs (*state.Store).
type Store interface {
	Dir() string
	RuntimeID() (string, error)
}

// Options tune a session; nil means defaults.
type Options struct {
	// RetryBudget is the total time the session may spend retrying the control plane before
	// leaving results in the outbox. Zero means no retries.
	RetryBudget time.Duration
	Logger      *slog.Logger // default: discard
}

// Session is an open link to the control plane.
type Session struct {
	client    *controlplane.Client
	outbox    *outbox.Outbox
	runtimeID uuid.UUID
	logger    *slog.Logger
	// url is the control plane's normalised base URL, recorded in every outbox item so that
	// another configuration's session sharing the state directory never sends it.
	url string
}

// Open opens the session of cfg's control_plane block, with the outbox in store's directory.
// It returns nil, nil when the configuration has no control_plane block.
func Open(cfg *config.Config, store Store, opts *Options) (*Session, error) {
	if cfg.ControlPlane == nil {
		return nil, nil
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	client, err := controlplane.New(controlplane.Config{
		BaseURL:      cfg.ControlPlane.URL,
		ClientID:     cfg.ControlPlane.ClientID,
		ClientSecret: cfg.ControlPlane.ClientSecret,
		Logger:       logger,
		Budget:       retry.NewBudget(o.RetryBudget),
		UserAgent:    "argus/" + version.Get().Version,
	})
	if err != nil {
		return nil, fmt.Errorf("control plane: %w", err)
	}
	ob, err := outbox.Open(filepath.Join(store.Dir(), "outbox"))
	if err != nil {
		return nil, err
	}
	rid, err := store.RuntimeID()
	if err != nil {
		return nil, err
	}
	id, err := uuid.Parse(rid)
	if err != nil {
		return nil, fmt.Errorf("runtime id %q in %s: %w", rid, store.Dir(), err)
	}
	return &Session{client: client, outbox: ob, runtimeID: id, logger: logger, url: state.NormalURL(cfg.ControlPlane.URL)}, nil
}

// Collector keeps each finished job's results in the outbox, for assess.Executor.
func (s *Session) Collector() *publish.Publisher {
	return &publish.Publisher{Outbox: s.outbox, ControlPlane: s.url}
}

// Start sends the heartbeat, merges the control plane's job specs into cfg when it serves
// them, and delivers what earlier runs left in the outbox. None of it stops the run: a control
// plane that is down costs a warning, and results wait in the outbox.
func (s *Session) Start(ctx context.Context, cfg *config.Config) {
	if err := s.client.Heartbeat(ctx, s.runtimeID, time.Now()); err != nil {
		s.logger.Warn("heartbeat not delivered", "err", err)
	}
	if cfg.ControlPlane.Jobs {
		specs, src, err := jobsync.Fetch(ctx, s.client, filepath.Dir(s.outbox.Dir()), s.runtimeID)
		if err != nil {
			s.logger.Warn("job specs from the control plane", "err", err)
		}
		s.logger.Debug("job specs", "source", src, "jobs", len(specs))
		mergeSpecs(s.logger, cfg, specs)
	}
	if n, _ := s.outbox.Count(); n > 0 { // a directory read; corrupt files are reported by Deliver
		s.logger.Info("delivering results left by earlier runs", "items", n)
		s.Deliver(ctx)
	}
}

// Deliver sends everything in the outbox and returns how many items are still waiting.
func (s *Session) Deliver(ctx context.Context) int {
	rep, err := s.outbox.Deliver(ctx, publish.Sender(s.client), &outbox.DeliverOptions{ControlPlane: s.url})
	s.logCorrupt(rep)
	if err != nil {
		s.logger.Error("outbox", "err", err)
	}
	if err != nil || rep.Pending() > 0 {
		if n, lerr := s.outbox.Count(); lerr == nil {
			return n - len(rep.Foreign)
		}
	}
	return rep.Pending()
}

// Flush delivers the outbox for `argus outbox flush`; force also retries items the control
// plane rejected before.
func (s *Session) Flush(ctx context.Context, force bool) (outbox.Report, error) {
	rep, err := s.outbox.Deliver(ctx, publish.Sender(s.client), &outbox.DeliverOptions{Force: force, ControlPlane: s.url})
	s.logCorrupt(rep)
	return rep, err
}

// logCorrupt reports each outbox file that could not be read: it stays undeliverable (and
// counted as waiting) until it is inspected and dropped.
func (s *Session) logCorrupt(rep outbox.Report) {
	for _, ce := range rep.Corrupt {
		s.logger.Error("outbox", "err", ce)
	}
	if n := len(rep.Foreign); n > 0 {
		s.logger.Warn("outbox items for another control plane are not sent", "items", n, "control_plane", rep.Foreign[0].ControlPlane,
			"hint", "the state directory is shared with another configuration; deliver them with it, or give each configuration its own state directory")
	}
}

// MergeLastGood adds the control plane's job specs from the last good copy in stateDir,
// without asking the control plane: for plans and dry runs, which must not touch the network.
func MergeLastGood(logger *slog.Logger, cfg *config.Config, stateDir string) error {
	if cfg.ControlPlane == nil || !cfg.ControlPlane.Jobs {
		return nil
	}
	specs, err := jobsync.LastGood(stateDir)
	if err != nil {
		return err
	}
	mergeSpecs(logger, cfg, specs)
	return nil
}

func mergeSpecs(logger *slog.Logger, cfg *config.Config, specs []controlplane.JobSpec) {
	host, _ := os.Hostname()
	for _, w := range jobsync.Merge(cfg, specs, host) {
		logger.Warn(w)
	}
}
