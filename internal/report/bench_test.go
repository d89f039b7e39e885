package report

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// benchRun is a run of n jobs with one result each, a quarter of them failing, as 10,000 jobs
// of a fleet-wide CI run would look.
func benchRun(n int) *result.Run {
	run := &result.Run{ID: "0b7c6a2e-5d1f-4c3a-9e8b-2f6d4a1c9e70", Started: t0, Ended: t0.Add(time.Minute), Config: "ci/argus.hcl"}
	run.Jobs = make([]result.Job, n)
	for i := range run.Jobs {
		st := sdk.StatusPass
		if i%4 == 0 {
			st = sdk.StatusFail
		}
		run.Jobs[i] = result.Job{
			Name: fmt.Sprintf("job-%05d", i), Provider: "builtin/file",
			Labels:   map[string]string{"control": "ac-6", "team": "platform"},
			Subject:  sdk.Subject{Type: "inventory-item", Identifier: "host/web-1"},
			Location: result.Location{File: "ci/argus.hcl", Line: 1 + 6*i, Column: 1},
			Start:    t0, End: t0.Add(time.Second),
			Results: []sdk.Result{{Title: "mode is at most 0644", Status: st, Reason: "mode 0644",
				Observations: []sdk.Observation{{Title: "stat", Evidence: map[string]any{"mode": "0644"}}}}},
		}
	}
	return run
}

// BenchmarkWrite renders every report format for 10,000 results.
func BenchmarkWrite(b *testing.B) {
	run := benchRun(10_000)
	for _, format := range Formats() {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Write(io.Discard, format, run, testOptions()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
