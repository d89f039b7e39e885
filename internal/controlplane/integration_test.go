package controlplane_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/retry"
	"github.com/compliance-framework/argus/sdk"
	"github.com/google/uuid"
)

// realAPI returns the URL of a real Compliance Framework API, or skips. Start one with
// .ci/ccf-up.sh (or any compliance-framework/api v0.16+) and set ARGUS_CCF_URL.
func realAPI(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("ARGUS_CCF_URL")
	if u == "" {
		tb.Skip("ARGUS_CCF_URL is not set: skipping the test against a real Compliance Framework API (start one and set ARGUS_CCF_URL=http://127.0.0.1:18080)")
	}
	return u
}

func realClient(tb testing.TB, url string) *controlplane.Client {
	tb.Helper()
	c, err := controlplane.New(controlplane.Config{
		BaseURL: url, ClientID: os.Getenv("ARGUS_CCF_CLIENT_ID"), ClientSecret: os.Getenv("ARGUS_CCF_CLIENT_SECRET"),
		Budget: retry.NewBudget(30 * time.Second),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func realEvidence(runID, title string, status sdk.Status) controlplane.Evidence {
	now := time.Now()
	job := result.Job{
		Name: "argus-integration", Provider: "builtin/file", Labels: map[string]string{"suite": "argus-controlplane"},
		Subject: sdk.Subject{Type: "inventory-item", Identifier: "host/argus-it"},
		Start:   now.Add(-2 * time.Second), End: now,
	}
	res := sdk.Result{Title: title, Status: status, Reason: "integration test", Controls: []string{"ac-6"},
		Observations: []sdk.Observation{{Title: "looked", Evidence: map[string]any{"mode": "0644"}}}}
	ev, _ := controlplane.NewEvidence(&result.Run{ID: runID}, job, res, now)
	return ev
}

func TestRealAPI(t *testing.T) {
	url := realAPI(t)
	c := realClient(t, url)
	ctx := t.Context()
	if err := c.Heartbeat(ctx, uuid.New(), time.Now()); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	title := "argus integration " + uuid.NewString()
	first := realEvidence(uuid.NewString(), title, sdk.StatusPass)
	second := realEvidence(uuid.NewString(), title, sdk.StatusFail) // a later run of the same check
	if first.UUID != second.UUID {
		t.Fatalf("two runs of one check got streams %s and %s", first.UUID, second.UUID)
	}
	for i, ev := range []controlplane.Evidence{first, second} {
		if err := c.SendEvidence(ctx, uuid.NewString(), ev); err != nil {
			t.Fatalf("evidence %d: %v", i, err)
		}
	}

	// Both records continue one stream, and the latest is the failing one.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(url, "/")+"/api/evidence/history/"+first.UUID.String(), http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read by the decoder below
	var hist struct {
		Data []struct {
			UUID   string `json:"uuid"`
			Status struct {
				State string `json:"state"`
			} `json:"status"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&hist); err != nil {
		t.Fatalf("decode history (status %d): %v", resp.StatusCode, err)
	}
	if len(hist.Data) != 2 {
		t.Fatalf("stream %s has %d records, want 2", first.UUID, len(hist.Data))
	}
	states := map[string]bool{}
	for _, h := range hist.Data {
		states[h.Status.State] = true
		if h.UUID != first.UUID.String() {
			t.Errorf("history record of stream %s", h.UUID)
		}
	}
	if !states["satisfied"] || !states["not-satisfied"] {
		t.Errorf("states %v, want satisfied and not-satisfied", states)
	}

	// The API rejects a future end; the client keeps times in the server's past.
	future := realEvidence(uuid.NewString(), title, sdk.StatusPass)
	future.End = time.Now().Add(time.Hour)
	if err := c.SendEvidence(ctx, "", future); err != nil {
		t.Errorf("evidence with a future end (clamped by the client): %v", err)
	}
}

// BenchmarkRealAPIEvidence measures delivery throughput against a real API:
//
//	ARGUS_CCF_URL=http://127.0.0.1:18080 go test -run '^$' -bench RealAPI ./internal/controlplane
func BenchmarkRealAPIEvidence(b *testing.B) {
	url := realAPI(b)
	for _, conc := range []int{1, 4} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			c := realClient(b, url)
			runID := uuid.NewString()
			evs := make([]controlplane.Evidence, b.N)
			for i := range evs {
				evs[i] = realEvidence(runID, fmt.Sprintf("bench %d", i%50), sdk.StatusPass)
			}
			work := make(chan int)
			var wg sync.WaitGroup
			ctx := context.Background()
			b.ResetTimer()
			for range conc {
				wg.Go(func() {
					for i := range work {
						if err := c.SendEvidence(ctx, uuid.NewString(), evs[i]); err != nil {
							b.Error(err)
						}
					}
				})
			}
			for i := range b.N {
				work <- i
			}
			close(work)
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "evidence/s")
		})
	}
}
