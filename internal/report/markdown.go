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

// markdown renders the summary: failures and errors that count in a table (with severity), then
// the waived failures and how to fix the failing jobs, then the passes and skips collapsed in a
// <details> block, so that a run of 1,000 checks still shows its problems first. With limit > 0
// the document is at most limit bytes: passes and skips are left out first, then the waived and
// how-to-fix sections, then failures from the end, and a note says so and where the full report
// is.
func markdown(run *result.Run, opts Options, limit int) string {
	t := run.Tally()
	var head strings.Builder
	fmt.Fprintf(&head, "## %s: %s\n\n", opts.toolName(), tallyText(t))
	notDue := run.NotDue()
	fmt.Fprintf(&head, "%s in %s", plural(len(run.Jobs)-notDue, "job"), durationText(run.Started, run.Ended))
	if notDue > 0 {
		fmt.Fprintf(&head, " · %d not due (their last results are in the SARIF, Code Quality and JSON reports)", notDue)
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
	// Failures first, by severity (most severe first); within that, job then title order
	// (flatten's) is kept. Waived failures have a section of their own below.
	slices.SortStableFunc(rows, func(a, b jobResult) int {
		if d := statusRank(a.Result.Status) - statusRank(b.Result.Status); d != 0 {
			return d
		}
		return b.Result.Severity.Rank() - a.Result.Severity.Rank()
	})
	var problems, waived, others []string
	var pass, skip int
	fixes := map[string]string{} // job -> how to fix it, for the jobs with a failure that counts
	var fixOrder []string
	for _, jr := range rows {
		if w, ok := jr.waiver(); ok {
			approved := w.ApprovedBy
			if approved == "" {
				approved = "—"
			}
			waived = append(waived, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s |\n",
				mdCell(jr.Job.Name), mdCell(jr.Result.Title), mdCell(string(jr.Result.Severity)), mdCell(jr.Result.Reason),
				mdCell(w.Name+": "+w.Reason), w.ExpiresText(), mdCell(approved)))
			continue
		}
		switch jr.Result.Status {
		case sdk.StatusFail, sdk.StatusError:
			if text := fixText(jr.Job); text != "" {
				if _, seen := fixes[jr.Job.Name]; !seen {
					fixOrder = append(fixOrder, jr.Job.Name)
				}
				fixes[jr.Job.Name] = text
			}
			reason := jr.Result.Reason
			if ew, ok := jr.Job.ExpiredWaiver(jr.Result); ok {
				reason = strings.TrimSpace(reason + fmt.Sprintf("\n(waiver %q expired on %s)", ew.Name, ew.ExpiresText()))
			}
			problems = append(problems, fmt.Sprintf("| %s | %s | %s | %s | %s |\n",
				statusBadge(jr.Result.Status), mdCell(jr.Job.Name), mdCell(jr.Result.Title), mdCell(string(jr.Result.Severity)), mdCell(reason)))
		default:
			if jr.Result.Status == sdk.StatusSkip {
				skip++
			} else {
				pass++
			}
			others = append(others, fmt.Sprintf("| %s | %s | %s | %s |\n",
				statusBadge(jr.Result.Status), mdCell(jr.Job.Name), mdCell(jr.Result.Title), mdCell(jr.Result.Reason)))
		}
	}
	const table = "| Status | Job | Check | Severity | Reason |\n| --- | --- | --- | --- | --- |\n"
	// Passes and skips have no severity column: severity ranks what is wrong.
	const othersTable = "| Status | Job | Check | Reason |\n| --- | --- | --- | --- |\n"
	var summary []string
	if pass > 0 {
		summary = append(summary, fmt.Sprintf("%d passed", pass))
	}
	if skip > 0 {
		summary = append(summary, fmt.Sprintf("%d skipped", skip))
	}
	// A blank line after <summary> and before </details>, or GitHub renders the table as text.
	open := "\n<details><summary>" + strings.Join(summary, ", ") + "</summary>\n\n" + othersTable
	const closing = "\n</details>\n"
	var tail strings.Builder // the Waived and How to fix sections, between problems and passes
	if len(waived) > 0 {
		tail.WriteString("\n### Waived\n\nThese checks failed and a waiver accepts them until it expires: they do not fail the run, and they are not passes.\n\n")
		tail.WriteString("| Job | Check | Severity | Reason | Waiver | Expires | Approved by |\n| --- | --- | --- | --- | --- | --- | --- |\n")
		tail.WriteString(strings.Join(waived, ""))
	}
	if len(fixOrder) > 0 {
		tail.WriteString("\n### How to fix\n\n")
		for _, name := range fixOrder {
			fmt.Fprintf(&tail, "- %s: %s\n", mdCode(name), mdCell(fixes[name]))
		}
	}
	const noProblems = "No failures or errors.\n"

	build := func(np int, withTail bool, no int, note string) string {
		var b strings.Builder
		b.WriteString(head.String())
		switch {
		case np > 0:
			b.WriteString(table)
			b.WriteString(strings.Join(problems[:np], ""))
		case len(problems) == 0:
			b.WriteString(noProblems)
		}
		if withTail {
			b.WriteString(tail.String())
		}
		if no > 0 {
			b.WriteString(open)
			b.WriteString(strings.Join(others[:no], ""))
			b.WriteString(closing)
		}
		b.WriteString(note)
		return b.String()
	}
	doc := build(len(problems), true, len(others), "")
	if limit <= 0 || len(doc) <= limit {
		return doc
	}
	where := opts.FullReport
	if where == "" {
		where = "the reports argus wrote (--report)"
	}
	total := len(rows)
	// The note is longest with the most rows shown: reserve that, then add what fits, in order
	// of importance: failures and errors that count, then the waived and how-to-fix sections
	// (whole or not at all), then passes and skips.
	reserve := len(cutNote(total, total, where))
	size := len(head.String()) + reserve
	if len(problems) == 0 {
		size += len(noProblems)
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
	withTail := np == len(problems) && size+tail.Len() <= limit
	if withTail {
		size += tail.Len()
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
	shown := np + no
	if withTail {
		shown += len(waived)
	}
	return fitNote(build(np, withTail, no, cutNote(shown, total, where)), limit)
}

// fixText is what the job's block says about it: its description and remediation.
func fixText(j *result.Job) string {
	return strings.TrimSpace(strings.TrimSpace(j.Description) + " " + strings.TrimSpace(j.Remediation))
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

// tallyText is the one-line count of a run. Waived failures appear only when there are some,
// so runs without waivers read as they always have.
func tallyText(t result.Tally) string {
	waived := ""
	if t.Waived > 0 {
		waived = fmt.Sprintf(", %d waived", t.Waived)
	}
	return fmt.Sprintf("%s: %d pass, %d fail%s, %d error, %d skip", plural(t.Total(), "result"), t.Pass, t.Fail, waived, t.Error, t.Skip)
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
