package assess

import (
	"fmt"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// BenchmarkCarryLast is the per-run cost of keeping last results at CI scale: 10,000 jobs, half
// due (their results recorded), half not (carried into the run).
func BenchmarkCarryLast(b *testing.B) {
	const n = 10000
	jobs := make([]config.Job, n)
	plan := Plan{Jobs: make([]Planned, n)}
	run := &result.Run{}
	for i := range jobs {
		jobs[i] = job(fmt.Sprintf("job-%05d", i), "every 1h")
		plan.Jobs[i] = Planned{Job: &jobs[i]}
		plan.Jobs[i].Due = true
		run.Jobs = append(run.Jobs, result.Job{Name: jobs[i].Name, End: time.Now(), Results: []sdk.Result{{Title: "t", Status: sdk.StatusPass, Reason: "mode is 0644"}}})
	}
	dir := b.TempDir()
	if err := CarryLast(dir, plan, run); err != nil { // every job's results on record
		b.Fatal(err)
	}
	for i := range plan.Jobs {
		plan.Jobs[i].Due = i%2 == 0
	}
	half := run.Jobs[:0:0]
	for i := 0; i < n; i += 2 {
		half = append(half, run.Jobs[i])
	}
	b.ResetTimer()
	for b.Loop() {
		r := &result.Run{Jobs: append([]result.Job(nil), half...)}
		if err := CarryLast(dir, plan, r); err != nil {
			b.Fatal(err)
		}
		if r.NotDue() != n/2 {
			b.Fatalf("carried %d", r.NotDue())
		}
	}
}
