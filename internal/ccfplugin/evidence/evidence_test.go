package evidence

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/compliance-framework/argus/internal/ccfplugin/ccfpb"
	"github.com/compliance-framework/argus/internal/controlplane"
	"github.com/compliance-framework/argus/sdk"
)

var (
	now  = time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	base = Base{Plugin: "apt", Agent: "agent-1", Labels: map[string]string{"team": "platform", "env": "prod"}}
)

const streamUUID = "0b3c6a4e-5f0e-4d8e-9b1a-2f6f2c1d9e77"

func good() *ccfpb.Evidence {
	return &ccfpb.Evidence{
		UUID:   streamUUID,
		Title:  "wget is current",
		Labels: map[string]string{"type": "apt", "env": "staging"},
		Start:  timestamppb.New(now.Add(-2 * time.Second)),
		End:    timestamppb.New(now.Add(-time.Second)),
		Status: &ccfpb.EvidenceStatus{State: ccfpb.EvidenceStatusState_EVIDENCE_STATUS_STATE_NOT_SATISFIED, Reason: "fail", Remarks: "wget 1.0"},
		Origins: []*ccfpb.Origin{{Actors: []*ccfpb.OriginActor{
			{Title: "The Continuous Compliance Framework", Type: "assessment-platform"},
			{UUID: "11111111-2222-4333-8444-555555555555", Title: "apt plugin", Type: "tool", RoleId: "r"},
		}}},
		Activities: []*ccfpb.Activity{{
			Title: "Collect packages", Description: "dpkg-query",
			Steps: []*ccfpb.Step{{Title: "list"}, {UUID: proto.String("not-a-uuid"), Title: "filter"}},
		}},
		Components: []*ccfpb.Component{{
			Identifier: "common-components/apt", Type: "software", Title: "apt",
			Protocols: []*ccfpb.Protocol{{Name: "ssh", Title: "SSH", PortRanges: []*ccfpb.PortRange{{Start: 22, End: 22, Transport: "TCP"}}}},
		}},
		InventoryItems: []*ccfpb.InventoryItem{{Identifier: "machine-instance/h1", Type: "web-server",
			ImplementedComponents: []*ccfpb.InventoryItemImplementedComponent{{Identifier: "common-components/apt"}}}},
		Subjects: []*ccfpb.Subject{
			{Identifier: "machine-instance/h1", Type: ccfpb.SubjectType_SUBJECT_TYPE_INVENTORY_ITEM},
			{Identifier: "common-components/apt", Type: ccfpb.SubjectType_SUBJECT_TYPE_COMPONENT},
		},
		Props: []*ccfpb.Property{{Name: "p", Value: "v", Ns: proto.String("ns")}},
		Links: []*ccfpb.Link{{Href: "#x", Rel: proto.String("related")}},
	}
}

func TestConvertGood(t *testing.T) {
	ev, p := Convert(base, 0, good(), now)
	if p != nil {
		t.Fatalf("unexpected problem: %v", p)
	}
	if ev.UUID.String() != streamUUID {
		t.Errorf("uuid %s, want the plugin's %s", ev.UUID, streamUUID)
	}
	wantLabels := map[string]string{"_agent": "agent-1", "_plugin": "apt", "team": "platform", "env": "staging", "type": "apt"}
	if d := cmp.Diff(wantLabels, ev.Labels); d != "" {
		t.Errorf("labels (-want +got):\n%s", d)
	}
	wantActor0 := controlplane.SeededUUID(map[string]string{"type": "actor", "actor-type": "assessment-platform", "title": "The Continuous Compliance Framework"})
	if got := ev.Origins[0].Actors[0].UUID; got != wantActor0 {
		t.Errorf("actor without uuid: %s, want seeded %s", got, wantActor0)
	}
	if got := ev.Origins[0].Actors[1].UUID.String(); got != "11111111-2222-4333-8444-555555555555" {
		t.Errorf("actor with uuid: %s", got)
	}
	if got, want := ev.Activities[0].UUID, controlplane.SeededUUID(map[string]string{"type": "activity", "title": "Collect packages", "description": "dpkg-query"}); got != want {
		t.Errorf("activity uuid %s, want %s", got, want)
	}
	if got, want := ev.Activities[0].Steps[1].UUID, controlplane.SeededUUID(map[string]string{"type": "step", "title": "filter"}); got != want {
		t.Errorf("step with an invalid uuid: %s, want seeded %s", got, want)
	}
	if got, want := ev.Components[0].Protocols[0].UUID, controlplane.SeededUUID(map[string]string{"type": "protocol", "name": "ssh", "title": "SSH"}); got != want {
		t.Errorf("protocol uuid %s, want %s", got, want)
	}

	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	// The keys the agent sends, and the choices documented in doc.go.
	for _, k := range []string{"uuid", "title", "remarks", "labels", "start", "end", "status", "origins", "activities", "components", "inventory-items", "subjects", "props", "links"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON has no %q: %s", k, b)
		}
	}
	if _, ok := m["expires"]; ok {
		t.Errorf("expires sent although the plugin set none: %s", b)
	}
	if m["remarks"] != "" {
		t.Errorf("remarks must be sent as \"\", as the agent does: %s", b)
	}
	if _, ok := m["description"]; ok {
		t.Errorf("an empty description is omitted, as the agent does: %s", b)
	}
	for _, frag := range []string{`"port-ranges":[{"start":22,"end":22,"transport":"TCP"}]`, `"implemented-components":[{"identifier":"common-components/apt"}]`,
		`"status":{"state":"not-satisfied","reason":"fail","remarks":"wget 1.0"}`, `"type":"InventoryItem"`, `"type":"Component"`,
		`"role-id":"r"`, `"start":"2026-12-02T04:59:58Z"`} {
		if !strings.Contains(string(b), frag) {
			t.Errorf("JSON lacks %s:\n%s", frag, b)
		}
	}

	r := ev.Result()
	if r.Status != sdk.StatusFail || r.Title != "wget is current" || r.Reason != "fail: wget 1.0" || len(r.Observations) != 2 || r.Labels["_plugin"] != "apt" {
		t.Errorf("result view: %+v", r)
	}
	ok := good()
	ok.Status.State = ccfpb.EvidenceStatusState_EVIDENCE_STATUS_STATE_SATISFIED
	ok.Expires = timestamppb.New(now.Add(time.Hour))
	ev, p = Convert(base, 0, ok, now)
	if p != nil || ev.Result().Status != sdk.StatusPass || ev.Expires == nil || !ev.Expires.Equal(now.Add(time.Hour)) {
		t.Errorf("satisfied with expires: %+v %v", ev, p)
	}
}

func TestConvertProblems(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*ccfpb.Evidence)
		field  string
		reason string
	}{
		{"empty uuid", func(e *ccfpb.Evidence) { e.UUID = "" }, "UUID", "is empty"},
		{"blank uuid", func(e *ccfpb.Evidence) { e.UUID = "  " }, "UUID", "is empty"},
		{"invalid uuid", func(e *ccfpb.Evidence) { e.UUID = "not-a-uuid" }, "UUID", "is not a valid UUID"},
		{"no title", func(e *ccfpb.Evidence) { e.Title = "" }, "Title", "is empty"},
		{"no status", func(e *ccfpb.Evidence) { e.Status = nil }, "Status", "is not set"},
		{"unknown state", func(e *ccfpb.Evidence) { e.Status.State = 7 }, "Status.State", "is 7"},
		{"no start", func(e *ccfpb.Evidence) { e.Start = nil }, "Start", "is not set"},
		{"no end", func(e *ccfpb.Evidence) { e.End = nil }, "End", "is not set"},
		{"future start", func(e *ccfpb.Evidence) { e.Start = timestamppb.New(now.Add(time.Hour)) }, "Start", "in the future"},
		{"future end", func(e *ccfpb.Evidence) { e.End = timestamppb.New(now.Add(2 * MaxClockSkew)) }, "End", "in the future"},
		{"invalid end", func(e *ccfpb.Evidence) { e.End = &timestamppb.Timestamp{Seconds: -1 << 62} }, "End", "is not a valid time"},
		{"inverted", func(e *ccfpb.Evidence) { e.Start, e.End = e.End, e.Start }, "Start", "is after End"},
		{"invalid expires", func(e *ccfpb.Evidence) { e.Expires = &timestamppb.Timestamp{Nanos: -5} }, "Expires", "is not a valid time"},
		{"unknown subject type", func(e *ccfpb.Evidence) { e.Subjects[1].Type = 42 }, "Subjects[1].Type", "is 42"},
		{"oversized", func(e *ccfpb.Evidence) {
			e.Activities[0].Description = strings.Repeat("x", MaxBytes)
		}, "Activities", "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := good()
			tt.edit(ev)
			_, p := Convert(base, 3, ev, now)
			if p == nil {
				t.Fatal("no problem reported")
			}
			if p.Field != tt.field || !strings.Contains(p.Reason, tt.reason) {
				t.Errorf("problem %+v, want field %s and reason containing %q", p, tt.field, tt.reason)
			}
			msg := p.Error()
			if !strings.Contains(msg, `plugin "apt"`) || !strings.Contains(msg, "evidence #3") || !strings.Contains(msg, tt.field) {
				t.Errorf("message %q does not name the plugin, the evidence and the field", msg)
			}
			if r := ProblemResult(p); r.Status != sdk.StatusError || r.Reason != msg {
				t.Errorf("problem result %+v", r)
			}
		})
	}
}

func TestConvertNil(t *testing.T) {
	if _, p := Convert(base, 0, nil, now); p == nil || p.Field != "Evidence" {
		t.Errorf("nil evidence: %v", p)
	}
}

// Within the skew a future time is taken as now, since the API refuses any future time.
func TestConvertClampsSmallSkew(t *testing.T) {
	ev := good()
	ev.End = timestamppb.New(now.Add(MaxClockSkew / 2))
	out, p := Convert(base, 0, ev, now)
	if p != nil {
		t.Fatal(p)
	}
	if !out.End.Equal(now) {
		t.Errorf("end %s, want now %s", out.End, now)
	}
}

func TestConvertAllKeepsTheRest(t *testing.T) {
	bad := good()
	bad.UUID = "nope"
	second := good()
	second.UUID = uuid.NewString()
	ok, problems := ConvertAll(base, []*ccfpb.Evidence{good(), bad, second}, now)
	if len(ok) != 2 || len(problems) != 1 || problems[0].Index != 1 {
		t.Fatalf("got %d ok and problems %v", len(ok), problems)
	}
	if ok[1].UUID.String() != second.UUID {
		t.Errorf("second good evidence lost")
	}
}

func TestTemplates(t *testing.T) {
	rb, problems := RiskTemplates("ssh", &ccfpb.UpsertRiskTemplatesRequest{PackageName: "pkg", RiskTemplates: []*ccfpb.RiskTemplate{
		{Name: "r1", Title: "R1", Remediation: &ccfpb.Remediation{Title: "fix", Tasks: []*ccfpb.RemediationTask{{Title: "a", OrderIndex: 7}, {Title: "b", OrderIndex: 3}}}},
		{Title: "nameless"},
	}})
	if len(problems) != 1 || problems[0].Index != 1 || len(rb.RiskTemplates) != 1 {
		t.Fatalf("risk: %+v %v", rb, problems)
	}
	rt := rb.RiskTemplates[0]
	if !rt.IsActive || rt.Remediation.Tasks[0].OrderIndex != 0 || rt.Remediation.Tasks[1].OrderIndex != 1 || rb.PackageName != "pkg" {
		t.Errorf("risk template not enriched: %+v", rt)
	}
	sb, problems := SubjectTemplates("ssh", &ccfpb.UpsertSubjectTemplatesRequest{SubjectTemplates: []*ccfpb.SubjectTemplate{
		{Name: "host", Type: ccfpb.SubjectType_SUBJECT_TYPE_INVENTORY_ITEM, SelectorLabels: []*ccfpb.SubjectLabelSelector{{Key: "_plugin", Value: "spoof"}, {Key: "k", Value: "v"}}},
		{Name: "bad", Type: 99},
	}})
	if len(problems) != 1 || len(sb.SubjectTemplates) != 1 {
		t.Fatalf("subject: %+v %v", sb, problems)
	}
	st := sb.SubjectTemplates[0]
	want := controlplane.SeededUUID(map[string]string{"type": "subject_template", "subject_type": "InventoryItem", "name": "host", "plugin_id": "ssh"})
	if st.ID != want || st.SourceMode != SourceModeRuntime {
		t.Errorf("subject template id/source: %+v", st)
	}
	if d := cmp.Diff([]LabelSelector{{Key: "k", Value: "v"}, {Key: "_plugin", Value: "ssh"}}, st.SelectorLabels); d != "" {
		t.Errorf("selector labels (-want +got):\n%s", d)
	}
}
