package cmd

import (
	"context"
	"os"

	"github.com/compliance-framework/argus/internal/assess"
	"github.com/compliance-framework/argus/internal/exitcode"
	"github.com/compliance-framework/argus/internal/procguard"
	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/runner"
	"github.com/compliance-framework/argus/internal/workspace"
)

// selectFlags choose jobs; shared by assess and plan.
type selectFlags struct {
	configFlag
	stateFlags
	waiverFlags
	All        bool     `help:"Run every job now, ignoring schedules (what CI usually wants)."`
	Job        []string `placeholder:"NAME" help:"Run only this job, whatever its schedule (repeatable; a glob such as cis-* selects every job it matches)."`
	Label      []string `placeholder:"KEY=VALUE" sep:"none" help:"Select only jobs with this label (repeatable; all must match)."`
	Severity   []string `placeholder:"SEVERITY" help:"Select only jobs of these severities: info, low, medium, high, critical (comma-separated or repeated)."`
	Shard      string   `placeholder:"I/N|K|auto" help:"Run only part I of N of the jobs, split by a stable hash of their names (for CI matrices and fleets). K with --shard-total N is a zero-based Kubernetes completion index; auto reads JOB_COMPLETION_INDEX (with --shard-total) or GitLab's CI_NODE_INDEX/CI_NODE_TOTAL."`
	ShardTotal int      `placeholder:"N" help:"Number of shards for --shard K or --shard auto under a Kubernetes Indexed Job (the Job's completions)."`
}

// AssessCmd is `argus assess`.
type AssessCmd struct {
	selectFlags
	deliveryFlags
	cacheFlags
	Parallel int           `short:"p" placeholder:"N" help:"Jobs to run at once (default: argus.parallel, else the number of CPUs)."`
	DryRun   bool          `help:"Only show which jobs are due and why; run nothing."`
	Report   []string      `placeholder:"FORMAT=PATH" help:"Also write a report: json, oscal, sarif, junit, codequality (GitLab) or markdown, to PATH (- for stdout). Repeatable."`
	FailOn   result.FailOn `enum:"fail,error,never,fail:info,fail:low,fail:medium,fail:high,fail:critical,error:info,error:low,error:medium,error:high,error:critical" default:"fail" placeholder:"STATUS[:SEVERITY]" help:"Which results fail the run with exit code ${exit_gate}: fail (default), error (fail and error), or never (report only); with :SEVERITY only that severity and above, e.g. fail:high."`

	MaxResults int `default:"10000" placeholder:"N" help:"Results kept of one job; a provider returning more gets an error result for the excess."`
}

// Help is shown under the command's usage line.
func (c *AssessCmd) Help() string {
	return `Runs each job that is due (never ran, changed, or its schedule came round) once, in
parallel, and prints one line per result. Use --all in CI to run everything, --dry-run to
see what would run. Exit codes: ` + exitcode.Summary() + "."
}

func (c *AssessCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	return exitcode.Result(assessHandler(a, ws, c.MaxResults).Assess(ctx, &assess.Request{
		All:        c.All,
		Jobs:       c.Job,
		Labels:     c.Label,
		Severities: c.Severity,
		Shard:      c.Shard,
		ShardTotal: c.ShardTotal,
		DryRun:     c.DryRun,
		Reports:    c.Report,
		FailOn:     c.FailOn,
		Parallel:   c.Parallel,
	}))
}

// assessHandler wires the assess handler; maxResults is --max-results (0 for the default).
func assessHandler(a *app, ws *workspace.Workspace, maxResults int) *assess.Handler {
	return &assess.Handler{
		Workspace: ws,
		Providers: ws,
		// The runner keeps the environment as argus was started with it (PATH, HOME and the
		// jobs' env_allow come from there); ScrubEnv then empties the process's own of secrets
		// once the configuration has read its env() calls.
		Runner:   &runner.Runner{Logger: a.logger, BaseEnv: os.Environ(), MaxResults: maxResults, Hint: exitcode.FailureHint},
		ScrubEnv: procguard.ScrubEnv,
		Stdout:   a.Stdout,
		Stderr:   a.Stderr,
		Getenv:   a.Getenv,
		Color:    a.color,
		Logger:   a.logger,
	}
}
