package assess

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/state"
	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
)

// A scheduled run reports the jobs that were not due with their last results, marked NotDue and
// left out of the tally and the verdict, so that a SARIF upload does not close their alerts.
func TestCarryLast(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	hourly, always := job("hourly", "every 1h"), job("always", "always")
	hourly.Range.Filename, hourly.Range.Start.Line = "a.argus.hcl", 3
	cfg := testConfig(hourly, always)

	// First run: both due; hourly fails.
	plan, err := MakePlan(cfg, nil, Selection{}, now)
	if err != nil {
		t.Fatal(err)
	}
	first := &result.Run{Jobs: []result.Job{
		{Name: "always", Results: []sdk.Result{{Title: "a", Status: sdk.StatusPass}}},
		{Name: "hourly", End: now, Results: []sdk.Result{{Title: "h", Status: sdk.StatusFail, Reason: "bad"}}},
	}}
	if err := CarryLast(dir, plan, first); err != nil {
		t.Fatal(err)
	}
	if len(first.Jobs) != 2 || first.NotDue() != 0 {
		t.Fatalf("a run where everything was due carried %d jobs", first.NotDue())
	}

	// Ten minutes later only "always" is due; hourly's failure is carried, at its line now.
	states := map[string]state.JobState{
		"hourly": {SpecHash: hourly.SpecHash(), LastStart: now, LastEnd: now},
		"always": {SpecHash: always.SpecHash(), LastStart: now, LastEnd: now},
	}
	cfg.Jobs[0].Range.Start.Line = 9 // hourly's block moved
	plan, err = MakePlan(cfg, states, Selection{}, now.Add(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	second := &result.Run{Jobs: []result.Job{{Name: "always", Results: []sdk.Result{{Title: "a", Status: sdk.StatusPass}}}}}
	if err := CarryLast(dir, plan, second); err != nil {
		t.Fatal(err)
	}
	if len(second.Jobs) != 2 || second.NotDue() != 1 {
		t.Fatalf("jobs = %+v, want always and hourly carried", second.Jobs)
	}
	carried := second.Jobs[1]
	if carried.Name != "hourly" || !carried.NotDue || carried.Results[0].Status != sdk.StatusFail || carried.Location.Line != 9 || !carried.End.Equal(now) {
		t.Errorf("carried = %+v", carried)
	}
	if tally := second.Tally(); tally.Fail != 0 || tally.Pass != 1 {
		t.Errorf("tally = %+v: a carried failure is not this run's", tally)
	}
	if v := second.Verdict(result.FailOnFail); v != result.VerdictPassed {
		t.Errorf("verdict = %v: a carried failure must not fail the gate", v)
	}

	// A changed spec has nothing to carry (and is due anyway).
	edited := hourly
	edited.Config = []byte(`{"path":"/x"}`)
	plan = Plan{Jobs: []Planned{{Job: &edited}}}
	third := &result.Run{}
	if err := CarryLast(dir, plan, third); err != nil {
		t.Fatal(err)
	}
	if len(third.Jobs) != 0 {
		t.Errorf("carried results of a different spec: %+v", third.Jobs)
	}
}

// A corrupt file is reported, and rewritten by the next run that ran something.
func TestCarryLastCorrupt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, LastResultsFile)
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	j := job("a", "always")
	plan := Plan{Jobs: []Planned{{Job: &j}}}
	plan.Jobs[0].Due = true
	run := &result.Run{Jobs: []result.Job{{Name: "a", Results: []sdk.Result{{Title: "a", Status: sdk.StatusPass}}}}}
	err := CarryLast(dir, plan, run)
	if err == nil || !strings.Contains(err.Error(), "not-due jobs are left out") {
		t.Fatalf("err = %v", err)
	}
	if _, err := readLast(path); err != nil {
		t.Errorf("not rewritten: %v", err)
	}
}

// Whether a carried failure is waived is decided now, not by the run that recorded it: a waiver
// that has expired since no longer applies, and one written since does.
func TestWaiveCarried(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	old := waiver.Waiver{Name: "old", Job: "a", Reason: "r", Expires: now.AddDate(0, 0, -1)}
	fresh := waiver.Waiver{Name: "fresh", Job: "b", Reason: "r", Expires: now.AddDate(0, 1, 0)}
	fail := []sdk.Result{{Title: "t", Status: sdk.StatusFail}}
	run := &result.Run{Jobs: []result.Job{
		{Name: "a", NotDue: true, Results: fail, Waivers: map[string]waiver.Waiver{"t": old}},
		{Name: "b", NotDue: true, Results: fail},
		{Name: "c", Results: fail, Waivers: map[string]waiver.Waiver{"t": old}}, // ran: execute decided
	}}
	WaiveCarried(run, []waiver.Waiver{old, fresh}, now)
	if _, ok := run.Jobs[0].Waivers["t"]; ok {
		t.Error("a waiver that has expired since still waives the carried failure")
	}
	if w, ok := run.Jobs[0].Expired["t"]; !ok || w.Name != "old" {
		t.Errorf("expired = %+v, want old", run.Jobs[0].Expired)
	}
	if w, ok := run.Jobs[1].Waivers["t"]; !ok || w.Name != "fresh" {
		t.Errorf("waivers = %+v, want fresh", run.Jobs[1].Waivers)
	}
	if _, ok := run.Jobs[2].Waivers["t"]; !ok {
		t.Error("a job that ran was re-waived")
	}
}
