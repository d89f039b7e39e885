package assess

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/outcome"
	"github.com/compliance-framework/argus/internal/report"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/schedule"
	"github.com/compliance-framework/argus/internal/session"
	"github.com/compliance-framework/argus/internal/state"
	"github.com/compliance-framework/argus/internal/version"
)

// Workspace is what an invocation works on, each part built at most once
// (*workspace.Workspace). The workspace owns what it opens and closes it after the handler
// returns.
type Workspace interface {
	Config(ctx context.Context) (*config.Config, error)
	// State opens the state directory under its lock.
	State(ctx context.Context) (*state.Store, error)
	// Session opens the control-plane session; nil, nil without a control_plane block.
	Session(ctx context.Context) (*session.Session, error)
}

// Providers gives the Resolver for a configuration's providers (*workspace.Workspace).
type Providers interface {
	Resolver(ctx context.Context, cfg *config.Config) (Resolver, error)
}

// PluginResolver is a Resolver of a configuration with CCF plugin providers: it also gives
// what runs their jobs (the second kind of provider, see Plugins).
type PluginResolver interface {
	Resolver
	Plugins() Plugins
}

// Request is one `argus assess` (or `argus plan`, which is a dry run).
type Request struct {
	All  bool     // every selected job is due, whatever its schedule
	Jobs []string // only these jobs (--job; globs)
	// Labels (KEY=VALUE, all must match) and Severities select jobs too (--label, --severity).
	Labels     []string
	Severities []string
	Shard      string // only part I of N ("I/N", "K" with ShardTotal, "auto"; "" for all): schedule.ResolveShard
	ShardTotal int    // --shard-total: the number of shards for "K" and "auto" under a Kubernetes Indexed Job
	// DryRun only prints the plan: nothing runs, nothing touches the network.
	DryRun bool
	// Reports are the --report FORMAT=PATH flags; the configuration's report blocks are added.
	Reports  []string
	FailOn   result.FailOn
	Parallel int // jobs at once; <= 0 means argus.parallel, else the number of CPUs
}

// Outcome is what an assessment came to.
type Outcome struct {
	// Run holds the results; nil for a dry run.
	Run  *result.Run
	Exit outcome.Outcome
}

// ExitOutcome is how the run ended, for exitcode.Result.
func (o Outcome) ExitOutcome() *outcome.Outcome { return &o.Exit }

// Handler runs `argus assess`.
type Handler struct {
	Workspace Workspace // required
	Providers Providers // required
	Runner    Runner    // required
	Stdout    io.Writer // required: the terminal view, and a report written to "-"
	Stderr    io.Writer // required: the terminal view when a report claims stdout
	// Getenv reads GITHUB_ACTIONS, GITHUB_STEP_SUMMARY and GITHUB_WORKSPACE.
	Getenv func(string) (string, bool) // required
	Color  bool
	// ScrubEnv, when set, drops secrets from the process environment once the configuration
	// has been read (procguard.ScrubEnv): nothing argus starts afterwards inherits them.
	ScrubEnv func(secrets []string) []string
	Logger   *slog.Logger     // default: discard
	Now      func() time.Time // default: time.Now
}

// Assess runs the due jobs once and reports them. Its steps, in order: load the
// configuration, read the request, lock the state, open the control-plane session, take the
// job specs, plan, pick where the view goes, resolve providers and execute, write the reports,
// annotate GitHub, deliver, and decide the outcome.
func (h *Handler) Assess(ctx context.Context, req *Request) (Outcome, error) {
	logger := h.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	now := h.Now
	if now == nil {
		now = time.Now
	}
	cfg, err := h.Workspace.Config(ctx)
	if err != nil {
		return Outcome{}, err
	}
	shard, err := schedule.ResolveShard(req.Shard, req.ShardTotal, h.Getenv)
	if err != nil {
		return Outcome{}, err
	}
	reports, err := reportTargets(req.Reports, cfg)
	if err != nil {
		return Outcome{}, err
	}
	store, err := h.Workspace.State(ctx)
	if err != nil {
		return Outcome{}, err
	}
	var sess *session.Session
	if !req.DryRun {
		if sess, err = h.Workspace.Session(ctx); err != nil {
			return Outcome{}, err
		}
	}
	if err := syncJobs(ctx, logger, cfg, store, sess); err != nil {
		return Outcome{}, err
	}
	plan, err := MakePlan(cfg, store.Jobs(), Selection{All: req.All, Jobs: req.Jobs, Labels: req.Labels, Severities: req.Severities, Shard: shard}, now())
	if err != nil {
		return Outcome{}, err
	}
	for _, w := range plan.Warnings() {
		logger.Warn(w)
	}
	if req.DryRun {
		return Outcome{}, PrintPlan(h.Stdout, h.Color, plan)
	}

	view := viewWriter(h.Stdout, h.Stderr, reports)
	secrets := configSecrets(cfg)
	if h.ScrubEnv != nil {
		_ = h.ScrubEnv(secrets) // the runner holds the environment argus started with
	}
	term := &report.Terminal{W: view, Color: h.Color, Secrets: secrets, GitHub: h.env("GITHUB_ACTIONS") == "true"}
	due := plan.Due()
	if len(due) == 0 {
		fmt.Fprintln(view, noJobDue(plan))
	}
	res, err := h.Providers.Resolver(ctx, cfg)
	if err != nil {
		return Outcome{}, err
	}
	exec := &Executor{
		Runner:   h.Runner,
		State:    store,
		Resolver: res,
		JobDone:  func(j result.Job) { _ = term.Job(j) },
		Parallel: parallelism(req.Parallel, cfg),
		Logger:   logger,
		Now:      h.Now,
	}
	if pr, ok := res.(PluginResolver); ok {
		exec.Plugins = pr.Plugins()
	}
	if sess != nil {
		exec.Collector = sess.Collector()
	}
	executed, runErr := exec.Execute(ctx, cfg, due)
	if executed.Run == nil {
		return Outcome{}, runErr
	}
	run := executed.Run
	switch {
	case len(due) > 0 && len(run.Jobs) == 0:
		// Due jobs were stopped before any finished (a signal, a state write that failed):
		// "No job was due" would be false.
		fmt.Fprintf(view, "Nothing finished: %d due job(s) did not run.\n", executed.NotRun)
	case len(due) > 0:
		_ = term.Tally(run)
	}
	opts := report.Options{
		ToolName:    "argus",
		ToolVersion: version.Get().Version,
		Secrets:     secrets,
		BaseDir:     baseDir(h.env),
		Stdout:      h.Stdout,
	}
	runErr = errors.Join(runErr, writeReports(reports, run, &opts))
	h.annotateGitHub(logger, view, run, opts)

	if ctx.Err() != nil {
		return Outcome{Run: run, Exit: outcome.Outcome{Kind: outcome.Interrupted, NotRun: executed.NotRun, Kept: sess != nil}}, nil
	}
	pending := 0
	if sess != nil {
		pending = sess.Deliver(ctx)
	}
	if ctx.Err() != nil {
		// A signal during the final delivery is still an interrupt (130/143), not an
		// outage: what was not sent waits in the outbox.
		return Outcome{Run: run, Exit: outcome.Outcome{Kind: outcome.Interrupted, NotRun: executed.NotRun, Kept: pending > 0, Pending: pending}}, nil
	}
	exit := decide(run.Verdict(req.FailOn), pending, runErr)
	if req.FailOn == result.FailOnNever && exit.Kind == outcome.Undelivered {
		// --fail-on never reports only (README "Exit codes"): results waiting in the outbox
		// are said, not failed on. A report or state write that failed still gives 3.
		exit.Kind = outcome.Passed
	}
	exit.NotRun = executed.NotRun
	return Outcome{Run: run, Exit: exit}, nil
}

// decide is the exit decision of a run that was not interrupted: a failed gate first (a
// failed check must fail the pipeline whatever else went wrong), then an incomplete run, then
// results left in the outbox.
func decide(v result.Verdict, pending int, runErr error) outcome.Outcome {
	out := outcome.Outcome{Pending: pending, Err: runErr}
	switch {
	case v == result.VerdictGateFailed:
		out.Kind = outcome.GateFailed
	case v == result.VerdictIncomplete, runErr != nil:
		out.Kind = outcome.Incomplete
	case pending > 0:
		out.Kind = outcome.Undelivered
	}
	return out
}

// syncJobs merges the control plane's job specs into cfg: through the session (which also
// sends the heartbeat and delivers what earlier runs left), or, for a dry run or a
// configuration without a session, from the last good copy, without touching the network.
func syncJobs(ctx context.Context, logger *slog.Logger, cfg *config.Config, store *state.Store, sess *session.Session) error {
	if sess != nil {
		sess.Start(ctx, cfg)
		return nil
	}
	return session.MergeLastGood(logger, cfg, store.Dir())
}

func (h *Handler) env(name string) string {
	v, _ := h.Getenv(name)
	return v
}

// viewWriter is where the terminal view goes: stdout, unless a report claims it; then stderr,
// so that stdout stays one parseable document.
func viewWriter(stdout, stderr io.Writer, reports []report.Target) io.Writer {
	for _, r := range reports {
		if r.Path == "-" {
			return stderr
		}
	}
	return stdout
}

func reportTargets(flags []string, cfg *config.Config) ([]report.Target, error) {
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

// writeReports writes every report; the first written to a file is the full report the
// GitHub summary links to.
func writeReports(reports []report.Target, run *result.Run, opts *report.Options) error {
	var errs error
	for _, r := range reports {
		if err := report.WriteFile(r.Path, r.Format, run, *opts); err != nil {
			errs = errors.Join(errs, fmt.Errorf("write %s report %q: %w", r.Format, r.Path, err))
		}
		if opts.FullReport == "" && r.Path != "-" {
			opts.FullReport = r.Path
		}
	}
	return errs
}

func (h *Handler) annotateGitHub(logger *slog.Logger, view io.Writer, run *result.Run, opts report.Options) {
	if h.env("GITHUB_ACTIONS") != "true" {
		return
	}
	gh := &report.GitHub{W: view, SummaryPath: h.env("GITHUB_STEP_SUMMARY"), Opts: opts}
	if err := gh.Report(run); err != nil {
		// The annotations and summary repeat what the report files hold: losing them is
		// worth a warning, not a failed gate.
		logger.Warn("GitHub annotations or step summary incomplete", "err", err)
	}
}

func noJobDue(plan Plan) string {
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
func baseDir(env func(string) string) string {
	if ws := env("GITHUB_WORKSPACE"); ws != "" {
		return ws
	}
	wd, _ := os.Getwd()
	return wd
}
