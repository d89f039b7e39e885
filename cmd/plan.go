package cmd

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/compliance-framework/argus/internal/assess"
	"github.com/compliance-framework/argus/internal/schedule"
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

func (c *PlanCmd) Run(ctx context.Context, a *app) error {
	cfg, err := loadConfig(ctx, a, c.Config, c.StateDir, c.Waivers...)
	if err != nil {
		return err
	}
	shard, err := schedule.ParseShard(c.Shard)
	if err != nil {
		return err
	}
	store, err := openState(ctx, a, cfg, c.selectFlags, "argus plan")
	if err != nil {
		return err
	}
	defer closeState(a, store)
	if err := mergeLastGood(a, cfg, store); err != nil {
		return err
	}
	plan, err := assess.MakePlan(cfg, store.Jobs(), assess.Selection{All: c.All, Jobs: c.Job, Labels: c.Label, Severities: c.Severity, Shard: shard}, time.Now())
	if err != nil {
		return err
	}
	return printPlan(a, plan)
}

// printPlan writes the plan as a table on stdout: it is the command's result.
func printPlan(a *app, plan assess.Plan) error {
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	due := newColor(a.color)
	for _, j := range plan.Jobs {
		status := "not due"
		if j.Due {
			status = "due"
		}
		next := "every run"
		if !j.Next.IsZero() {
			next = j.Next.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\tnext: %s\n", due.Sprint(status), j.Job.Name, j.Reason, next)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	n := len(plan.Due())
	fmt.Fprintf(a.Stdout, "%d of %d jobs due", n, len(plan.Jobs))
	if plan.OutOfShard > 0 {
		fmt.Fprintf(a.Stdout, " (%d more belong to other shards)", plan.OutOfShard)
	}
	fmt.Fprintln(a.Stdout, ".")
	return nil
}
