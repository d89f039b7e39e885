package cmd

import (
	"context"

	"github.com/compliance-framework/argus/internal/assess"
	"github.com/compliance-framework/argus/internal/exitcode"
	"github.com/compliance-framework/argus/internal/workspace"
)

// PlanCmd is `argus plan`: assess --dry-run under a name of its own.
type PlanCmd struct {
	selectFlags
}

// Help is shown under the command's usage line.
func (c *PlanCmd) Help() string {
	return `Prints every selected job as "due" or "not due" with the reason and when it is due
next. Nothing runs and nothing is written. Takes the same job selection flags as assess.`
}

func (c *PlanCmd) Run(ctx context.Context, a *app, ws *workspace.Workspace) error {
	return exitcode.Result(assessHandler(a, ws, 0).Assess(ctx, &assess.Request{
		All:        c.All,
		Jobs:       c.Job,
		Labels:     c.Label,
		Severities: c.Severity,
		Shard:      c.Shard,
		ShardTotal: c.ShardTotal,
		DryRun:     true,
	}))
}
