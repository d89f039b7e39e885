// Command outboxgen fills an outbox with undelivered results, as a control plane down for a day
// would leave it, so that bench/run.sh can time `argus outbox list` and `argus outbox flush`
// over a backlog: outboxgen -dir STATE/outbox -n 100000.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

func main() {
	dir := flag.String("dir", "", "outbox directory (created)")
	n := flag.Int("n", 100000, "results to store")
	flag.Parse()
	if err := run(*dir, *n); err != nil {
		fmt.Fprintln(os.Stderr, "outboxgen:", err)
		os.Exit(1)
	}
}

func run(dir string, n int) error {
	if dir == "" {
		return fmt.Errorf("-dir is required")
	}
	ob, err := outbox.Open(dir)
	if err != nil {
		return err
	}
	t0 := time.Now().Add(-24 * time.Hour)
	run := &result.Run{ID: "4f6f1c32-8a54-4c2e-9f57-1d2b3c4d5e6f"}
	batch := make([]outbox.Item, 0, 1000)
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Second)
		job := result.Job{Name: fmt.Sprintf("j%06d", i), Provider: "trivial", Start: at, End: at,
			Subject: sdk.Subject{Type: "inventory-item", Identifier: fmt.Sprintf("host/%06d", i)}}
		res := sdk.Result{Title: "trivial check", Status: sdk.StatusPass, Reason: "benchmark backlog",
			Observations: []sdk.Observation{{Title: "looked", Evidence: map[string]any{"mode": "0644"}}}}
		ev, ok := controlplane.NewEvidence(run, job, res, at)
		if !ok {
			return fmt.Errorf("no evidence for a passing result")
		}
		payload, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		batch = append(batch, outbox.Item{Kind: outbox.KindEvidence, Created: at, Payload: payload,
			Attempts: 3, LastError: "send evidence: POST /api/evidence: connection refused"})
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := ob.PutAll(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}
