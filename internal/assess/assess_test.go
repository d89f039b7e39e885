package assess

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/runner"
	"github.com/compliance-framework/argus/internal/schedule"
	"github.com/compliance-framework/argus/internal/state"
	"github.com/compliance-framework/argus/sdk"
)

func job(name, sched string) config.Job {
	return config.Job{Name: name, Provider: "builtin/file", Schedule: sched, Timeout: time.Minute, Config: []byte(`{}`)}
}

func testConfig(jobs ...config.Job) *config.Config {
	return &config.Config{Path: "test.argus.hcl", Jobs: jobs}
}

func TestMakePlan(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	cfg := testConfig(job("a", "every 1h"), job("b", "every 1h"), job("c", "always"))
	ran := func(j config.Job, ago time.Duration, finished bool) state.JobState {
		st := state.JobState{SpecHash: j.SpecHash(), LastStart: now.Add(-ago)}
		if finished {
			st.LastEnd = st.LastStart.Add(time.Second)
		}
		return st
	}
	states := map[string]state.JobState{
		"a": ran(cfg.Jobs[0], 10*time.Minute, true),
		"b": ran(cfg.Jobs[1], 10*time.Minute, false),
		"c": ran(cfg.Jobs[2], time.Minute, true),
	}
	type row struct {
		Name string
		Due  bool
	}
	tests := []struct {
		name string
		sel  Selection
		want []row
	}{
		{"schedules", Selection{}, []row{{"a", false}, {"b", true}, {"c", true}}},
		{"all", Selection{All: true}, []row{{"a", true}, {"b", true}, {"c", true}}},
		{"job", Selection{Jobs: []string{"a"}}, []row{{"a", true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := MakePlan(cfg, states, tt.sel, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for _, j := range p.Jobs {
				got = append(got, row{j.Job.Name, j.Due})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}

	_, err := MakePlan(cfg, states, Selection{Jobs: []string{"a", "zz"}}, now)
	var unknown *UnknownJobError
	if !errors.As(err, &unknown) || !strings.Contains(err.Error(), `no job named "zz"`) || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("unknown --job: got %v", err)
	}
}

func TestMakePlanShards(t *testing.T) {
	var jobs []config.Job
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		jobs = append(jobs, job(n, "always"))
	}
	cfg := testConfig(jobs...)
	seen := map[string]int{}
	for i := 1; i <= 3; i++ {
		p, err := MakePlan(cfg, nil, Selection{All: true, Shard: schedule.Shard{Index: i, Count: 3}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Jobs)+p.OutOfShard != len(jobs) {
			t.Errorf("shard %d: %d jobs + %d out of shard, want %d", i, len(p.Jobs), p.OutOfShard, len(jobs))
		}
		for _, j := range p.Jobs {
			seen[j.Job.Name]++
		}
	}
	for _, j := range jobs {
		if seen[j.Name] != 1 {
			t.Errorf("job %s is in %d shards, want 1", j.Name, seen[j.Name])
		}
	}
}

// fakes for Execute

type fakeRunner struct {
	mu      sync.Mutex
	running int
	peak    int
	outcome func(ctx context.Context, t runner.Task) runner.Outcome
}

func (f *fakeRunner) Run(ctx context.Context, t runner.Task) runner.Outcome {
	f.mu.Lock()
	f.running++
	f.peak = max(f.peak, f.running)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.running--
		f.mu.Unlock()
	}()
	return f.outcome(ctx, t)
}

type fakeState struct {
	mu       sync.Mutex
	started  []string
	finished map[string]string
	failOn   string
}

func (f *fakeState) Started(name, _ string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name == f.failOn {
		return errors.New("disk full")
	}
	f.started = append(f.started, name)
	return nil
}

func (f *fakeState) Finished(name string, _ time.Time, status string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.finished == nil {
		f.finished = map[string]string{}
	}
	f.finished[name] = status
	return nil
}

type fakeResolver map[string]error

func (f fakeResolver) Command(_ context.Context, provider string) (runner.Command, error) {
	if err := f[provider]; err != nil {
		return runner.Command{}, err
	}
	return runner.Command{Path: "/bin/" + provider}, nil
}

func pass(_ context.Context, t runner.Task) runner.Outcome {
	return runner.Outcome{Results: []sdk.Result{{Title: t.Request.Job.Name, Status: sdk.StatusPass}}}
}

func plannedAll(t testing.TB, cfg *config.Config) []Planned {
	t.Helper()
	p, err := MakePlan(cfg, nil, Selection{All: true}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return p.Due()
}

func TestExecuteRunsEveryJobOnceWithinParallel(t *testing.T) {
	var jobs []config.Job
	for i := range 20 {
		jobs = append(jobs, job(string(rune('a'+i)), "always"))
	}
	cfg := testConfig(jobs...)
	release := make(chan struct{})
	r := &fakeRunner{outcome: func(ctx context.Context, t runner.Task) runner.Outcome {
		<-release
		return pass(ctx, t)
	}}
	st := &fakeState{}
	var order []string
	e := &Executor{Runner: r, State: st, Resolver: fakeResolver{}, Parallel: 3, JobDone: func(j result.Job) { order = append(order, j.Name) }}
	go func() {
		// Let the pool fill up before releasing the jobs, so the peak is measured under load.
		for {
			r.mu.Lock()
			full := r.running == 3
			r.mu.Unlock()
			if full {
				close(release)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	out, err := e.Execute(context.Background(), cfg, plannedAll(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	if r.peak != 3 {
		t.Errorf("peak concurrency %d, want 3", r.peak)
	}
	if len(out.Run.Jobs) != 20 || len(order) != 20 || len(st.finished) != 20 || out.NotRun != 0 {
		t.Errorf("jobs %d, callbacks %d, finished %d, not run %d; want 20, 20, 20, 0", len(out.Run.Jobs), len(order), len(st.finished), out.NotRun)
	}
	for i := 1; i < len(out.Run.Jobs); i++ {
		if out.Run.Jobs[i-1].Name >= out.Run.Jobs[i].Name {
			t.Fatalf("run jobs not sorted by name: %q before %q", out.Run.Jobs[i-1].Name, out.Run.Jobs[i].Name)
		}
	}
}

func TestExecuteRequestAndLocation(t *testing.T) {
	j := job("etc", "always")
	j.Labels = map[string]string{"control": "ac-6"}
	j.Subject = config.Subject{Type: "inventory-item", Identifier: "host/x"}
	j.Config = []byte(`{"path":"/etc"}`)
	j.Range.Filename, j.Range.Start.Line, j.Range.Start.Column = "a.argus.hcl", 7, 1
	cfg := testConfig(j)
	var got runner.Task
	r := &fakeRunner{outcome: func(ctx context.Context, t runner.Task) runner.Outcome { got = t; return pass(ctx, t) }}
	out, err := (&Executor{Runner: r, State: &fakeState{}, Resolver: fakeResolver{}}).Execute(context.Background(), cfg, plannedAll(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	if got.Command.Path != "/bin/builtin/file" || got.Timeout != time.Minute || got.Request.Protocol != 1 ||
		got.Request.RunID != out.Run.ID || string(got.Request.Config) != `{"path":"/etc"}` ||
		got.Request.Subject.Identifier != "host/x" || got.Request.Job.Labels["control"] != "ac-6" || got.Request.Deadline.IsZero() {
		t.Errorf("task = %+v", got)
	}
	if loc := out.Run.Jobs[0].Location; loc != (result.Location{File: "a.argus.hcl", Line: 7, Column: 1}) {
		t.Errorf("location = %+v", loc)
	}
}

func TestExecuteUnresolvableProviderRunsNothing(t *testing.T) {
	a, b := job("a", "always"), job("b", "always")
	b.Provider = "cis"
	cfg := testConfig(a, b)
	r := &fakeRunner{outcome: pass}
	st := &fakeState{}
	_, err := (&Executor{Runner: r, State: st, Resolver: fakeResolver{"cis": errors.New("not installed")}}).Execute(context.Background(), cfg, plannedAll(t, cfg))
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Job != "b" {
		t.Fatalf("err = %v, want ProviderError for job b", err)
	}
	if len(st.started) != 0 {
		t.Errorf("jobs started: %v", st.started)
	}
}

func TestExecuteInterruptLeavesJobsUnfinished(t *testing.T) {
	cfg := testConfig(job("a", "always"), job("b", "always"), job("c", "always"))
	ctx, cancel := context.WithCancel(context.Background())
	r := &fakeRunner{outcome: func(ctx context.Context, t runner.Task) runner.Outcome {
		if t.Request.Job.Name == "a" {
			return pass(ctx, t)
		}
		cancel()
		<-ctx.Done()
		return runner.Outcome{Results: []sdk.Result{{Title: "x", Status: sdk.StatusError}}, Failure: &runner.InterruptedError{Cause: ctx.Err()}}
	}}
	st := &fakeState{}
	out, err := (&Executor{Runner: r, State: st, Resolver: fakeResolver{}, Parallel: 1}).Execute(ctx, cfg, plannedAll(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Run.Jobs) != 1 || out.Run.Jobs[0].Name != "a" {
		t.Errorf("run jobs = %v, want only a", out.Run.Jobs)
	}
	if out.NotRun != 2 {
		t.Errorf("NotRun = %d, want 2", out.NotRun)
	}
	if diff := cmp.Diff(map[string]string{"a": "pass"}, st.finished); diff != "" {
		t.Errorf("finished (-want +got):\n%s", diff)
	}
}

func TestExecuteStateFailureStopsNewJobs(t *testing.T) {
	cfg := testConfig(job("a", "always"), job("b", "always"), job("c", "always"))
	st := &fakeState{failOn: "b"}
	out, err := (&Executor{Runner: &fakeRunner{outcome: pass}, State: st, Resolver: fakeResolver{}, Parallel: 1}).Execute(context.Background(), cfg, plannedAll(t, cfg))
	if err == nil || !strings.Contains(err.Error(), `record start of job "b": disk full`) {
		t.Fatalf("err = %v", err)
	}
	if len(out.Run.Jobs) != 1 || out.NotRun != 2 {
		t.Errorf("jobs %d, not run %d; want 1 and 2", len(out.Run.Jobs), out.NotRun)
	}
}

// batchingState records how Execute switches write-behind on and off.
type batchingState struct {
	fakeState
	calls []time.Duration
}

func (b *batchingState) SetWriteBehind(d time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, d)
	return nil
}

func TestExecuteDefersStateWritesOnlyForLargeRuns(t *testing.T) {
	tests := []struct {
		jobs int
		want []time.Duration
	}{
		{writeBehindJobs, nil},
		{writeBehindJobs + 1, []time.Duration{writeBehindInterval, 0}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.jobs), func(t *testing.T) {
			var jobs []config.Job
			for i := range tt.jobs {
				jobs = append(jobs, job(fmt.Sprintf("j%03d", i), "always"))
			}
			cfg := testConfig(jobs...)
			st := &batchingState{}
			out, err := (&Executor{Runner: &fakeRunner{outcome: pass}, State: st, Resolver: fakeResolver{}, Parallel: 2}).Execute(context.Background(), cfg, plannedAll(t, cfg))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, st.calls); diff != "" {
				t.Errorf("SetWriteBehind calls (-want +got):\n%s", diff)
			}
			if len(st.finished) != tt.jobs || len(out.Run.Jobs) != tt.jobs {
				t.Errorf("finished %d, ran %d; want %d", len(st.finished), len(out.Run.Jobs), tt.jobs)
			}
		})
	}
}

// A large run defers state writes, but every end is on disk when Execute returns, before Close.
func TestExecuteLargeRunStateFileCompleteOnReturn(t *testing.T) {
	dir := t.TempDir()
	st, err := state.Open(context.Background(), dir, 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	cfg := benchConfig(writeBehindJobs * 2)
	if _, err := (&Executor{Runner: &fakeRunner{outcome: pass}, State: st, Resolver: fakeResolver{}, Parallel: 2}).Execute(context.Background(), cfg, plannedAll(t, cfg)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, state.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Jobs map[string]state.JobState }
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	for _, j := range cfg.Jobs {
		if got := f.Jobs[j.Name]; got.LastStatus != "pass" || got.SpecHash != j.SpecHash() {
			t.Fatalf("state file: job %s = %+v, want finished with status pass", j.Name, got)
		}
	}
}
