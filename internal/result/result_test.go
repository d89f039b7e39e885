package result

import (
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
)

func res(status sdk.Status, sev sdk.Severity, title string) sdk.Result {
	return sdk.Result{Title: title, Status: status, Severity: sev}
}

func TestParseFailOn(t *testing.T) {
	for _, tc := range []struct {
		in, want, wantErr string
	}{
		{in: "fail", want: "fail"},
		{in: "error", want: "error"},
		{in: "never", want: "never"},
		{in: "fail:high", want: "fail:high"},
		{in: "error:critical", want: "error:critical"},
		{in: "fail:info", want: "fail:info"},
		{in: "never:high", wantErr: "never takes no severity"},
		{in: "fail:urgent", wantErr: `"urgent" is not a severity`},
		{in: "fail:", wantErr: `"" is not a severity`},
		{in: "high", wantErr: "want fail, error or never"},
		{in: "", wantErr: "want fail, error or never"},
		{in: "FAIL", wantErr: "want fail, error or never"},
	} {
		var f FailOn
		err := f.UnmarshalText([]byte(tc.in))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseFailOn(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || string(f) != tc.want {
			t.Errorf("ParseFailOn(%q) = %q, %v; want %q", tc.in, f, err, tc.want)
		}
	}
}

func TestVerdict(t *testing.T) {
	w := waiver.Waiver{Name: "legacy", Job: "j", Reason: "r"}
	mixed := &Run{Jobs: []Job{{
		Name: "j",
		Results: []sdk.Result{
			res(sdk.StatusFail, sdk.SeverityHigh, "waived high"),
			res(sdk.StatusFail, sdk.SeverityLow, "low failure"),
			res(sdk.StatusFail, sdk.SeverityMedium, "medium failure"),
			res(sdk.StatusPass, sdk.SeverityCritical, "pass"),
		},
		Waivers: map[string]waiver.Waiver{"waived high": w},
	}}}
	highFail := &Run{Jobs: []Job{{Name: "k", Results: []sdk.Result{res(sdk.StatusFail, sdk.SeverityCritical, "c")}}}}
	lowError := &Run{Jobs: []Job{{Name: "e", Results: []sdk.Result{res(sdk.StatusError, sdk.SeverityLow, "e"), res(sdk.StatusPass, "", "p")}}}}
	onlyWaived := &Run{Jobs: []Job{{Name: "j", Results: []sdk.Result{res(sdk.StatusFail, "", "x")}, Waivers: map[string]waiver.Waiver{"x": w}}}}
	// A waiver keyed by the title of a passing or erroring result waives nothing.
	waivedError := &Run{Jobs: []Job{{Name: "j", Results: []sdk.Result{res(sdk.StatusError, "", "x")}, Waivers: map[string]waiver.Waiver{"x": w}}}}
	noSeverity := &Run{Jobs: []Job{{Name: "n", Results: []sdk.Result{res(sdk.StatusFail, "", "unset is medium")}}}}
	for _, tc := range []struct {
		name string
		run  *Run
		gate FailOn
		want Verdict
	}{
		{"fail counts unwaived failures", mixed, "fail", VerdictGateFailed},
		{"fail:high ignores low and medium, and the waived high", mixed, "fail:high", VerdictPassed},
		{"fail:medium counts the medium one", mixed, "fail:medium", VerdictGateFailed},
		{"fail:critical", highFail, "fail:critical", VerdictGateFailed},
		{"fail:high counts critical", highFail, "fail:high", VerdictGateFailed},
		{"never", highFail, "never", VerdictPassed},
		{"an error is incomplete under fail", lowError, "fail", VerdictIncomplete},
		{"an error fails under error", lowError, "error", VerdictGateFailed},
		{"a low error is below error:high", lowError, "error:high", VerdictPassed},
		{"a low error is below fail:high too", lowError, "fail:high", VerdictPassed},
		{"a waived failure passes", onlyWaived, "fail", VerdictPassed},
		{"a waived failure passes under error", onlyWaived, "error", VerdictPassed},
		{"an error cannot be waived", waivedError, "error", VerdictGateFailed},
		{"no severity is medium: counted by fail:medium", noSeverity, "fail:medium", VerdictGateFailed},
		{"no severity is medium: not counted by fail:high", noSeverity, "fail:high", VerdictPassed},
		{"empty run", &Run{}, "error", VerdictPassed},
	} {
		if got := tc.run.Verdict(tc.gate); got != tc.want {
			t.Errorf("%s: Verdict(%s) = %v, want %v", tc.name, tc.gate, got, tc.want)
		}
	}
}

func TestTallyCountsWaivedApart(t *testing.T) {
	w := waiver.Waiver{Name: "w"}
	run := &Run{Jobs: []Job{{
		Results: []sdk.Result{
			res(sdk.StatusFail, "", "waived"), res(sdk.StatusFail, "", "failed"),
			res(sdk.StatusPass, "", "waived-title-but-pass"), res(sdk.StatusError, "", "e"), res(sdk.StatusSkip, "", "s"),
		},
		Waivers: map[string]waiver.Waiver{"waived": w, "waived-title-but-pass": w},
	}}}
	got := run.Tally()
	want := Tally{Pass: 1, Fail: 1, Waived: 1, Error: 1, Skip: 1}
	if got != want || got.Total() != 5 {
		t.Errorf("Tally = %+v (total %d), want %+v", got, got.Total(), want)
	}
}

func TestJobStatusAndExpiredWaiver(t *testing.T) {
	w := waiver.Waiver{Name: "old"}
	j := Job{
		Results: []sdk.Result{res(sdk.StatusPass, "", "p"), res(sdk.StatusFail, "", "f"), res(sdk.StatusSkip, "", "s")},
		Waivers: map[string]waiver.Waiver{"p": w},
		Expired: map[string]waiver.Waiver{"f": w, "p": w},
	}
	if got := j.Status(); got != sdk.StatusFail {
		t.Errorf("Status = %s, want fail (the worst)", got)
	}
	if got := (Job{Results: []sdk.Result{res(sdk.StatusFail, "", "f"), res(sdk.StatusError, "", "e")}}).Status(); got != sdk.StatusError {
		t.Errorf("Status = %s, want error", got)
	}
	if got := (Job{}).Status(); got != sdk.StatusSkip {
		t.Errorf("Status of no results = %s, want skip", got)
	}
	if _, ok := j.ExpiredWaiver(j.Results[1]); !ok {
		t.Error("the failure's expired waiver is not found")
	}
	if _, ok := j.ExpiredWaiver(j.Results[0]); ok {
		t.Error("a pass has no expired waiver")
	}
	applied := Job{Waivers: map[string]waiver.Waiver{"f": w}, Expired: map[string]waiver.Waiver{"f": w}}
	if _, ok := applied.ExpiredWaiver(res(sdk.StatusFail, "", "f")); ok {
		t.Error("an expired waiver is reported for a failure another waiver accepts")
	}
	if Severity(res(sdk.StatusFail, "", "x")) != sdk.SeverityMedium || Severity(res(sdk.StatusFail, sdk.SeverityLow, "x")) != sdk.SeverityLow ||
		Severity(res(sdk.StatusFail, "bogus", "x")) != sdk.SeverityMedium {
		t.Error("Severity: want the result's when valid, else medium")
	}
}
