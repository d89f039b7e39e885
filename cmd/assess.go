package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/compliance-framework/argus/internal/agentremote"
	"github.com/compliance-framework/argus/internal/assess"
	"github.com/compliance-framework/argus/internal/builtin"
	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/publish"
	"github.com/compliance-framework/argus/internal/report"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/runner"
	"github.com/compliance-framework/argus/internal/schedule"
	"github.com/compliance-framework/argus/internal/state"
	"github.com/compliance-framework/argus/internal/version"
)

// selectFlags choose jobs; shared by assess and plan.
type selectFlags struct {
	Config      string        `short:"c" default:"." placeholder:"PATH" help:"Configuration: a .hcl file, a directory of *.argus.hcl files, or a remote https://…/file.hcl or git::https://…//dir?ref=R."`
	All         bool          `help:"Run every job now, ignoring schedules (what CI usually wants)."`
	Job         []string      `placeholder:"NAME" help:"Run only this job, whatever its schedule (repeatable)."`
	Shard       string        `placeholder:"I/N|K|auto" help:"Run only part I of N of the jobs, split by a stable hash of their names (for CI matrices and fleets). K with --shard-total N is a zero-based Kubernetes completion index; auto reads JOB_COMPLETION_INDEX (with --shard-total) or GitLab's CI_NODE_INDEX/CI_NODE_TOTAL."`
	ShardTotal  int           `placeholder:"N" help:"Number of shards for --shard K or --shard auto under a Kubernetes Indexed Job (the Job's completions)."`
	StateDir    string        `placeholder:"DIR" help:"Where argus keeps what ran when (default: argus.state_dir, .argus in CI, else $XDG_STATE_HOME/argus/<config>)."`
	LockTimeout time.Duration `default:"30s" help:"How long to wait for another argus run on the same state to finish before giving up with exit code 2."`
}

// AssessCmd is `argus assess`.
type AssessCmd struct {
	selectFlags
	deliveryFlags
	cacheFlags
	Parallel int      `short:"p" placeholder:"N" help:"Jobs to run at once (default: argus.parallel, else the number of CPUs)."`
	DryRun   bool     `help:"Only show which jobs are due and why; run nothing."`
	Report   []string `placeholder:"FORMAT=PATH" help:"Also write a report: json, oscal, sarif, junit, codequality (GitLab) or markdown, to PATH (- for stdout). Repeatable."`
	FailOn   string   `enum:"fail,error,never" default:"fail" help:"Which results fail the run with exit code 1: fail (default), error (fail and error), or never (report only)."`
}

// Help is shown under the command's usage line.
func (c *AssessCmd) Help() string {
	return `Runs each job that is due (never ran, changed, or its schedule came round) once, in
parallel, and prints one line per result. Use --all in CI to run everything, --dry-run to
see what would run. Exit codes: 0 pass, 1 a result failed --fail-on, 2 configuration or
usage error, 3 a provider errored, 4 results wait in the outbox, 130/143 interrupted.`
}

func parseReports(flags []string, cfg *config.Config) ([]report.Target, error) {
	var out []report.Target
	for _, f := range flags {
		t, err := report.ParseTarget(f)
		if err != nil {
			return nil, fmt.Errorf("--report: %w", err)
		}
		out = append(out, t)
	}
	for _, r := range cfg.Reports {
		out = append(out, report.Target{Format: r.Format, Path: r.Path})
	}
	return out, nil
}

func (c *AssessCmd) Run(ctx context.Context, a *app) error {
	cfg, err := loadConfigWait(ctx, a, c.Config, c.StateDir, c.LockTimeout)
	if err != nil {
		return err
	}
	shard, err := schedule.ResolveShard(c.Shard, c.ShardTotal, a.Getenv)
	if err != nil {
		return err
	}
	reports, err := parseReports(c.Report, cfg)
	if err != nil {
		return err
	}
	store, err := openState(ctx, a, cfg, c.selectFlags, "argus assess")
	if err != nil {
		return err
	}
	defer closeState(a, store)

	var cp *session
	if !c.DryRun {
		if cp, err = openSession(a, cfg, store, c.deliveryFlags); err != nil {
			return err
		}
	}
	if cp != nil {
		cp.start(ctx, a, cfg)
	} else if err := mergeLastGood(a, cfg, store); err != nil {
		return err
	}

	plan, err := assess.MakePlan(cfg, store.Jobs(), assess.Selection{All: c.All, Jobs: c.Job, Shard: shard}, time.Now())
	if err != nil {
		return err
	}
	for _, w := range plan.Warnings() {
		a.logger.Warn(w)
	}
	if c.DryRun {
		return printPlan(a, plan)
	}

	// Results go to stdout unless a report claims it; then the terminal view moves to stderr so
	// that stdout stays one parseable document.
	view := a.Stdout
	for _, r := range reports {
		if r.Path == "-" {
			view = a.Stderr
		}
	}
	secrets := configSecrets(cfg)
	term := &report.Terminal{W: view, Color: a.color, Secrets: secrets}
	due := plan.Due()
	if len(due) == 0 {
		fmt.Fprintln(view, noJobDue(plan))
	}

	res, err := c.resolver(a, cfg)
	if err != nil {
		return err
	}
	exec := &assess.Executor{
		Runner:   &runner.Runner{Logger: a.logger},
		State:    store,
		Resolver: res,
		JobDone:  func(j result.Job) { _ = term.Job(j) },
		Parallel: parallelism(c.Parallel, cfg),
		Logger:   a.logger,
	}
	if cp != nil {
		exec.Collector = &publish.Publisher{Outbox: cp.outbox}
	}
	out, runErr := exec.Execute(ctx, cfg, due)
	if out.Run == nil {
		return runErr
	}
	if len(due) > 0 {
		_ = term.Tally(out.Run)
	}
	opts := report.Options{
		ToolName:    "argus",
		ToolVersion: version.Get().Version,
		Secrets:     secrets,
		BaseDir:     baseDir(a),
		Stdout:      a.Stdout,
	}
	for _, r := range reports {
		if err := report.WriteFile(r.Path, r.Format, out.Run, opts); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("write %s report %q: %w", r.Format, r.Path, err))
		}
		if opts.FullReport == "" && r.Path != "-" {
			opts.FullReport = r.Path
		}
	}
	if a.env("GITHUB_ACTIONS") == "true" {
		gh := &report.GitHub{W: view, SummaryPath: a.env("GITHUB_STEP_SUMMARY"), Opts: opts}
		if err := gh.Report(out.Run); err != nil {
			// The annotations and summary repeat what the report files hold: losing them is
			// worth a warning, not a failed gate.
			a.logger.Warn("GitHub annotations or step summary incomplete", "err", err)
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintf(a.Stderr, "argus: stopped: %d due job(s) did not run; they are due again on the next run\n", out.NotRun)
		if cp != nil {
			fmt.Fprintln(a.Stderr, "argus: finished results are kept in the outbox; the next run delivers them")
		}
		return ctx.Err()
	}
	pending := 0
	if cp != nil {
		if pending = cp.deliver(ctx, a); pending > 0 {
			fmt.Fprintf(a.Stderr, "argus: %d result(s) could not be delivered to the control plane; they wait in the outbox (see \"argus outbox list\")\n", pending)
		}
	}
	if runErr != nil {
		// The results stand (a failed check still fails the gate below), but the run did not
		// complete cleanly: a state or report write failed.
		fmt.Fprintf(a.Stderr, "argus: error: %v\n", runErr)
	}
	switch verdict := out.Run.Verdict(result.FailOn(c.FailOn)); {
	case verdict == result.VerdictGateFailed:
		return exitError{1}
	case verdict == result.VerdictIncomplete, runErr != nil:
		return exitError{3}
	}
	if pending > 0 {
		return exitError{4}
	}
	return nil
}

func noJobDue(plan assess.Plan) string {
	if len(plan.Jobs) == 0 {
		return "No job to run: the configuration selects none."
	}
	var next time.Time
	for _, j := range plan.Jobs {
		if !j.Next.IsZero() && (next.IsZero() || j.Next.Before(next)) {
			next = j.Next
		}
	}
	msg := fmt.Sprintf("No job is due (%d not due).", len(plan.Jobs))
	if !next.IsZero() {
		msg += " Next due at " + next.UTC().Format(time.RFC3339) + "."
	}
	return msg + " Use --all to run every job now."
}

func parallelism(flag int, cfg *config.Config) int {
	switch {
	case flag > 0:
		return flag
	case cfg.Argus.Parallel > 0:
		return cfg.Argus.Parallel
	}
	return runtime.NumCPU()
}

// closeState writes what the state file still has pending and releases its lock. A failure is
// reported but does not change the exit code, which is about the results: they are already in
// the reports and the outbox, and a job whose end was not recorded only runs again next time.
func closeState(a *app, store *state.Store) {
	if err := store.Close(); err != nil {
		fmt.Fprintf(a.Stderr, "argus: error: save state: %v\n", err)
	}
}

func openState(ctx context.Context, a *app, cfg *config.Config, f selectFlags, what string) (*state.Store, error) {
	dir, err := assess.StateDir(cfg, f.StateDir, a.Getenv)
	if err != nil {
		return nil, fmt.Errorf("choose state directory: %w", err)
	}
	a.logger.Debug("state", "dir", dir)
	info := fmt.Sprintf("pid %d, %s, started %s", os.Getpid(), what, time.Now().UTC().Format(time.RFC3339))
	store, err := state.Open(ctx, dir, f.LockTimeout, info)
	if err == nil && store.LockWarning() != nil {
		a.logger.Warn("state lock", "err", store.LockWarning())
	}
	return store, err
}

// resolver runs built-in providers by re-executing argus itself, so that they go through the
// same runner (sanitised environment, timeout, output limits) as installed ones; installed
// providers are verified against the lock file once per invocation, before their first job.
type resolver struct {
	self      string
	installed *install.Verifier // nil when the configuration has no provider blocks
}

func (c *AssessCmd) resolver(a *app, cfg *config.Config) (resolver, error) {
	self, err := os.Executable()
	if err != nil {
		return resolver{}, fmt.Errorf("find argus's own executable to run built-in providers: %w", err)
	}
	r := resolver{self: self}
	if len(cfg.Providers) > 0 {
		lock, err := loadLock(a, cfg)
		if err != nil {
			return resolver{}, err
		}
		ca, err := c.cache(a)
		if err != nil {
			return resolver{}, err
		}
		r.installed = &install.Verifier{Cache: ca, Config: cfg, Lock: lock}
	}
	return r, nil
}

func (r resolver) Command(_ context.Context, provider string) (runner.Command, error) {
	if _, ok := builtin.Lookup(provider); ok {
		return runner.Command{Path: r.self, Args: []string{"__builtin", provider}}, nil
	}
	if r.installed == nil {
		return runner.Command{}, fmt.Errorf("no provider block named %q", provider)
	}
	entry, err := r.installed.Entrypoint(provider)
	if err != nil {
		return runner.Command{}, withInstallHints(err)
	}
	return runner.Command{Path: entry}, nil
}

// configSecrets are the configuration's values that must never appear in any output.
func configSecrets(cfg *config.Config) []string {
	var out []string
	if cp := cfg.ControlPlane; cp != nil && cp.ClientSecret != "" {
		out = append(out, cp.ClientSecret)
	}
	return out
}

// baseDir is what report paths are relative to: the repository checkout under GitHub Actions,
// the working directory otherwise.
func baseDir(a *app) string {
	if ws := a.env("GITHUB_WORKSPACE"); ws != "" {
		return ws
	}
	wd, _ := os.Getwd()
	return wd
}

// mergeLastGood applies the last good remote configuration overlay, without asking the
// control plane: for plans and dry runs, which must not touch the network.
func mergeLastGood(a *app, cfg *config.Config, store *state.Store) error {
	agentremote.Sync(context.Background(), agentremote.Request{Config: cfg, StateDir: store.Dir(),
		Getenv: a.Getenv, Secrets: configSecrets(cfg), Logger: a.logger})
	return nil
}
