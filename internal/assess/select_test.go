package assess

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/compliance-framework/argus/internal/config"
	"github.com/compliance-framework/argus/internal/runner"
	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
)

func labelled(name string, sev sdk.Severity, labels map[string]string) config.Job {
	j := job(name, "every 1h")
	j.Severity, j.Labels = sev, labels
	return j
}

func TestSelection(t *testing.T) {
	cfg := testConfig(
		labelled("cis-1.1", sdk.SeverityHigh, map[string]string{"team": "platform", "benchmark": "cis"}),
		labelled("cis-1.2", sdk.SeverityLow, map[string]string{"team": "platform", "benchmark": "cis"}),
		labelled("cis-2.1", sdk.SeverityCritical, map[string]string{"team": "web", "benchmark": "cis"}),
		labelled("etc-passwd-perms", "", map[string]string{"team": "platform"}),
		labelled("tls-min", sdk.SeverityMedium, nil),
	)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	type row struct {
		Name string
		Due  bool
	}
	for _, tc := range []struct {
		name string
		sel  Selection
		want []row
	}{
		{"glob", Selection{Jobs: []string{"cis-*"}}, []row{{"cis-1.1", true}, {"cis-1.2", true}, {"cis-2.1", true}}},
		{"glob with ?", Selection{Jobs: []string{"cis-?.1"}}, []row{{"cis-1.1", true}, {"cis-2.1", true}}},
		{"glob and name", Selection{Jobs: []string{"cis-2*", "tls-min"}}, []row{{"cis-2.1", true}, {"tls-min", true}}},
		{"label", Selection{Labels: []string{"team=platform"}}, []row{{"cis-1.1", true}, {"cis-1.2", true}, {"etc-passwd-perms", true}}},
		{"labels are ANDed", Selection{Labels: []string{"team=platform", "benchmark=cis"}}, []row{{"cis-1.1", true}, {"cis-1.2", true}}},
		{"label value must equal", Selection{Labels: []string{"team=plat"}}, nil},
		{"empty label value matches only an empty value", Selection{Labels: []string{"team="}}, nil},
		{"severity", Selection{Severities: []string{"high,critical"}}, []row{{"cis-1.1", true}, {"cis-2.1", true}}},
		{"severity repeated", Selection{Severities: []string{"low", "critical"}}, []row{{"cis-1.2", true}, {"cis-2.1", true}}},
		{"unset severity is medium", Selection{Severities: []string{"medium"}}, []row{{"etc-passwd-perms", true}, {"tls-min", true}}},
		{"all criteria", Selection{Jobs: []string{"cis-*"}, Labels: []string{"team=platform"}, Severities: []string{"high"}}, []row{{"cis-1.1", true}}},
		// Labels and severities filter; they do not force a schedule the way --job does.
		{"a label keeps schedules", Selection{Labels: []string{"team=web"}}, []row{{"cis-2.1", true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := MakePlan(cfg, nil, tc.sel, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for _, j := range p.Jobs {
				got = append(got, row{j.Job.Name, j.Due})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}

	for _, tc := range []struct {
		name    string
		sel     Selection
		wantErr string
	}{
		{"did you mean", Selection{Jobs: []string{"etc-passwd-perm"}}, `no job named "etc-passwd-perm" in the configuration; did you mean "etc-passwd-perms"? (the configuration has 5 jobs)`},
		{"several near", Selection{Jobs: []string{"cis-1.3"}}, `did you mean "cis-1.1" or "cis-1.2"?`},
		{"nothing near", Selection{Jobs: []string{"nginx"}}, `no job named "nginx" in the configuration (the configuration has 5 jobs)`},
		{"glob matching nothing", Selection{Jobs: []string{"web-*"}}, `--job "web-*" matches no job in the configuration`},
		{"bad label", Selection{Labels: []string{"team"}}, `--label "team": want KEY=VALUE`},
		{"contradictory labels", Selection{Labels: []string{"team=a", "team=b"}}, "no job can have both"},
		{"bad severity", Selection{Severities: []string{"high,urgent"}}, `"urgent" is not a severity`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MakePlan(cfg, nil, tc.sel, now)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("MakePlan error = %v, want %q", err, tc.wantErr)
			}
			var unknown *UnknownJobError
			var bad *SelectionError
			if !errors.As(err, &unknown) && !errors.As(err, &bad) {
				t.Errorf("error %T is neither an UnknownJobError nor a SelectionError", err)
			}
		})
	}
}

func date(s string) time.Time {
	d, err := time.Parse(waiver.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestExecuteWaiversAndSeverity(t *testing.T) {
	ssh := labelled("sshd-no-root-login", sdk.SeverityHigh, nil)
	ssh.Description, ssh.Remediation = "Root cannot log in.", "Set PermitRootLogin no."
	tls := labelled("tls-min", "", nil)
	fixed := labelled("fixed-check", "", nil)
	other := labelled("other-shard", "", nil)
	cfg := testConfig(ssh, tls, fixed, other)
	cfg.Waivers = []config.Waiver{
		{Waiver: waiver.Waiver{Name: "expired", Job: "tls-*", Reason: "old", Expires: date("2026-11-30")}},
		{Waiver: waiver.Waiver{Name: "legacy-ssh", Job: "sshd-*", Result: "root login", Reason: "bastion", Expires: date("2027-03-31")}},
		{Waiver: waiver.Waiver{Name: "stale", Job: "fixed-check", Reason: "was failing", Expires: date("2027-03-31")}},
		{Waiver: waiver.Waiver{Name: "not-run", Job: "other-shard", Reason: "r", Expires: date("2027-03-31")}},
	}
	now := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	r := &fakeRunner{outcome: func(_ context.Context, t runner.Task) runner.Outcome {
		switch t.Request.Job.Name {
		case "sshd-no-root-login":
			return runner.Outcome{Results: []sdk.Result{
				{Title: "root login", Status: sdk.StatusFail},
				{Title: "password auth", Status: sdk.StatusFail, Severity: sdk.SeverityCritical},
			}}
		case "tls-min":
			return runner.Outcome{Results: []sdk.Result{{Title: "tls 1.2", Status: sdk.StatusFail}}}
		}
		return runner.Outcome{Results: []sdk.Result{{Title: "ok", Status: sdk.StatusPass}}}
	}}
	var due []Planned
	for _, p := range plannedAll(t, cfg) {
		if p.Job.Name != "other-shard" {
			due = append(due, p)
		}
	}
	e := &Executor{Runner: r, State: &fakeState{}, Resolver: fakeResolver{}, Now: func() time.Time { return now }}
	out, err := e.Execute(context.Background(), cfg, due)
	if err != nil {
		t.Fatal(err)
	}
	jobs := map[string]int{}
	for i, j := range out.Run.Jobs {
		jobs[j.Name] = i
	}
	sj := out.Run.Jobs[jobs["sshd-no-root-login"]]
	if sj.Description != "Root cannot log in." || sj.Remediation != "Set PermitRootLogin no." {
		t.Errorf("job texts = %q, %q", sj.Description, sj.Remediation)
	}
	sev := map[string]sdk.Severity{}
	for _, r := range sj.Results {
		sev[r.Title] = r.Severity
	}
	if sev["root login"] != sdk.SeverityHigh || sev["password auth"] != sdk.SeverityCritical {
		t.Errorf("severities = %v: want the job's where the provider gave none, the provider's where it did", sev)
	}
	if w, ok := sj.Waiver(sj.Results[0]); !ok || w.Name != "legacy-ssh" { // results keep the provider's order
		t.Errorf("root login: waiver %+v, %v", w, ok)
	}
	if _, ok := sj.Waiver(sj.Results[1]); ok {
		t.Errorf("password auth is not named by the waiver's result, yet is waived")
	}
	tj := out.Run.Jobs[jobs["tls-min"]]
	if tj.Results[0].Severity != sdk.SeverityMedium {
		t.Errorf("a job without severity gives medium, got %q", tj.Results[0].Severity)
	}
	if _, ok := tj.Waiver(tj.Results[0]); ok {
		t.Error("an expired waiver applied")
	}
	if w, ok := tj.ExpiredWaiver(tj.Results[0]); !ok || w.Name != "expired" {
		t.Errorf("the expired waiver is not recorded: %+v", tj.Expired)
	}
	var unused []string
	for _, w := range out.Run.UnusedWaivers {
		unused = append(unused, w.Name)
	}
	if diff := cmp.Diff([]string{"stale"}, unused); diff != "" {
		t.Errorf("unused waivers (-want +got); a waiver whose job did not run is not unused:\n%s", diff)
	}
	if tally := out.Run.Tally(); tally.Waived != 1 || tally.Fail != 2 {
		t.Errorf("tally = %+v", tally)
	}
}
