package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
)

// notDueRun is the fixture run plus a job that was not due, carried with its last failure.
func notDueRun() *result.Run {
	run := fixtureRun()
	run.Jobs = append(run.Jobs, result.Job{
		Name: "weekly-audit", Provider: "builtin/command", NotDue: true,
		Location: result.Location{File: "ci/argus.hcl", Line: 40, Column: 1},
		Start:    time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 20, 3, 0, 1, 0, time.UTC),
		Results: []sdk.Result{{Title: "auditd rules", Status: sdk.StatusFail, Reason: "rule missing"}},
		// As the last run recorded it: the terminal warns of expired waivers of this run only.
		Expired: map[string]waiver.Waiver{"auditd rules": {Name: "old-audit", Job: "weekly-audit", Reason: "r", Expires: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}},
	})
	return run
}

// SARIF, Code Quality and JSON keep a not-due job (marked), so an upload does not close its
// alert; JUnit and OSCAL describe what this run did and leave it out; the tallies do not count
// it, nor do the waiver warnings look at it.
func TestNotDueJobsInReports(t *testing.T) {
	opts := testOptions()
	sarif := render(t, "sarif", notDueRun(), opts)
	if err := validate(schema(t, sarifSchema), sarif); err != nil {
		t.Fatalf("invalid SARIF: %v", err)
	}
	if !bytes.Contains(sarif, []byte(`[not due in this run; last run 2026-11-20T03:00:01Z] auditd rules: rule missing`)) {
		t.Errorf("SARIF lacks the carried, marked failure:\n%s", sarif)
	}
	js := render(t, "json", notDueRun(), opts)
	if err := validate(schema(t, jsonSchema), js); err != nil {
		t.Fatalf("invalid JSON report: %v", err)
	}
	var rep jsonReport
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	base := fixtureRun().Tally()
	if rep.Tally.NotDue != 1 || rep.Tally.Fail != base.Fail {
		t.Errorf("tally = %+v, want fail %d and not_due 1", rep.Tally, base.Fail)
	}
	found := false
	for _, j := range rep.Jobs {
		found = found || (j.Name == "weekly-audit" && j.NotDue)
	}
	if !found {
		t.Error("JSON report lacks the not-due job, marked")
	}
	if cq := render(t, "codequality", notDueRun(), opts); !bytes.Contains(cq, []byte(`"check_name": "weekly-audit"`)) {
		t.Errorf("Code Quality lacks the carried failure (GitLab would show it as fixed):\n%s", cq)
	}
	for _, f := range []string{"junit", "oscal"} {
		if out := render(t, f, notDueRun(), opts); bytes.Contains(out, []byte("weekly-audit")) {
			t.Errorf("%s report includes a job that did not run in this run", f)
		}
	}
	if md := render(t, "markdown", notDueRun(), opts); !bytes.Contains(md, []byte("1 not due")) || bytes.Contains(md, []byte("weekly-audit")) {
		t.Errorf("markdown should say 1 not due and list only what ran:\n%s", md)
	}
	var term bytes.Buffer
	if err := (&Terminal{W: &term}).Tally(notDueRun()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(term.String(), "; 1 not due)") || !strings.Contains(term.String(), plural(len(fixtureRun().Jobs), "job")+" in") {
		t.Errorf("tally = %q", term.String())
	}
	if strings.Contains(term.String(), "old-audit") {
		t.Errorf("the tally warns about a waiver of a job that did not run:\n%s", term.String())
	}
}
