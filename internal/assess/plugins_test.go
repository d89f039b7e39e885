package assess

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/runner"
	"github.com/compliance-framework/argus/sdk"
)

// fakePlugins is the second kind of provider: it records what was prepared and run, and how
// many plugin jobs ran at once.
type fakePlugins struct {
	mu         sync.Mutex
	prepared   []string
	prepareErr map[string]error
	runner     *fakeRunner // shared with the argus-protocol runner, to count parallelism across both kinds
}

func (f *fakePlugins) Prepare(_ context.Context, job *config.Job) (PluginJob, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.prepareErr[job.Name]; err != nil {
		return nil, err
	}
	f.prepared = append(f.prepared, job.Name)
	return fakePluginJob{f: f, name: job.Name}, nil
}

type fakePluginJob struct {
	f    *fakePlugins
	name string
}

func (j fakePluginJob) Run(ctx context.Context, _ string) (runner.Outcome, []result.Delivery) {
	out := j.f.runner.Run(ctx, runner.Task{Request: sdk.Request{Job: sdk.Job{Name: j.name}}})
	return out, []result.Delivery{{Kind: "plugin-evidence", Payload: []byte(`{"uuid":"` + j.name + `"}`)}}
}

func ccfConfig(jobs ...config.Job) *config.Config {
	cfg := testConfig(jobs...)
	cfg.Providers = []config.Provider{{Name: "plug", Source: "ghcr.io/acme/plugin-x:v1", Kind: config.KindCCFPlugin}}
	return cfg
}

// Plugin jobs run through Plugins (not the argus runner), in parallel with the other jobs up to
// Parallel, and their documents travel with their results.
func TestExecutePluginJobs(t *testing.T) {
	var jobs []config.Job
	for _, n := range []string{"p1", "p2", "p3", "p4"} {
		j := job(n, "always")
		j.Provider = "plug"
		jobs = append(jobs, j)
	}
	jobs = append(jobs, job("argus-job", "always"))
	cfg := ccfConfig(jobs...)
	fr := &fakeRunner{outcome: func(ctx context.Context, t runner.Task) runner.Outcome {
		time.Sleep(20 * time.Millisecond)
		return pass(ctx, t)
	}}
	plugins := &fakePlugins{runner: fr}
	st := &fakeState{}
	out, err := (&Executor{Runner: fr, State: st, Resolver: fakeResolver{}, Plugins: plugins, Parallel: 2}).Execute(context.Background(), cfg, plannedAll(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	if len(plugins.prepared) != 4 {
		t.Errorf("prepared %v, want the 4 plugin jobs", plugins.prepared)
	}
	if fr.peak != 2 {
		t.Errorf("peak parallelism %d, want 2", fr.peak)
	}
	for _, j := range out.Run.Jobs {
		isPlugin := j.Name != "argus-job"
		if j.OwnStreams != isPlugin || isPlugin != (len(j.Deliveries) == 1) {
			t.Errorf("job %s: own streams %v, %d deliveries", j.Name, j.OwnStreams, len(j.Deliveries))
		}
		if st.finished[j.Name] != "pass" {
			t.Errorf("job %s finished as %q in the state", j.Name, st.finished[j.Name])
		}
	}
}

// A plugin or policy that does not verify stops the run before any job runs, as an argus
// provider's does.
func TestExecutePluginNotVerifiedRunsNothing(t *testing.T) {
	a, b := job("a", "always"), job("b", "always")
	b.Provider = "plug"
	cfg := ccfConfig(a, b)
	fr := &fakeRunner{outcome: pass}
	plugins := &fakePlugins{runner: fr, prepareErr: map[string]error{"b": errors.New("policy bundle x: is not in argus.lock.hcl")}}
	_, err := (&Executor{Runner: fr, State: &fakeState{}, Resolver: fakeResolver{}, Plugins: plugins, Parallel: 2}).Execute(context.Background(), cfg, plannedAll(t, cfg))
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Job != "b" || pe.Provider != "plug" {
		t.Fatalf("err = %v, want a ProviderError for job b", err)
	}
	if fr.peak != 0 {
		t.Error("a job ran although a plugin did not verify")
	}
	// Without a plugin runner, a CCF job cannot run either.
	if _, err := (&Executor{Runner: fr, State: &fakeState{}, Resolver: fakeResolver{}}).Execute(context.Background(), cfg, plannedAll(t, cfg)); !errors.As(err, &pe) {
		t.Errorf("no Plugins: err = %v, want a ProviderError", err)
	}
}
