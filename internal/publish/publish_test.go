package publish

import (
	"fmt"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// Issue 15 item 12: Collect wrote one fsynced outbox file per result. A job's results now share
// one wait for the disk, and all of them are in the outbox when Collect returns (the job's end
// is recorded only after it).
func TestCollectOneFlushPerJob(t *testing.T) {
	ob, err := outbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	job := result.Job{
		Name: "many", Provider: "builtin/file",
		Subject: sdk.Subject{Type: "inventory-item", Identifier: "host/web-1"},
		Start:   now.Add(-time.Second), End: now,
	}
	for i := range 40 {
		job.Results = append(job.Results, sdk.Result{Title: fmt.Sprintf("check %d", i), Status: sdk.StatusPass, Reason: "ok"})
	}
	job.Results = append(job.Results, sdk.Result{Title: "skipped", Status: sdk.StatusSkip, Reason: "n/a"})
	p := &Publisher{Outbox: ob, Now: func() time.Time { return now }}
	if err := p.Collect(&result.Run{ID: "4f6f1c32-8a54-4c2e-9f57-1d2b3c4d5e6f"}, job); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if got := ob.Flushes(); got != 1 {
		t.Errorf("Collect of 40 results waited for the disk %d times, want 1", got)
	}
	items, err := ob.List()
	if err != nil || len(items) != 40 {
		t.Fatalf("outbox holds %d items (%v), want 40 (the skip asserts nothing)", len(items), err)
	}
	// A job with nothing to deliver writes nothing.
	if err := p.Collect(&result.Run{ID: "4f6f1c32-8a54-4c2e-9f57-1d2b3c4d5e6f"}, result.Job{Name: "none", Results: []sdk.Result{{Title: "s", Status: sdk.StatusSkip}}}); err != nil || ob.Flushes() != 1 {
		t.Errorf("Collect of skips only: %v, %d flushes", err, ob.Flushes())
	}
}

// A CCF plugin job's pass and fail results are delivered as the plugin's own documents, as
// they are; only its error results become argus evidence in the job's stream.
func TestCollectPluginJob(t *testing.T) {
	ob, err := outbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	job := result.Job{
		Name: "ssh", Provider: "local-ssh", OwnStreams: true,
		Subject: sdk.Subject{Type: "inventory-item", Identifier: "host/web-1"},
		Start:   now.Add(-time.Second), End: now,
		Results: []sdk.Result{
			{Title: "check 0", Status: sdk.StatusPass},
			{Title: "check 1", Status: sdk.StatusFail},
			{Title: "invalid evidence from plugin ssh", Status: sdk.StatusError, Reason: "uuid"},
		},
		Deliveries: []result.Delivery{
			{Kind: outbox.KindPluginEvidence, Payload: []byte(`{"uuid":"5f0c1a52-4f44-4a4e-9d6a-0b7f3d1e2c10"}`)},
			{Kind: outbox.KindPluginEvidence, Payload: []byte(`{"uuid":"8a1e2b3c-4d5e-4f60-8172-93a4b5c6d7e8"}`)},
			{Kind: outbox.KindRiskTemplates, Payload: []byte(`{"packageName":"p","riskTemplates":[]}`)},
		},
	}
	p := &Publisher{Outbox: ob, Now: func() time.Time { return now }}
	if err := p.Collect(&result.Run{ID: "4f6f1c32-8a54-4c2e-9f57-1d2b3c4d5e6f"}, job); err != nil {
		t.Fatal(err)
	}
	items, err := ob.List()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, it := range items {
		kinds[it.Kind]++
	}
	if kinds[outbox.KindPluginEvidence] != 2 || kinds[outbox.KindRiskTemplates] != 1 || kinds[outbox.KindEvidence] != 1 || len(items) != 4 {
		t.Errorf("outbox kinds %v, want 2 plugin evidence, 1 risk template batch, 1 argus evidence (the error)", kinds)
	}
}
