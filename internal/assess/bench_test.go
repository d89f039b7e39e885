package assess

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/state"
)

// benchConfig is n jobs of one provider, each with labels and a config like a real job's.
func benchConfig(n int) *config.Config {
	jobs := make([]config.Job, n)
	for i := range jobs {
		j := job(fmt.Sprintf("job-%05d", i), "every 1h")
		j.Labels = map[string]string{"control": "ac-6", "team": "platform"}
		j.Config = []byte(`{"path": "/etc/passwd", "max_mode": "0644", "owner": "root"}`)
		jobs[i] = j
	}
	return testConfig(jobs...)
}

// BenchmarkMakePlan decides 10,000 jobs against a state that has seen every one of them an
// hour and a half ago (so each needs its schedule's next time, not just "never ran").
func BenchmarkMakePlan(b *testing.B) {
	cfg := benchConfig(10_000)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	states := make(map[string]state.JobState, len(cfg.Jobs))
	for _, j := range cfg.Jobs {
		states[j.Name] = state.JobState{SpecHash: j.SpecHash(), LastStart: now.Add(-90 * time.Minute), LastEnd: now.Add(-89 * time.Minute), LastStatus: "pass"}
	}
	for b.Loop() {
		p, err := MakePlan(cfg, states, Selection{}, now)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Due()) != len(cfg.Jobs) {
			b.Fatalf("%d due, want %d", len(p.Due()), len(cfg.Jobs))
		}
	}
}

// BenchmarkExecute runs 1,000 jobs whose provider answers at once, recording each start and end
// in a real state file: what is left is argus's own per-job cost (state writes included).
func BenchmarkExecute(b *testing.B) {
	cfg := benchConfig(1_000)
	due := plannedAll(b, cfg)
	for b.Loop() {
		b.StopTimer()
		st, err := state.Open(context.Background(), b.TempDir(), 0, "bench")
		if err != nil {
			b.Fatal(err)
		}
		e := &Executor{Runner: &fakeRunner{outcome: pass}, State: st, Resolver: fakeResolver{}, Parallel: 2}
		b.StartTimer()
		out, err := e.Execute(context.Background(), cfg, due)
		if err != nil {
			b.Fatal(err)
		}
		if len(out.Run.Jobs) != len(due) {
			b.Fatalf("%d jobs ran, want %d", len(out.Run.Jobs), len(due))
		}
		b.StopTimer()
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
