package session

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/compliance-framework/argus/internal/agentremote"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/controlplane"
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
	// Getenv resolves the ${env:NAME} references of a remote configuration overlay; nil
	// means os.LookupEnv.
	Getenv func(string) (string, bool)
}

// Session is an open link to the control plane.
type Session struct {
	client    *controlplane.Client
	outbox    *outbox.Outbox
	runtimeID uuid.UUID
	logger    *slog.Logger
	getenv    func(string) (string, bool)
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
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.LookupEnv
	}
	return &Session{client: client, outbox: ob, runtimeID: id, logger: logger, getenv: getenv, url: state.NormalURL(cfg.ControlPlane.URL)}, nil
}

// Collector keeps each finished job's results in the outbox, for assess.Executor.
func (s *Session) Collector() *publish.Publisher {
	return &publish.Publisher{Outbox: s.outbox, ControlPlane: s.url}
}

// Start applies the control plane's remote configuration to cfg (per remote_config.mode),
// sends the heartbeat with the configuration it runs, and delivers what earlier runs left in
// the outbox, this run's config report included. None of it stops the run: a control plane
// that is down costs a warning, and results wait in the outbox.
func (s *Session) Start(ctx context.Context, cfg *config.Config) {
	earlier, _ := s.outbox.Count() // a directory read; corrupt files are reported by Deliver
	rc := agentremote.Sync(ctx, agentremote.Request{Config: cfg, Client: s.client, Outbox: s.outbox,
		ControlPlane: s.url, StateDir: s.stateDir(), Getenv: s.getenv, Secrets: secrets(cfg),
		Version: version.Get().Version, Logger: s.logger})
	if err := s.client.HeartbeatConfig(ctx, s.runtimeID, time.Now(), rc.Revision, rc.Digest); err != nil {
		s.logger.Warn("heartbeat not delivered", "err", err)
	}
	if earlier > 0 {
		s.logger.Info("delivering results left by earlier runs", "items", earlier)
	}
	if n, _ := s.outbox.Count(); n > 0 {
		s.Deliver(ctx)
	}
}

func (s *Session) stateDir() string { return filepath.Dir(s.outbox.Dir()) }

// sender delivers every kind of outbox item: evidence, and config reports.
func (s *Session) sender() outbox.Sender {
	return agentremote.Sender(publish.Sender(s.client), s.client, agentremote.Store{Dir: s.stateDir()}, nil)
}

// secrets are the configuration's values that must never appear in a config report.
func secrets(cfg *config.Config) []string {
	if cp := cfg.ControlPlane; cp != nil && cp.ClientSecret != "" {
		return []string{cp.ClientSecret}
	}
	return nil
}

// Deliver sends everything in the outbox and returns how many results are still waiting. A
// config report that waits is logged and not counted: the count decides the exit code, which
// is about results.
func (s *Session) Deliver(ctx context.Context) int {
	rep, err := s.outbox.Deliver(ctx, s.sender(), &outbox.DeliverOptions{ControlPlane: s.url})
	s.logCorrupt(rep)
	if err != nil {
		s.logger.Error("outbox", "err", err)
	}
	reports := s.waitingReports(append(rep.Failed, rep.Skipped...))
	if err != nil || rep.Pending() > 0 {
		if n, lerr := s.outbox.Count(); lerr == nil {
			return n - len(rep.Foreign) - reports
		}
	}
	return rep.Pending() - reports
}

// waitingReports logs the config reports among items (still in the outbox) and counts them.
func (s *Session) waitingReports(items []outbox.Item) int {
	n := 0
	for _, it := range items {
		if it.Kind == outbox.KindConfigReport {
			s.logger.Warn("config report not delivered; it waits in the outbox", "err", it.LastError)
			n++
		}
	}
	return n
}

// Flush delivers the outbox for `argus outbox flush`; force also retries items the control
// plane rejected before.
func (s *Session) Flush(ctx context.Context, force bool) (outbox.Report, error) {
	rep, err := s.outbox.Deliver(ctx, s.sender(), &outbox.DeliverOptions{Force: force, ControlPlane: s.url})
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

// MergeLastGood applies the remote configuration as the last run decided it, from the state
// directory, without asking the control plane: for plans and dry runs, which must not touch
// the network. Nothing is reported.
func MergeLastGood(logger *slog.Logger, cfg *config.Config, stateDir string) error {
	agentremote.Sync(context.Background(), agentremote.Request{Config: cfg, StateDir: stateDir,
		Getenv: os.LookupEnv, Secrets: secrets(cfg), Logger: logger})
	return nil
}
