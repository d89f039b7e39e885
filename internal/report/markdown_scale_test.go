package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// bigRun has n jobs of one result each, one in ten failing, with long reasons.
func bigRun(n int) *result.Run {
	run := &result.Run{ID: "run", Started: t0, Ended: t0}
	for i := range n {
		st := sdk.StatusPass
		if i%10 == 0 {
			st = sdk.StatusFail
		}
		run.Jobs = append(run.Jobs, result.Job{Name: fmt.Sprintf("job-%04d", i), Provider: "p",
			Results: []sdk.Result{{Title: "check", Status: st, Reason: strings.Repeat("r", 300)}}})
	}
	return run
}

// At 1,000 results the Markdown report stays under GitHub's 65,536-character comment limit,
// keeps the failures (first, visible) and collapses the passes; the step summary fits 1 MiB
// whole.
func TestMarkdownAtScale(t *testing.T) {
	md := string(render(t, "markdown", bigRun(1000), testOptions()))
	if len(md) > markdownCommentLimit {
		t.Errorf("markdown report is %d bytes, over GitHub's comment limit %d", len(md), markdownCommentLimit)
	}
	if !strings.Contains(md, "This summary was cut") {
		t.Error("a cut report does not say so")
	}
	if got := strings.Count(md, "| ❌ fail |"); got != 100 {
		t.Errorf("%d failures shown, want all 100 before any pass", got)
	}
	if i, j := strings.Index(md, "| ❌ fail |"), strings.Index(md, "<details>"); i < 0 || (j >= 0 && j < i) {
		t.Error("passes are not after the failures, collapsed")
	}

	small := string(render(t, "markdown", bigRun(20), testOptions()))
	open, closing := strings.Index(small, "<details><summary>18 passed</summary>\n\n| Status"), strings.Index(small, "\n</details>\n")
	if open < 0 || closing < open || strings.Count(small[open:closing], "| ✅ pass |") != 18 || strings.Contains(small[:open], "| ✅ pass |") {
		t.Errorf("passes not collapsed in <details>:\n%s", small)
	}

	full := markdown(normalize(bigRun(1000), nil), testOptions(), DefaultSummaryLimit)
	if len(full) > DefaultSummaryLimit || strings.Contains(full, "This summary was cut") {
		t.Errorf("step summary of 1,000 results: %d bytes, cut=%v", len(full), strings.Contains(full, "This summary was cut"))
	}
}
