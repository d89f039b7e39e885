package assess

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/runner"
	"github.com/compliance-framework/argus/internal/state"
	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
)

// Runner runs one provider process.
type Runner interface {
	Run(ctx context.Context, t runner.Task) runner.Outcome
}

// StateRecorder persists when each job started and ended, so that the next invocation knows
// what is due and a killed run is recognisable.
type StateRecorder interface {
	Started(name, specHash string, at time.Time) error
	Finished(name string, at time.Time, status string) error
}

// Resolver turns a job's provider name into the command that runs it. It verifies installed
// providers once per invocation, before their first job.
type Resolver interface {
	Command(ctx context.Context, provider string) (runner.Command, error)
}

// Plugins is the second kind of provider: Compliance Framework plugins, run over go-plugin
// rather than argus's JSON protocol. Prepare verifies what a job needs (the plugin and its
// policy bundles, against the lock, never downloading) before anything runs, as the Resolver
// does for argus providers.
type Plugins interface {
	Prepare(ctx context.Context, job *config.Job) (PluginJob, error)
}

// PluginJob is one prepared CCF plugin job.
type PluginJob interface {
	// Run runs the job once: its outcome as reports show it, and the plugin's own documents
	// for the control plane (evidence in the plugin's streams, template batches).
	Run(ctx context.Context, runID string) (runner.Outcome, []result.Delivery)
}

// Collector keeps a finished job's results durably (in the outbox) before the state file
// records the job as finished: a crash between the two runs the job again rather than losing
// its results.
type Collector interface {
	// Collect returns j as the run should record it: results it refused to deliver become
	// error results.
	Collect(run *result.Run, j result.Job) (result.Job, error)
}

var _ Runner = (*runner.Runner)(nil)

// stateBatcher is a StateRecorder that can defer its writes (*state.Store).
type stateBatcher interface {
	SetWriteBehind(interval time.Duration) error
}

var _ stateBatcher = (*state.Store)(nil)

// Above writeBehindJobs due jobs, Execute has a stateBatcher write the state file at most every
// writeBehindInterval instead of twice per job. A write-through state file is rewritten whole on
// every Started and Finished: at 10,000 jobs that is 20,000 fsynced writes of a file growing to
// megabytes, quadratic in the job count, and it dominated `argus assess` (bench/RESULTS.md).
//
// What a SIGKILL costs in that mode: the state changes of the last interval. Results are
// never among them: the Collector has made a job's results durable in the outbox before its
// Finished is recorded, so the worst case is a job that ran and delivered, but whose end (or
// start) is not on record and which therefore runs once more on the next invocation, never once
// less. Small runs, where the writes cost nothing that matters, keep the exact record.
const (
	writeBehindJobs     = 50
	writeBehindInterval = 200 * time.Millisecond
)

// Executor runs due jobs.
type Executor struct {
	Runner   Runner        // required
	State    StateRecorder // required
	Resolver Resolver      // required
	// Plugins runs the jobs of CCF plugin providers; nil when the configuration has none.
	Plugins Plugins
	// Collector, when set, is given each finished job before its end is recorded.
	Collector Collector
	// JobDone, when set, is called with each finished job, one call at a time, as jobs finish.
	JobDone  func(result.Job)
	Parallel int // jobs at once; <= 0 means 1
	Logger   *slog.Logger
	Now      func() time.Time // default time.Now
}

// Executed is what Execute did.
type Executed struct {
	Run *result.Run
	// NotRun counts due jobs that did not run to completion because ctx was cancelled.
	NotRun int
}

// ProviderError is returned when a due job's provider cannot be run at all (not installed, or
// its installed files no longer match the lock). Nothing has run when it is returned.
type ProviderError struct {
	Job, Provider string
	Err           error
}

func (e *ProviderError) Error() string {
	return fmt.Sprintf("job %q: provider %q: %v", e.Job, e.Provider, e.Err)
}

func (e *ProviderError) Unwrap() error { return e.Err }

// Execute runs every due job once, at most Parallel at a time. A provider's failure is a result,
// not an error: the error return is for problems that make the run itself untrustworthy
// (an unresolvable provider before anything ran, or a state file that cannot be written).
// When ctx is cancelled no further job starts, running providers are stopped, and what had
// finished is returned.
func (e *Executor) Execute(ctx context.Context, cfg *config.Config, due []Planned) (Executed, error) {
	now := e.Now
	if now == nil {
		now = time.Now
	}
	logger := e.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	// Resolve every provider before running anything: a missing or tampered provider stops the
	// whole invocation rather than leaving half the jobs run.
	runs, err := e.resolve(ctx, cfg, due)
	if err != nil {
		return Executed{}, err
	}

	var (
		mu       sync.Mutex // guards run.Jobs, notRun, stateErr and serialises JobDone
		notRun   int
		stateErr error
	)
	batcher, batched := e.State.(stateBatcher)
	if batched = batched && len(due) > writeBehindJobs; batched {
		if err := batcher.SetWriteBehind(writeBehindInterval); err != nil {
			return Executed{}, fmt.Errorf("defer state writes: %w", err)
		}
	}

	run := &result.Run{ID: uuid.NewString(), Started: now().UTC(), Config: cfg.Path, Jobs: make([]result.Job, 0, len(due))}
	rules := cfg.WaiverRules()
	parallel := max(e.Parallel, 1)
	g := new(errgroup.Group)
	g.SetLimit(parallel)
	for i, p := range due {
		mu.Lock()
		stop := stateErr != nil
		mu.Unlock()
		if ctx.Err() != nil || stop {
			mu.Lock()
			notRun += len(due) - i
			mu.Unlock()
			break
		}
		job := p.Job
		g.Go(func() error {
			// Checked again here: g.Go may have waited for a free slot since the loop looked.
			mu.Lock()
			stop := ctx.Err() != nil || stateErr != nil
			if stop {
				notRun++
			}
			mu.Unlock()
			if stop {
				return nil
			}
			start := now().UTC()
			if err := e.State.Started(job.Name, job.SpecHash(), start); err != nil {
				mu.Lock()
				stateErr = cmp.Or(stateErr, fmt.Errorf("record start of job %q: %w", job.Name, err))
				notRun++
				mu.Unlock()
				return nil
			}
			out, deliveries := runs[job.Name](ctx, run.ID, start)
			if out.Failure != nil && ctx.Err() != nil {
				// Stopped by the interrupt, not a finding about the subject: leave the job
				// unfinished in the state file so that the next invocation runs it again.
				logger.Info("job interrupted", "job", job.Name)
				mu.Lock()
				notRun++
				mu.Unlock()
				return nil
			}
			rj := jobResult(job, out, rules, now())
			if deliveries != nil {
				rj.OwnStreams, rj.Deliveries = true, deliveries
			}
			var err error
			if e.Collector != nil {
				if rj, err = e.Collector.Collect(run, rj); err != nil {
					err = fmt.Errorf("keep results of job %q: %w", job.Name, err)
				}
			}
			if err == nil {
				if err = e.State.Finished(job.Name, rj.End, string(rj.Status())); err != nil {
					err = fmt.Errorf("record end of job %q: %w", job.Name, err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			stateErr = cmp.Or(stateErr, err)
			run.Jobs = append(run.Jobs, rj)
			if e.JobDone != nil {
				e.JobDone(rj)
			}
			return nil
		})
	}
	_ = g.Wait() // workers report through run, notRun and stateErr, never through the group
	if batched {
		// Back to write-through, which writes what is pending now rather than at Close.
		if err := batcher.SetWriteBehind(0); err != nil {
			stateErr = cmp.Or(stateErr, fmt.Errorf("write state file: %w", err))
		}
	}
	run.Ended = now().UTC()
	slices.SortFunc(run.Jobs, func(a, b result.Job) int { return cmp.Compare(a.Name, b.Name) })
	run.UnusedWaivers = unusedWaivers(rules, run.Jobs, run.Ended)
	return Executed{Run: run, NotRun: notRun}, stateErr
}

// runJob runs one due job of whichever kind its provider is. Deliveries is nil for argus
// providers, whose results become argus evidence, and non-nil for CCF plugins.
type runJob func(ctx context.Context, runID string, start time.Time) (out runner.Outcome, deliveries []result.Delivery)

// resolve verifies every due job's provider and returns how each job runs.
func (e *Executor) resolve(ctx context.Context, cfg *config.Config, due []Planned) (map[string]runJob, error) {
	ccf := map[string]bool{}
	for _, p := range cfg.Providers {
		ccf[p.Name] = p.IsCCFPlugin()
	}
	commands := make(map[string]runner.Command)
	runs := make(map[string]runJob, len(due))
	for _, p := range due {
		job := p.Job
		if ccf[job.Provider] {
			if e.Plugins == nil {
				return nil, &ProviderError{Job: job.Name, Provider: job.Provider, Err: fmt.Errorf("this argus was not set up to run CCF plugins")}
			}
			pj, err := e.Plugins.Prepare(ctx, job)
			if err != nil {
				return nil, &ProviderError{Job: job.Name, Provider: job.Provider, Err: err}
			}
			runs[job.Name] = func(ctx context.Context, runID string, _ time.Time) (runner.Outcome, []result.Delivery) {
				out, d := pj.Run(ctx, runID)
				if d == nil {
					d = []result.Delivery{}
				}
				return out, d
			}
			continue
		}
		c, ok := commands[job.Provider]
		if !ok {
			var err error
			if c, err = e.Resolver.Command(ctx, job.Provider); err != nil {
				return nil, &ProviderError{Job: job.Name, Provider: job.Provider, Err: err}
			}
			commands[job.Provider] = c
		}
		runs[job.Name] = func(ctx context.Context, runID string, start time.Time) (runner.Outcome, []result.Delivery) {
			return e.Runner.Run(ctx, runner.Task{
				Command:  c,
				Request:  request(runID, job, start),
				Timeout:  job.Timeout,
				EnvAllow: job.EnvAllow,
			}), nil
		}
	}
	return runs, nil
}

func request(runID string, job *config.Job, start time.Time) sdk.Request {
	return sdk.Request{
		Protocol: sdk.ProtocolVersion,
		RunID:    runID,
		Job:      sdk.Job{Name: job.Name, Labels: job.Labels},
		Subject:  sdk.Subject{Type: job.Subject.Type, Identifier: job.Subject.Identifier},
		Config:   job.Config,
		Deadline: start.Add(job.Timeout),
	}
}

// jobResult records what a job's provider reported: each result gets the job's severity unless
// the provider gave its own, and each failure the waiver that accepts it (or the expired one
// that no longer does).
func jobResult(job *config.Job, out runner.Outcome, rules []waiver.Waiver, now time.Time) result.Job {
	rj := result.Job{
		Description: job.Description,
		Remediation: job.Remediation,
		Name:        job.Name,
		Provider:    job.Provider,
		Labels:      job.Labels,
		Subject:     sdk.Subject{Type: job.Subject.Type, Identifier: job.Subject.Identifier},
		Location: result.Location{
			File:   job.Range.Filename,
			Line:   job.Range.Start.Line,
			Column: job.Range.Start.Column,
		},
		Start:   out.Start.UTC(),
		End:     out.End.UTC(),
		Results: out.Results,
	}
	if out.Failure != nil {
		rj.Stderr = out.Stderr
	}
	sev := cmp.Or(job.Severity, sdk.SeverityMedium)
	rj.Results = slices.Clone(rj.Results)
	for i := range rj.Results {
		r := &rj.Results[i]
		if !r.Severity.Valid() {
			r.Severity = sev
		}
		if r.Status != sdk.StatusFail {
			continue
		}
		switch l := waiver.Find(rules, job.Name, r.Title, now); {
		case l.Applied != nil:
			if rj.Waivers == nil {
				rj.Waivers = map[string]waiver.Waiver{}
			}
			rj.Waivers[r.Title] = *l.Applied
		case l.Expired != nil:
			if rj.Expired == nil {
				rj.Expired = map[string]waiver.Waiver{}
			}
			rj.Expired[r.Title] = *l.Expired
		}
	}
	return rj
}

// unusedWaivers are the waivers, active at now, that cover a job that ran yet waived none of
// its results: the failure they were written for is fixed (or renamed), and they should go. A
// waiver whose jobs did not run (another shard, --job) says nothing about its use.
func unusedWaivers(rules []waiver.Waiver, jobs []result.Job, now time.Time) []waiver.Waiver {
	var out []waiver.Waiver
	for _, w := range rules {
		if w.State(now) == waiver.Expired {
			continue
		}
		ran, used := false, false
		for _, j := range jobs {
			if !w.MatchesJob(j.Name) {
				continue
			}
			ran = true
			for _, applied := range j.Waivers {
				if applied.Name == w.Name {
					used = true
				}
			}
		}
		if ran && !used {
			out = append(out, w)
		}
	}
	return out
}
