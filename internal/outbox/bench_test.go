package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/controlplane/cptest"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/retry"
	"github.com/compliance-framework/argus/sdk"
)

// evidence is one result as the control plane receives it, about the size of a real one.
func evidence(tb testing.TB, i int) json.RawMessage {
	tb.Helper()
	now := time.Now()
	job := result.Job{
		Name: "bench", Provider: "builtin/file", Labels: map[string]string{"control": "ac-6", "suite": "argus-bench"},
		Subject: sdk.Subject{Type: "inventory-item", Identifier: "host/argus-bench"},
		Start:   now.Add(-time.Second), End: now,
	}
	res := sdk.Result{Title: fmt.Sprintf("bench check %d", i%10), Status: sdk.StatusPass, Reason: "benchmark",
		Observations: []sdk.Observation{{Title: "looked", Evidence: map[string]any{"mode": "0644"}}}}
	ev, ok := controlplane.NewEvidence(&result.Run{ID: "4f6f1c32-8a54-4c2e-9f57-1d2b3c4d5e6f"}, job, res, now)
	if !ok {
		tb.Fatal("NewEvidence: no evidence for a passing result")
	}
	b, err := json.Marshal(ev)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkPut is the durable write of one result: a file written, fsynced and renamed into
// place, and the directory fsynced.
func BenchmarkPut(b *testing.B) {
	ob, err := outbox.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	payload := evidence(b, 0)
	for b.Loop() {
		if _, err := ob.Put(outbox.Item{Kind: outbox.KindEvidence, Payload: payload}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeliver sends b.N results (one op is one result) through the control-plane client,
// one at a time and with bounded concurrency, side by side. The control plane is the in-process
// fake, or the API at ARGUS_BENCH_CP_URL (bench/run.sh points it at the fake as a process and at
// a real Compliance Framework API).
func BenchmarkDeliver(b *testing.B) {
	url := os.Getenv("ARGUS_BENCH_CP_URL")
	if url == "" {
		srv := httptest.NewServer(cptest.New(cptest.Options{}))
		b.Cleanup(srv.Close)
		url = srv.URL
	}
	payload := evidence(b, 0)
	for _, conc := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("concurrency-%d", conc), func(b *testing.B) {
			client, err := controlplane.New(controlplane.Config{BaseURL: url, Budget: retry.NewBudget(time.Minute)})
			if err != nil {
				b.Fatal(err)
			}
			ob, err := outbox.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			for range b.N {
				if _, err := ob.Put(outbox.Item{Kind: outbox.KindEvidence, Payload: payload}); err != nil {
					b.Fatal(err)
				}
			}
			send := outbox.SenderFunc(func(ctx context.Context, it outbox.Item) error {
				return client.SendEvidenceJSON(ctx, it.ID, it.Payload)
			})
			b.ResetTimer()
			rep, err := ob.Deliver(context.Background(), send, &outbox.DeliverOptions{Concurrency: conc})
			b.StopTimer()
			if err != nil || rep.Delivered != b.N {
				b.Fatalf("delivered %d of %d: %v (first failure: %v)", rep.Delivered, b.N, err, rep.Failed)
			}
		})
	}
}

// BenchmarkPutAll is the durable write of one job's results (one op is one result), batched
// (one flush for the job) beside one Put each, for jobs of 10 and 1,000 results.
func BenchmarkPutAll(b *testing.B) {
	payload := evidence(b, 0)
	for _, n := range []int{10, 1000} {
		for _, mode := range []string{"put-each", "put-all"} {
			b.Run(fmt.Sprintf("%s-%d", mode, n), func(b *testing.B) {
				ob, err := outbox.Open(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				batch := make([]outbox.Item, n)
				done := 0
				for b.Loop() {
					if done%n == 0 {
						for i := range batch {
							batch[i] = outbox.Item{Kind: outbox.KindEvidence, Payload: payload}
						}
						if mode == "put-all" {
							if _, err := ob.PutAll(batch); err != nil {
								b.Fatal(err)
							}
						}
					}
					if mode == "put-each" {
						if _, err := ob.Put(batch[done%n]); err != nil {
							b.Fatal(err)
						}
					}
					done++
				}
			})
		}
	}
}
