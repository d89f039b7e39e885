package publish

import (
	"encoding/json"
	"fmt"
	"hash/crc64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// seedOf is the value SeededUUID's math/rand source is effectively seeded with: the CRC-64 of
// the labels, reduced modulo 2^31-1 as rand.NewSource does. Equal values give equal UUIDs.
func seedOf(labels map[string]string) int64 {
	pairs := make([]string, 0, len(labels))
	for k, v := range labels {
		pairs = append(pairs, k+"="+v)
	}
	slices.Sort(pairs)
	s := int64(crc64.Checksum([]byte(strings.Join(pairs, "-")), crc64.MakeTable(crc64.ISO))) % (1<<31 - 1) //nolint:gosec // G115: the wrap-around is SeededUUID's own, reproduced
	if s < 0 {
		s += 1<<31 - 1
	}
	return s
}

// collidingTitles finds a title for job a and one for job b whose results share a stream: with
// about 2^31 distinct streams, a few tens of thousands of titles are enough (the birthday bound
// that also makes a large fleet collide by chance).
func collidingTitles(t *testing.T, a, b result.Job) (ta, tb string) {
	t.Helper()
	seen := map[int64]string{} // seed → "a:title" or "b:title"
	for i := range 1 << 20 {
		title := fmt.Sprintf("check %d", i)
		for _, side := range []struct {
			job        result.Job
			mine, want string
		}{{a, "a:", "b:"}, {b, "b:", "a:"}} {
			s := seedOf(controlplane.StreamLabels(side.job, title))
			if other, ok := strings.CutPrefix(seen[s], side.want); ok {
				if side.mine == "a:" {
					return title, other
				}
				return other, title
			}
			seen[s] = side.mine + title
		}
	}
	t.Fatal("no colliding titles found")
	return "", ""
}

// Two different jobs whose results map to one stream within a run: the second is not
// delivered and becomes an error result naming the first (issue 15, item 5).
func TestCollectRefusesAStreamTakenByAnotherJob(t *testing.T) {
	ob, err := outbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	p := &Publisher{Outbox: ob, Now: func() time.Time { return now }}
	run := &result.Run{ID: "run-1"}
	a := result.Job{Name: "job-a", Provider: "builtin/file", Start: now, End: now}
	b := result.Job{Name: "job-b", Provider: "builtin/file", Start: now, End: now}
	ta, tb := collidingTitles(t, a, b)
	if controlplane.SeededUUID(controlplane.StreamLabels(a, ta)) != controlplane.SeededUUID(controlplane.StreamLabels(b, tb)) {
		t.Fatalf("titles %q and %q do not collide", ta, tb)
	}
	t.Logf("job-a %q and job-b %q share a stream", ta, tb)

	a.Results = []sdk.Result{{Title: ta, Status: sdk.StatusPass}, {Title: "other", Status: sdk.StatusPass}}
	got, err := p.Collect(run, a)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.Results, got.Results); diff != "" {
		t.Errorf("the first job's results changed (-want +got):\n%s", diff)
	}
	b.Results = []sdk.Result{{Title: tb, Status: sdk.StatusFail, Reason: "forged"}, {Title: "skipped", Status: sdk.StatusSkip}}
	original := slices.Clone(b.Results)
	got, err = p.Collect(run, b)
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Results[0]; r.Status != sdk.StatusError || r.Title != tb || !strings.Contains(r.Reason, fmt.Sprintf("result %q of job %q", ta, "job-a")) {
		t.Errorf("colliding result = %+v, want an error naming job-a's result", r)
	}
	if !cmp.Equal(got.Results[1], original[1]) || !cmp.Equal(b.Results, original) {
		t.Errorf("Collect changed what it must not: got %+v, caller's slice %+v", got.Results, b.Results)
	}
	items, err := ob.List()
	if err != nil {
		t.Fatal(err)
	}
	var streams []string
	for _, it := range items {
		var ev controlplane.Evidence
		if err := json.Unmarshal(it.Payload, &ev); err != nil {
			t.Fatal(err)
		}
		streams = append(streams, ev.Labels[controlplane.LabelJob]+"/"+ev.Title)
	}
	slices.Sort(streams)
	if want := []string{"job-a/" + ta, "job-a/other"}; !slices.Equal(streams, want) {
		t.Errorf("outbox holds %v, want only job-a's results %v", streams, want)
	}
}

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
	if _, err := p.Collect(&result.Run{ID: "4f6f1c32-8a54-4c2e-9f57-1d2b3c4d5e6f"}, job); err != nil {
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
	if _, err := p.Collect(&result.Run{ID: "4f6f1c32-8a54-4c2e-9f57-1d2b3c4d5e6f"}, result.Job{Name: "none", Results: []sdk.Result{{Title: "s", Status: sdk.StatusSkip}}}); err != nil || ob.Flushes() != 1 {
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
	if _, err := p.Collect(&result.Run{ID: "4f6f1c32-8a54-4c2e-9f57-1d2b3c4d5e6f"}, job); err != nil {
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
