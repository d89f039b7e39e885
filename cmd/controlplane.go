package cmd

import (
	"context"
	"fmt"
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

// deliveryFlags tune how hard argus tries to reach the control plane.
type deliveryFlags struct {
	RetryBudget time.Duration `default:"2m" help:"Total time this run may spend retrying the control plane (connection errors, 408, 429, 5xx) before leaving results in the outbox."`
}

// session is this invocation's link to the control plane: one client (one connection pool, one
// token, one retry budget) and the outbox. A nil session means no control_plane block.
type session struct {
	client    *controlplane.Client
	outbox    *outbox.Outbox
	runtimeID uuid.UUID
}

func openSession(a *app, cfg *config.Config, store *state.Store, f deliveryFlags) (*session, error) {
	if cfg.ControlPlane == nil {
		return nil, nil
	}
	client, err := controlplane.New(controlplane.Config{
		BaseURL:      cfg.ControlPlane.URL,
		ClientID:     cfg.ControlPlane.ClientID,
		ClientSecret: cfg.ControlPlane.ClientSecret,
		Logger:       a.logger,
		Budget:       retry.NewBudget(f.RetryBudget),
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
	return &session{client: client, outbox: ob, runtimeID: id}, nil
}

// start applies the control plane's remote configuration to cfg (per remote_config.mode),
// sends the heartbeat with the configuration it runs, and delivers what earlier runs left in
// the outbox, this run's config report included. None of it stops the run: a control plane
// that is down costs a warning, and results wait in the outbox.
func (s *session) start(ctx context.Context, a *app, cfg *config.Config) {
	earlier, _ := s.outbox.List() // corrupt files are reported by deliver
	rc := agentremote.Sync(ctx, agentremote.Request{Config: cfg, Client: s.client, Outbox: s.outbox,
		StateDir: filepath.Dir(s.outbox.Dir()), Getenv: a.Getenv, Secrets: configSecrets(cfg),
		Version: version.Get().Version, Logger: a.logger})
	if err := s.client.HeartbeatConfig(ctx, s.runtimeID, time.Now(), rc.Revision, rc.Digest); err != nil {
		a.logger.Warn("heartbeat not delivered", "err", err)
	}
	if len(earlier) > 0 {
		a.logger.Info("delivering results left by earlier runs", "items", len(earlier))
	}
	if items, _ := s.outbox.List(); len(items) > 0 {
		s.deliver(ctx, a)
	}
}

// sender delivers every kind of outbox item.
func (s *session) sender() outbox.Sender {
	return agentremote.Sender(publish.Sender(s.client), s.client, agentremote.Store{Dir: filepath.Dir(s.outbox.Dir())}, nil)
}

// deliver sends everything in the outbox and returns how many items are still waiting.
func (s *session) deliver(ctx context.Context, a *app) int {
	rep, err := s.outbox.Deliver(ctx, s.sender(), nil)
	for _, ce := range rep.Corrupt {
		a.logger.Error("outbox", "err", ce)
	}
	if err != nil {
		a.logger.Error("outbox", "err", err)
	}
	if err != nil || rep.Pending() > 0 {
		if items, lerr := s.outbox.List(); lerr == nil {
			return results(a, items)
		}
	}
	return results(a, append(rep.Failed, rep.Skipped...)) + len(rep.Corrupt)
}

// results counts the items that are results; a config report that waits is said apart, and
// does not count: the exit code is about results.
func results(a *app, items []outbox.Item) int {
	n := 0
	for _, it := range items {
		if it.Kind == outbox.KindConfigReport {
			a.logger.Warn("config report not delivered; it waits in the outbox", "err", it.LastError)
			continue
		}
		n++
	}
	return n
}
