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

func writeMarkdown(w io.Writer, run *result.Run, opts Options) error {
	_, err := io.WriteString(w, markdown(run, opts, 0))
	return err
}

// markdown renders the summary table. With limit > 0 the document is at most limit bytes:
// rows are left out from the end (passes are dropped first, failures last) and a note says
// so and where the full report is.
func markdown(run *result.Run, opts Options, limit int) string {
	t := run.Tally()
	var head strings.Builder
	fmt.Fprintf(&head, "## %s: %s\n\n", opts.toolName(), tallyText(t))
	fmt.Fprintf(&head, "%s in %s", plural(len(run.Jobs), "job"), durationText(run.Started, run.Ended))
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
	var lines, waived []string
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
		sev := ""
		if jr.Result.Status == sdk.StatusFail || jr.Result.Status == sdk.StatusError {
			sev = string(jr.Result.Severity)
			if text := fixText(jr.Job); text != "" {
				if _, seen := fixes[jr.Job.Name]; !seen {
					fixOrder = append(fixOrder, jr.Job.Name)
				}
				fixes[jr.Job.Name] = text
			}
		}
		reason := jr.Result.Reason
		if ew, ok := jr.Job.ExpiredWaiver(jr.Result); ok {
			reason = strings.TrimSpace(reason + fmt.Sprintf("\n(waiver %q expired on %s)", ew.Name, ew.ExpiresText()))
		}
		lines = append(lines, fmt.Sprintf("| %s | %s | %s | %s | %s |\n",
			statusBadge(jr.Result.Status), mdCell(jr.Job.Name), mdCell(jr.Result.Title), mdCell(sev), mdCell(reason)))
	}
	head.WriteString("| Status | Job | Check | Severity | Reason |\n| --- | --- | --- | --- | --- |\n")
	var tail strings.Builder
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

	doc := head.String() + strings.Join(lines, "") + tail.String()
	if limit <= 0 || len(doc) <= limit {
		return doc
	}
	where := opts.FullReport
	if where == "" {
		where = "the reports argus wrote (--report)"
	}
	var b strings.Builder
	b.WriteString(head.String())
	shown := 0
	// Cut, the waived and how-to-fix sections go first: the rows of failures that count matter
	// most, and the note counts every result.
	for _, l := range lines {
		note := cutNote(shown+1, len(rows), where)
		if b.Len()+len(l)+len(note) > limit {
			break
		}
		b.WriteString(l)
		shown++
	}
	b.WriteString(cutNote(shown, len(rows), where))
	return fitNote(b.String(), limit)
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

// mdCell makes s safe in one GitHub-flavoured Markdown table cell: backslashes and pipes are
// escaped (an unescaped pipe starts a new cell), HTML is neutralised, and line breaks become
// <br> (a raw newline would end the row).
func mdCell(s string) string {
	s = truncateRunes(strings.TrimSpace(s), markdownCellLimit)
	r := strings.NewReplacer(
		`\`, `\\`,
		"|", `\|`,
		"&", "&amp;",
		"<", "&lt;",
		">", "&gt;",
		"\r\n", "<br>",
		"\n", "<br>",
		"\r", "<br>",
	)
	return r.Replace(s)
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
