package agentremote

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/controlplane/cptest"
	"github.com/compliance-framework/argus/internal/outbox"
)

func syncConfig(mode string) *config.Config {
	return &config.Config{
		ControlPlane: &config.ControlPlane{URL: "x", ClientID: "a", ClientSecret: "b"},
		RemoteConfig: &config.RemoteConfig{Mode: mode},
		Jobs: []config.Job{{Name: "check", Provider: "builtin/file", Schedule: "every 1h", Timeout: 3,
			Config: []byte(`{"path":"/"}`), Subject: config.Subject{Type: "t", Identifier: "i"}}},
	}
}

// Sync end to end against the fake: applied, reported through the outbox, heartbeat values.
func TestSync(t *testing.T) {
	srv := cptest.Start(t, cptest.Options{ClientID: "a", ClientSecret: "b"})
	c, err := controlplane.New(controlplane.Config{BaseURL: srv.URL, ClientID: "a", ClientSecret: "b"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ob, err := outbox.Open(filepath.Join(dir, "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.SetOverlay(json.RawMessage(`{"plugins":{"check":{"schedule":"@every 10m","labels":{"team":"sec"}}}}`)); err != nil {
		t.Fatal(err)
	}
	cfg := syncConfig(ModeApplySafe)
	res := Sync(t.Context(), Request{Config: cfg, Client: c, Outbox: ob, StateDir: dir})
	if res.Revision == nil || *res.Revision != 1 || res.Digest == "" {
		t.Fatalf("result %+v", res)
	}
	if j := cfg.Jobs[0]; j.Schedule != "every 10m" || j.Labels["team"] != "sec" || j.Timeout != 3 || j.Subject.Identifier != "i" {
		t.Fatalf("job %+v", j)
	}
	items, _ := ob.List()
	if len(items) != 1 || items[0].Kind != outbox.KindConfigReport {
		t.Fatalf("outbox %+v", items)
	}
	if rep, err := ob.Deliver(t.Context(), Sender(outbox.SenderFunc(nil), c, Store{Dir: dir}, nil), nil); err != nil || rep.Delivered != 1 {
		t.Fatalf("deliver %+v %v", rep, err)
	}
	if n := len(srv.Recording().ConfigReports); n != 1 {
		t.Fatalf("%d reports", n)
	}

	// policy_data on a built-in provider's job: not applied (unsupported), the local job runs.
	if _, err := srv.SetOverlay(json.RawMessage(`{"plugins":{"check":{"policy_data":{"x":1}}}}`)); err != nil {
		t.Fatal(err)
	}
	cfg = syncConfig(ModeApplySafe)
	if res = Sync(t.Context(), Request{Config: cfg, Client: c, Outbox: ob, StateDir: dir}); res.Revision != nil || cfg.Jobs[0].Schedule != "every 1h" {
		t.Fatalf("policy_data on a built-in job: %+v %+v", res, cfg.Jobs[0])
	}
	items, _ = ob.List()
	var q queued
	if len(items) != 1 || json.Unmarshal(items[0].Payload, &q) != nil {
		t.Fatalf("outbox %+v", items)
	}
	var r Report
	if err := json.Unmarshal(q.Report, &r); err != nil || r.Status != StatusFailed || r.Reason != ReasonUnsupported {
		t.Fatalf("report %+v %v", r, err)
	}

	// Off: nothing asked, nothing queued.
	before := len(srv.Recording().ConfigFetches)
	if res := Sync(t.Context(), Request{Config: syncConfig(ModeOff), Client: c, Outbox: ob, StateDir: dir}); res.Digest != "" || len(srv.Recording().ConfigFetches) != before {
		t.Fatalf("off: %+v", res)
	}
}
