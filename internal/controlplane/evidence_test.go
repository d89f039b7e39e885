package controlplane

import (
	"testing"
	"time"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
	"github.com/google/go-cmp/cmp"
)

func TestNewEvidence(t *testing.T) {
	now := time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC)
	run := &result.Run{ID: "6f1c7d1e-0000-4000-8000-000000000001"}
	job := result.Job{
		Name: "etc-passwd-perms", Provider: "builtin/file",
		Labels:  map[string]string{"team": "platform", "_job": "spoofed"},
		Subject: sdk.Subject{Type: "inventory-item", Identifier: "host/web-1"},
		Start:   now.Add(-3 * time.Second), End: now.Add(time.Minute), // end in the future: clamped
	}
	res := sdk.Result{Title: "mode of /etc/passwd", Status: sdk.StatusFail, Reason: "mode is 0666",
		Labels: map[string]string{"team": "security", "path": "/etc/passwd"}, Controls: []string{"ac-6"}}
	ev, ok := NewEvidence(run, job, res, now)
	if !ok {
		t.Fatal("fail result not delivered")
	}
	// The provider's labels are on the evidence, but the job's win a clash, and the stream is
	// seeded from argus's labels only (issue 15, item 5).
	wantLabels := map[string]string{
		"team": "platform", "path": "/etc/passwd",
		"_job": "etc-passwd-perms", "_provider": "builtin/file", "_subject": "host/web-1", "_title": "mode of /etc/passwd",
	}
	if diff := cmp.Diff(wantLabels, ev.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	wantSeed := map[string]string{
		"team": "platform",
		"_job": "etc-passwd-perms", "_provider": "builtin/file", "_subject": "host/web-1", "_title": "mode of /etc/passwd",
	}
	if ev.UUID != SeededUUID(wantSeed) {
		t.Errorf("uuid %s is not SeededUUID of the job's and argus's labels", ev.UUID)
	}
	// Whatever labels the provider returns, the stream stays put.
	for _, forged := range []map[string]string{nil, {"team": "other"}, {"x": "forged-by-the-provider"}, {"_job": "another-job", "_title": "t"}} {
		res2 := res
		res2.Labels = forged
		if ev2, _ := NewEvidence(run, job, res2, now); ev2.UUID != ev.UUID {
			t.Errorf("provider labels %v moved the result to stream %s, want %s", forged, ev2.UUID, ev.UUID)
		}
	}
	if !ev.End.Equal(now) || !ev.Start.Equal(now.Add(-3*time.Second)) {
		t.Errorf("start %v end %v, want end clamped to now", ev.Start, ev.End)
	}
	if diff := cmp.Diff(Status{State: StateNotSatisfied, Reason: "fail", Remarks: "mode is 0666"}, ev.Status); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Subject{{Identifier: "host/web-1", Type: "inventory-item"}}, ev.Subjects); diff != "" {
		t.Errorf("subjects (-want +got):\n%s", diff)
	}
	wantProps := []Prop{{"argus-status", "fail"}, {"argus-run-id", run.ID}, {"control", "ac-6"}}
	if diff := cmp.Diff(wantProps, ev.Props); diff != "" {
		t.Errorf("props (-want +got):\n%s", diff)
	}

	// Another run of the same check continues the stream.
	job2 := job
	job2.Start, job2.End = now.Add(time.Hour), now.Add(2*time.Hour)
	ev2, _ := NewEvidence(&result.Run{ID: "other"}, job2, res, now.Add(3*time.Hour))
	if ev2.UUID != ev.UUID {
		t.Error("a later run of the same check got another stream")
	}
	// Another subject does not.
	job3 := job
	job3.Subject.Identifier = "host/web-2"
	if ev3, _ := NewEvidence(run, job3, res, now); ev3.UUID == ev.UUID {
		t.Error("another subject got the same stream")
	}
}

func TestNewEvidenceStatuses(t *testing.T) {
	now := time.Now()
	tests := []struct {
		status sdk.Status
		ok     bool
		state  string
		reason string
	}{
		{sdk.StatusPass, true, StateSatisfied, "pass"},
		{sdk.StatusFail, true, StateNotSatisfied, "fail"},
		{sdk.StatusError, true, StateNotSatisfied, "other"},
		{sdk.StatusSkip, false, "", ""},
	}
	for _, tt := range tests {
		ev, ok := NewEvidence(nil, result.Job{Name: "j"}, sdk.Result{Title: "t", Status: tt.status}, now)
		if ok != tt.ok || ev.Status.State != tt.state || ev.Status.Reason != tt.reason {
			t.Errorf("%s: ok %v state %q reason %q, want %v %q %q", tt.status, ok, ev.Status.State, ev.Status.Reason, tt.ok, tt.state, tt.reason)
		}
	}
}

func TestNewEvidenceObservationsAndZeroTimes(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	res := sdk.Result{Title: "t", Status: sdk.StatusPass, Observations: []sdk.Observation{
		{Title: "a", Evidence: map[string]any{"mode": "0644"}}, {Title: "b"},
	}}
	ev, _ := NewEvidence(&result.Run{ID: "r1"}, result.Job{Name: "j"}, res, now)
	if !ev.Start.Equal(now) || !ev.End.Equal(now) {
		t.Errorf("zero job times gave start %v end %v, want now", ev.Start, ev.End)
	}
	if len(ev.Activities) != 1 || len(ev.Activities[0].Steps) != 2 || ev.Activities[0].Steps[0].Remarks != `{"mode":"0644"}` {
		t.Fatalf("activities = %+v", ev.Activities)
	}
	// Activity ids are per run (the API ignores an id it already has) and stable for a redelivery.
	again, _ := NewEvidence(&result.Run{ID: "r1"}, result.Job{Name: "j"}, res, now)
	other, _ := NewEvidence(&result.Run{ID: "r2"}, result.Job{Name: "j"}, res, now)
	if again.Activities[0].UUID != ev.Activities[0].UUID || other.Activities[0].UUID == ev.Activities[0].UUID {
		t.Error("activity uuid not stable per run")
	}
	if ev.Subjects != nil {
		t.Errorf("subjects %v for a job without a subject", ev.Subjects)
	}
}

func TestNewEvidenceWaivedStaysNotSatisfied(t *testing.T) {
	now := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	w := waiver.Waiver{Name: "legacy-ssh", Job: "ssh-*", Reason: "bastion, replaced in Q1", ApprovedBy: "security@example.com",
		Expires: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)}
	res := sdk.Result{Title: "root login", Status: sdk.StatusFail, Severity: sdk.SeverityHigh, Reason: "PermitRootLogin yes"}
	job := result.Job{Name: "ssh-root", Provider: "builtin/file", Waivers: map[string]waiver.Waiver{"root login": w}}
	ev, ok := NewEvidence(nil, job, res, now)
	if !ok {
		t.Fatal("a waived failure must still be sent")
	}
	if ev.Status.State != StateNotSatisfied || ev.Status.Reason != "fail" {
		t.Errorf("status = %+v: a waiver is a decision, not a pass", ev.Status)
	}
	const note = `Waived by "legacy-ssh" until 2027-03-31: bastion, replaced in Q1 (approved by security@example.com)`
	if ev.Status.Remarks != "PermitRootLogin yes\n"+note || ev.Remarks != note {
		t.Errorf("remarks = %q / %q", ev.Status.Remarks, ev.Remarks)
	}
	wantProps := []Prop{
		{"argus-status", "fail"}, {"argus-severity", "high"},
		{"argus-waiver", "legacy-ssh"}, {"argus-waiver-expires", "2027-03-31"},
		{"argus-waiver-reason", "bastion, replaced in Q1"}, {"argus-waiver-approved-by", "security@example.com"},
	}
	if diff := cmp.Diff(wantProps, ev.Props); diff != "" {
		t.Errorf("props (-want +got):\n%s", diff)
	}
	// The waiver changes nothing about the stream: the same check continues it.
	unwaived, _ := NewEvidence(nil, result.Job{Name: "ssh-root", Provider: "builtin/file"}, res, now)
	if unwaived.UUID != ev.UUID {
		t.Error("a waived result moved to another stream")
	}
}
