package session

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/controlplane/cptest"
	"github.com/compliance-framework/argus/internal/outcome"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/state"
	"github.com/compliance-framework/argus/sdk"
)

type opener struct {
	cfg  *config.Config
	sess *Session
}

func (o opener) Config(context.Context) (*config.Config, error) { return o.cfg, nil }
func (o opener) Session(context.Context) (*Session, error)      { return o.sess, nil }

// openSession opens a session on the state in dir, as one invocation does; done ends the
// invocation.
func openSession(t *testing.T, cfg *config.Config, dir string) (s *Session, done func()) {
	t.Helper()
	store, err := state.Open(context.Background(), dir, time.Second, "session test")
	if err != nil {
		t.Fatal(err)
	}
	if s, err = Open(cfg, store, nil); err != nil {
		t.Fatal(err)
	}
	return s, func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	}
}

func collect(t *testing.T, s *Session) {
	t.Helper()
	run := &result.Run{ID: "00000000-0000-4000-8000-000000000001", Started: time.Now()}
	job := result.Job{Name: "j", Provider: "builtin/file", Start: time.Now(), End: time.Now(),
		Subject: sdk.Subject{Type: "host", Identifier: "h"}, Results: []sdk.Result{{Title: "t", Status: sdk.StatusPass}}}
	if _, err := s.Collector().Collect(run, job); err != nil {
		t.Fatal(err)
	}
}

func TestOpenWithoutAControlPlaneIsNoSession(t *testing.T) {
	s, err := Open(&config.Config{}, nil, nil)
	if s != nil || err != nil {
		t.Errorf("Open = %v, %v; want nil, nil", s, err)
	}
}

// Deliver and FlushOutbox say how many results still wait: while the control plane is down,
// all of them; once it is back, the next invocation's session delivers them.
func TestDeliverCountsWhatStillWaits(t *testing.T) {
	fake := cptest.New(cptest.Options{})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	cfg := &config.Config{ControlPlane: &config.ControlPlane{URL: srv.URL}}
	dir := t.TempDir()
	s, done := openSession(t, cfg, dir)
	collect(t, s)

	fake.Update(func(sw *cptest.Switches) { sw.Down = true })
	if n := s.Deliver(context.Background()); n != 1 {
		t.Errorf("Deliver with the control plane down: %d waiting, want 1", n)
	}
	var out bytes.Buffer
	flushed, err := FlushOutbox(context.Background(), opener{cfg, s}, &out, false)
	if err != nil || flushed.Exit.Kind != outcome.Undelivered || !strings.Contains(out.String(), "Delivered 0 result(s); 1 still waiting.") {
		t.Errorf("FlushOutbox while down = %+v, %v, %q", flushed, err, &out)
	}

	fake.Update(func(sw *cptest.Switches) { sw.Down = false })
	// Without a retry budget this session has given up on the control plane; the next
	// invocation opens its own.
	done()
	s, done = openSession(t, cfg, dir)
	defer done()
	out.Reset()
	flushed, err = FlushOutbox(context.Background(), opener{cfg, s}, &out, false)
	if err != nil || !flushed.Exit.Quiet() || !strings.Contains(out.String(), "Delivered 1 result(s); 0 still waiting.") {
		t.Errorf("FlushOutbox once up = %+v, %v, %q", flushed, err, &out)
	}
	if n := len(fake.Recording().Evidence); n != 1 {
		t.Errorf("control plane received %d evidence, want 1", n)
	}
}

func TestFlushOutboxWithoutAControlPlane(t *testing.T) {
	_, err := FlushOutbox(context.Background(), opener{cfg: &config.Config{}}, &bytes.Buffer{}, false)
	if err == nil || !strings.Contains(err.Error(), "no control_plane block") {
		t.Errorf("err = %v, want it to say there is no control_plane block", err)
	}
}

func TestMergeLastGoodWithoutJobSync(t *testing.T) {
	if err := MergeLastGood(nil, &config.Config{}, t.TempDir()); err != nil {
		t.Errorf("MergeLastGood without a control plane: %v", err)
	}
}
