package assess

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/compliance-framework/argus/internal/report"
)

// PrintPlan writes the plan as a table: it is the result of `argus plan` and of a dry run.
func PrintPlan(w io.Writer, colour bool, plan Plan) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	due := report.Paint(colour)
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
	fmt.Fprintf(w, "%d of %d jobs due", n, len(plan.Jobs))
	if plan.OutOfShard > 0 {
		fmt.Fprintf(w, " (%d more belong to other shards)", plan.OutOfShard)
	}
	fmt.Fprintln(w, ".")
	return nil
}
