package agentremote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/controlplane"
)

// fetcher answers AgentConfig from a fixed response and records the If-None-Match it got.
type fetcher struct {
	res  controlplane.AgentConfigResponse
	err  error
	sent []string
}

func (f *fetcher) AgentConfig(_ context.Context, inm string) (controlplane.AgentConfigResponse, error) {
	f.sent = append(f.sent, inm)
	return f.res, f.err
}

func rev(n int64, overlay string) controlplane.AgentConfigResponse {
	return controlplane.AgentConfigResponse{ETag: fmt.Sprintf(`"e%d"`, n), Revision: n, Overlay: json.RawMessage(overlay)}
}

func baseJobs() []Job {
	return []Job{{Name: "check", Provider: "builtin/command", Source: "builtin/command", Schedule: "every 1h",
		Config: json.RawMessage(`{"command":["true"]}`)}}
}

func input(t *testing.T, mode string, f Fetcher) Input {
	t.Helper()
	return Input{Settings: Settings{Mode: mode, TrustedSources: []string{"ghcr.io/compliance-framework/*"}},
		Jobs: baseJobs(), Providers: map[string]string{"builtin/command": "builtin/command", "ghcr.io/compliance-framework/p:v1": "p"},
		Fetcher: f, Store: Store{Dir: t.TempDir()},
		Getenv:  func(n string) (string, bool) { v, ok := map[string]string{"HOST_PORT": "2222"}[n]; return v, ok },
		Secrets: []string{"s3cret"}, Check: CheckJobs}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name, mode, overlay string
		fetchErr            error
		status, reason      string
		applied             bool
		schedule            string // of job "check" that runs
		warn                string
	}{
		{"apply_safe applies a schedule", ModeApplySafe, `{"plugins":{"check":{"schedule":"every 5m"}}}`, nil, StatusApplied, "", true, "every 5m", ""},
		{"apply_all applies a schedule", ModeApplyAll, `{"plugins":{"check":{"schedule":"every 5m"}}}`, nil, StatusApplied, "", true, "every 5m", ""},
		{"report applies nothing", ModeReport, `{"plugins":{"check":{"schedule":"every 5m"}}}`, nil, StatusNotApplicable, "", false, "every 1h", ""},
		{"untrusted source refused in apply_safe", ModeApplySafe, `{"plugins":{"check":{"schedule":"every 5m"},"evil":{"source":"ghcr.io/evil/x:v1"}}}`, nil, StatusRejected, ReasonUnsafeChanges, false, "every 1h", "refused (unsafe-changes"},
		{"untrusted source needs a provider in apply_all", ModeApplyAll, `{"plugins":{"evil":{"source":"ghcr.io/evil/x:v1"}}}`, nil, StatusFailed, ReasonUnsupported, false, "every 1h", "argus init"},
		{"trusted new plugin with a provider", ModeApplySafe, `{"plugins":{"new":{"source":"ghcr.io/compliance-framework/p:v1"}}}`, nil, StatusApplied, "", true, "every 1h", ""},
		{"locked key refused", ModeApplyAll, `{"api":{"url":"https://evil"}}`, nil, StatusRejected, ReasonForbiddenChanges, false, "every 1h", "forbidden"},
		{"unknown key is unknown-field", ModeApplyAll, `{"plugins":{"check":{"colour":"red"}}}`, nil, StatusRejected, ReasonUnknownField, false, "every 1h", "unknown-field"},
		{"bad schedule is invalid-config", ModeApplySafe, `{"plugins":{"check":{"schedule":"whenever"}}}`, nil, StatusRejected, ReasonInvalidConfig, false, "every 1h", "whenever"},
		{"agent cron schedule is converted", ModeApplySafe, `{"plugins":{"check":{"schedule":"@every 10m"}}}`, nil, StatusApplied, "", true, "every 10m", ""},
		{"env reference resolves", ModeApplyAll, `{"plugins":{"check":{"config":{"command":["true","${env:HOST_PORT}"]}}}}`, nil, StatusApplied, "", true, "every 1h", ""},
		{"unset env reference", ModeApplyAll, `{"plugins":{"check":{"config":{"command":["${env:NOPE}"]}}}}`, nil, StatusRejected, ReasonEnvMissing, false, "every 1h", "NOPE"},
		{"argus credentials never referenced", ModeApplyAll, `{"plugins":{"check":{"config":{"command":["${env:ARGUS_CLIENT_SECRET}"]}}}}`, nil, StatusRejected, ReasonForbiddenChanges, false, "every 1h", ""},
		{"a new job's name must be valid", ModeApplySafe, `{"plugins":{"Bad Name!":{"source":"ghcr.io/compliance-framework/p:v1"}}}`, nil, StatusRejected, ReasonInvalidConfig, false, "every 1h", "not a valid job name"},
		{"disabling drops the job", ModeApplySafe, `{"plugins":{"check":{"enabled":false}}}`, nil, StatusApplied, "", true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fetcher{res: rev(1, tt.overlay), err: tt.fetchErr}
			out := Resolve(t.Context(), input(t, tt.mode, f))
			r := out.Report
			if r == nil {
				t.Fatal("no report")
			}
			if r.Status != tt.status || r.Reason != tt.reason || out.Applied != tt.applied {
				t.Fatalf("status %q reason %q applied %v; want %q %q %v (warnings %v)", r.Status, r.Reason, out.Applied, tt.status, tt.reason, tt.applied, out.Warnings)
			}
			if r.AttemptedRevision == nil || *r.AttemptedRevision != 1 {
				t.Errorf("attempted revision %v, want 1", r.AttemptedRevision)
			}
			if tt.applied != (r.AppliedRevision != nil) {
				t.Errorf("applied revision %v with applied %v", r.AppliedRevision, tt.applied)
			}
			sched := ""
			for _, j := range out.Jobs {
				if j.Name == "check" {
					sched, _ = ArgusSchedule(j.Schedule)
				}
			}
			if tt.schedule != "" && sched != tt.schedule {
				t.Errorf("check runs %q, want %q", sched, tt.schedule)
			}
			if tt.schedule == "" && sched != "" {
				t.Errorf("check still runs (%q)", sched)
			}
			if w := strings.Join(out.Warnings, "\n"); tt.warn != "" && !strings.Contains(w, tt.warn) {
				t.Errorf("warnings %q lack %q", w, tt.warn)
			}
			if !strings.HasPrefix(r.EffectiveDigest, "sha256:") || len(r.EffectiveDigest) != 71 || out.Digest != r.EffectiveDigest {
				t.Errorf("digest %q / %q", r.EffectiveDigest, out.Digest)
			}
			if b, _ := json.Marshal(r); strings.Contains(string(b), "s3cret") {
				t.Errorf("report holds a secret: %s", b)
			}
		})
	}
}

func TestResolveEnvValueOfArgusCredential(t *testing.T) {
	in := input(t, ModeApplyAll, &fetcher{res: rev(1, `{"plugins":{"check":{"config":{"command":["${env:INNOCENT}"]}}}}`)})
	in.Getenv = func(string) (string, bool) { return "s3cret", true } // a copy of argus's secret
	out := Resolve(t.Context(), in)
	if out.Applied || out.Report.Reason != ReasonForbiddenChanges {
		t.Fatalf("a variable holding argus's credential was applied: %+v", out.Report)
	}
	for _, j := range out.Jobs {
		if strings.Contains(string(j.Config), "s3cret") {
			t.Fatal("the credential reached a job's config")
		}
	}
}

func TestResolvePollingAndLastGood(t *testing.T) {
	in := input(t, ModeApplySafe, nil)
	f := &fetcher{res: rev(1, `{"plugins":{"check":{"schedule":"every 5m"}}}`)}
	in.Fetcher = f
	if out := Resolve(t.Context(), in); !out.Applied {
		t.Fatalf("first: %v", out.Warnings)
	}
	// 304 to the stored ETag: the stored revision applies again.
	f.res = controlplane.AgentConfigResponse{NotModified: true}
	out := Resolve(t.Context(), in)
	if f.sent[1] != `"e1"` || !out.Applied || *out.Revision != 1 {
		t.Fatalf("304: sent %q, outcome %+v", f.sent, out)
	}
	// Unreachable: the last good overlay, with a warning.
	f.err = errors.New("connection refused")
	out = Resolve(t.Context(), in)
	if !out.Applied || *out.Revision != 1 || !strings.Contains(strings.Join(out.Warnings, ""), "using the last good overlay (revision 1") {
		t.Fatalf("outage: %+v", out)
	}
	// A refused revision runs the local configuration, but does not replace the last good one.
	f.err = nil
	f.res = rev(2, `{"plugins":{"x":{"source":"ghcr.io/evil/x:v1"}}}`)
	if out = Resolve(t.Context(), in); out.Applied {
		t.Fatal("revision 2 applied")
	}
	f.err = errors.New("down")
	if out = Resolve(t.Context(), in); !out.Applied || *out.Revision != 1 {
		t.Fatalf("outage after a refusal: %+v", out)
	}
	// Plans (no fetcher) decide on the last fetched revision, as the last run did: local.
	in.Fetcher = nil
	if out = Resolve(t.Context(), in); out.Applied || out.Report.Status != StatusRejected {
		t.Fatalf("plan: %+v", out.Report)
	}
	// 404: local configuration, no report, said at debug level only.
	in.Fetcher = &fetcher{err: controlplane.ErrRemoteConfigUnsupported}
	out = Resolve(t.Context(), in)
	if !out.Unsupported || out.Report != nil || len(out.Warnings) != 0 || len(out.Debug) != 1 || out.Applied {
		t.Fatalf("404: %+v", out)
	}
}

func TestResolveOutageWithoutLastGood(t *testing.T) {
	for _, mode := range []string{ModeReport, ModeApplySafe} {
		out := Resolve(t.Context(), input(t, mode, &fetcher{err: errors.New("down")}))
		if out.Applied || len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0], "running the local configuration") {
			t.Errorf("%s: %+v", mode, out)
		}
		if out.Report == nil || len(out.Report.Warnings) != 1 || out.Report.Warnings[0].Code != "fetch-failed" {
			t.Errorf("%s: report %+v", mode, out.Report)
		}
	}
}

func TestResolveNotModifiedWithoutCopy(t *testing.T) {
	out := Resolve(t.Context(), input(t, ModeApplySafe, &fetcher{res: controlplane.AgentConfigResponse{NotModified: true}}))
	if out.Applied || !strings.Contains(strings.Join(out.Warnings, ""), "304") {
		t.Fatalf("%+v", out)
	}
}

func TestResolveCorruptState(t *testing.T) {
	in := input(t, ModeApplySafe, &fetcher{res: rev(1, `{}`)})
	if err := writeFile(in.Store.Dir+"/"+StateFile, "{nope"); err != nil {
		t.Fatal(err)
	}
	out := Resolve(t.Context(), in)
	if !out.Applied || !strings.Contains(strings.Join(out.Warnings, ""), "delete it") {
		t.Fatalf("%+v", out)
	}
}
