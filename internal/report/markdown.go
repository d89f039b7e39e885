package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// markdownCellLimit caps a table cell: a PR comment with a 100 KiB reason in it is unreadable,
// and the JSON report has the whole text.
const markdownCellLimit = 500

// markdownCommentLimit caps the Markdown report: it is meant for a pull-request comment, and
// GitHub refuses a comment body over 65,536 characters (bytes are at least as many).
const markdownCommentLimit = 65536

func writeMarkdown(w io.Writer, run *result.Run, opts Options) error {
	_, err := io.WriteString(w, markdown(run, opts, markdownCommentLimit))
	return err
}

// markdown renders the summary: failures and errors in a table, then the passes and skips
// collapsed in a <details> block, so that a run of 1,000 checks still shows its problems first.
// With limit > 0 the document is at most limit bytes: rows are left out from the end (passes
// and skips first, failures last) and a note says so and where the full report is.
func markdown(run *result.Run, opts Options, limit int) string {
	t := run.Tally()
	var head strings.Builder
	fmt.Fprintf(&head, "## %s: %s\n\n", opts.toolName(), tallyText(t))
	notDue := run.NotDue()
	fmt.Fprintf(&head, "%s in %s", plural(len(run.Jobs)-notDue, "job"), durationText(run.Started, run.Ended))
	if notDue > 0 {
		fmt.Fprintf(&head, " · %d not due (their last results are in the SARIF and JSON reports)", notDue)
	}
	if run.ID != "" {
		fmt.Fprintf(&head, " · run %s", mdCode(run.ID))
	}
	if run.Config != "" {
		fmt.Fprintf(&head, " · config %s", mdCode(run.Config))
	}
	head.WriteString("\n\n")

	rows := flatten(run)
	if len(rows) == 0 {
		head.WriteString("No job was due: nothing ran.\n")
		return fitNote(head.String(), limit)
	}
	// Failures first; within a status, job then title order (flatten's) is kept.
	slices.SortStableFunc(rows, func(a, b jobResult) int {
		return statusRank(a.Result.Status) - statusRank(b.Result.Status)
	})
	var problems, others []string
	var pass, skip int
	for _, jr := range rows {
		line := fmt.Sprintf("| %s | %s | %s | %s |\n",
			statusBadge(jr.Result.Status), mdCell(jr.Job.Name), mdCell(jr.Result.Title), mdCell(jr.Result.Reason))
		switch jr.Result.Status {
		case sdk.StatusFail, sdk.StatusError:
			problems = append(problems, line)
		default:
			if jr.Result.Status == sdk.StatusSkip {
				skip++
			} else {
				pass++
			}
			others = append(others, line)
		}
	}
	const table = "| Status | Job | Check | Reason |\n| --- | --- | --- | --- |\n"
	var summary []string
	if pass > 0 {
		summary = append(summary, fmt.Sprintf("%d passed", pass))
	}
	if skip > 0 {
		summary = append(summary, fmt.Sprintf("%d skipped", skip))
	}
	// A blank line after <summary> and before </details>, or GitHub renders the table as text.
	open := "\n<details><summary>" + strings.Join(summary, ", ") + "</summary>\n\n" + table
	const closing = "\n</details>\n"

	build := func(np, no int, note string) string {
		var b strings.Builder
		b.WriteString(head.String())
		switch {
		case np > 0:
			b.WriteString(table)
			b.WriteString(strings.Join(problems[:np], ""))
		case len(problems) == 0:
			b.WriteString("No failures or errors.\n")
		}
		if no > 0 {
			b.WriteString(open)
			b.WriteString(strings.Join(others[:no], ""))
			b.WriteString(closing)
		}
		b.WriteString(note)
		return b.String()
	}
	doc := build(len(problems), len(others), "")
	if limit <= 0 || len(doc) <= limit {
		return doc
	}
	where := opts.FullReport
	if where == "" {
		where = "the reports argus wrote (--report)"
	}
	total := len(problems) + len(others)
	// The note is longest with the most rows shown: reserve that, then add rows while they fit.
	reserve := len(cutNote(total, total, where))
	size := len(head.String()) + reserve
	if len(problems) == 0 {
		size += len("No failures or errors.\n")
	}
	np, no := 0, 0
	for np < len(problems) {
		extra := len(problems[np])
		if np == 0 {
			extra += len(table)
		}
		if size+extra > limit {
			break
		}
		size += extra
		np++
	}
	if np == len(problems) {
		for no < len(others) {
			extra := len(others[no])
			if no == 0 {
				extra += len(open) + len(closing)
			}
			if size+extra > limit {
				break
			}
			size += extra
			no++
		}
	}
	return fitNote(build(np, no, cutNote(np+no, total, where)), limit)
}

func cutNote(shown, total int, where string) string {
	return fmt.Sprintf("\n> [!NOTE]\n> This summary was cut to stay under GitHub's size limit: it shows %d of %d results. The full report is in %s.\n",
		shown, total, mdCell(where))
}

// fitNote makes sure even a degenerate limit (smaller than the heading) is honoured.
func fitNote(s string, limit int) string {
	if limit > 0 && len(s) > limit {
		return strings.ToValidUTF8(s[:limit], "")
	}
	return s
}

func statusBadge(s sdk.Status) string {
	switch s {
	case sdk.StatusPass:
		return "✅ pass"
	case sdk.StatusFail:
		return "❌ fail"
	case sdk.StatusError:
		return "⚠️ error"
	case sdk.StatusSkip:
		return "⏭️ skip"
	}
	return mdCell(string(s))
}

// mdCell makes s safe in one GitHub-flavoured Markdown table cell: control characters and
// inline markup are neutralised (mdInline), pipes are escaped (an unescaped pipe starts a new
// cell), and line breaks become <br> (a raw newline would end the row).
func mdCell(s string) string {
	s = truncateRunes(strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")), markdownCellLimit)
	s = strings.ReplaceAll(s, "\r", "\n") // before plainText, which drops a lone CR
	return strings.NewReplacer("|", `\|`, "\n", "<br>").Replace(mdInline(s))
}

func tallyText(t result.Tally) string {
	return fmt.Sprintf("%s: %d pass, %d fail, %d error, %d skip", plural(t.Total(), "result"), t.Pass, t.Fail, t.Error, t.Skip)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// durationText renders a run's duration for people: "1.2s", "340ms".
func durationText(start, end time.Time) string {
	if start.IsZero() || end.IsZero() || end.Before(start) {
		return "0s"
	}
	d := end.Sub(start)
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
