package report

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

var (
	// GitLab's own schema for one Code Quality issue, the one its report parser validates each
	// entry with (vendored; see testdata/schemas/README.md).
	gitlabIssueSchema = filepath.Join("..", "..", "testdata", "schemas", "gitlab-codeclimate.json")
	// The whole report: an array of issues valid against GitLab's schema and the stricter rules
	// of GitLab's documentation that argus promises.
	codeQualitySchema = filepath.Join("testdata", "codequality-report.schema.json")
)

func decodeIssues(t *testing.T, doc []byte) []codeQualityIssue {
	t.Helper()
	var issues []codeQualityIssue
	if err := json.Unmarshal(doc, &issues); err != nil {
		t.Fatalf("codequality report is not a JSON array of issues: %v\n%s", err, doc)
	}
	return issues
}

func TestCodeQualitySchema(t *testing.T) {
	report := schema(t, codeQualitySchema)
	gitlab := schema(t, gitlabIssueSchema)
	for name, run := range map[string]func() *result.Run{"fixture": fixtureRun, "empty": emptyRun} {
		t.Run(name, func(t *testing.T) {
			doc := render(t, "codequality", run(), testOptions())
			if err := validate(report, doc); err != nil {
				t.Errorf("report is not valid: %v", err)
			}
			var items []json.RawMessage
			if err := json.Unmarshal(doc, &items); err != nil {
				t.Fatal(err)
			}
			for i, item := range items {
				if err := validate(gitlab, item); err != nil {
					t.Errorf("issue %d is not valid against GitLab's schema: %v", i, err)
				}
			}
		})
	}
}

// TestCodeQualitySchemaCatches proves the validation above can fail: GitLab's own schema must
// reject the first mutations on its own, and the report schema the rest.
func TestCodeQualitySchemaCatches(t *testing.T) {
	gitlab := schema(t, gitlabIssueSchema)
	report := schema(t, codeQualitySchema)
	var items []json.RawMessage
	if err := json.Unmarshal(render(t, "codequality", fixtureRun(), testOptions()), &items); err != nil {
		t.Fatal(err)
	}
	var first map[string]any
	if err := json.Unmarshal(items[0], &first); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		gitlab bool // GitLab's schema itself must reject it
		mutate func(t *testing.T, issue map[string]any)
	}{
		{"no fingerprint", true, func(t *testing.T, m map[string]any) { delete(m, "fingerprint") }},
		{"no location", true, func(t *testing.T, m map[string]any) { delete(m, "location") }},
		{"line as a string", true, func(t *testing.T, m map[string]any) { locationOf(t, m)["lines"] = map[string]any{"begin": "20"} }},
		{"severity not a string", true, func(t *testing.T, m map[string]any) { m["severity"] = 3 }},
		{"unknown severity", false, func(t *testing.T, m map[string]any) { m["severity"] = "high" }},
		{"no check_name", false, func(t *testing.T, m map[string]any) { delete(m, "check_name") }},
		{"line 0", false, func(t *testing.T, m map[string]any) { locationOf(t, m)["lines"] = map[string]any{"begin": 0} }},
		{"absolute path", false, func(t *testing.T, m map[string]any) { locationOf(t, m)["path"] = "/builds/acme/ci/argus.hcl" }},
		{"path outside the repository", false, func(t *testing.T, m map[string]any) { locationOf(t, m)["path"] = "../argus.hcl" }},
		{"multi-line description", false, func(t *testing.T, m map[string]any) { m["description"] = "a\nb" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := deepCopy(t, first)
			tc.mutate(t, m)
			item, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if tc.gitlab {
				if err := validate(gitlab, item); err == nil {
					t.Errorf("GitLab's schema accepted the mutated issue %s", item)
				}
			}
			doc := append(append([]byte("["), item...), ']')
			if err := validate(report, doc); err == nil {
				t.Errorf("report schema accepted the mutated issue %s", item)
			}
		})
	}
}

func locationOf(t *testing.T, issue map[string]any) map[string]any {
	t.Helper()
	loc, ok := issue["location"].(map[string]any)
	if !ok {
		t.Fatalf("issue has no location object: %v", issue)
	}
	return loc
}

func deepCopy(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCodeQualityContent(t *testing.T) {
	issues := decodeIssues(t, render(t, "codequality", fixtureRun(), testOptions()))
	// The fixture has two failures, one error, one skip and passes: only the failures are issues.
	var names []string
	for _, is := range issues {
		names = append(names, is.CheckName)
	}
	if got, want := strings.Join(names, ","), "ssh-root-login,tls-min-version"; got != want {
		t.Fatalf("issues for %s, want %s (failed checks only; errors are not code-quality issues)", got, want)
	}
	ssh, tls := issues[0], issues[1]
	if ssh.Location.Path != "ci/argus.hcl" || ssh.Location.Lines.Begin != 20 {
		t.Errorf("ssh-root-login at %+v, want its job block at ci/argus.hcl:20", ssh.Location)
	}
	if tls.Location.Path != "ci/argus.hcl" || tls.Location.Lines.Begin != 1 {
		t.Errorf("a control-plane job (no block) at %+v, want the config at line 1", tls.Location)
	}
	if strings.Contains(ssh.Description, "\n") || !strings.HasPrefix(ssh.Description, "PermitRootLogin is no (inventory-item host/web-1): sshd_config says") {
		t.Errorf("description = %q, want title, subject and the reason's first line, on one line", ssh.Description)
	}
	if ssh.Content == nil || !strings.Contains(ssh.Content.Body, "and <Match> & friends") || !strings.Contains(ssh.Content.Body, "`ac-6`") {
		t.Errorf("content.body = %+v, want the whole reason and the controls", ssh.Content)
	}
	if ssh.Severity != "major" || ssh.Type != "issue" || ssh.EngineName != "argus" {
		t.Errorf("issue = %+v", ssh)
	}
}

func TestCodeQualityPathsRelativeToBase(t *testing.T) {
	base := t.TempDir()
	run := fixtureRun()
	for i := range run.Jobs {
		if run.Jobs[i].Location.File != "" {
			run.Jobs[i].Location.File = filepath.Join(base, "compliance", "main.argus.hcl")
		}
	}
	run.Config = filepath.Join(base, "compliance")
	opts := testOptions()
	opts.BaseDir = base
	for _, is := range decodeIssues(t, render(t, "codequality", run, opts)) {
		if is.CheckName == "ssh-root-login" && is.Location.Path != "compliance/main.argus.hcl" {
			t.Errorf("path = %q, want compliance/main.argus.hcl (relative to the repository)", is.Location.Path)
		}
		if is.CheckName == "tls-min-version" && is.Location.Path != "compliance" {
			t.Errorf("control-plane job path = %q, want the config, compliance", is.Location.Path)
		}
	}
}

// GitLab tells new issues from resolved ones by fingerprint: it must survive what changes from
// run to run (run ID, times, the reason's wording, the block moving in the file) and differ for
// different checks, subjects and titles, including two results of one job with the same title.
func TestCodeQualityFingerprint(t *testing.T) {
	fp := func(run *result.Run) map[string]string {
		out := map[string]string{}
		for _, is := range decodeIssues(t, render(t, "codequality", run, testOptions())) {
			out[is.CheckName+"|"+is.Description] = is.Fingerprint
		}
		return out
	}
	first := fixtureRun()
	second := fixtureRun()
	second.ID = "another-run"
	second.Started = second.Started.Add(86400e9)
	for i := range second.Jobs {
		second.Jobs[i].Location.Line += 7
		for k := range second.Jobs[i].Results {
			second.Jobs[i].Results[k].Reason = "different wording"
		}
	}
	a := decodeIssues(t, render(t, "codequality", first, testOptions()))
	b := decodeIssues(t, render(t, "codequality", second, testOptions()))
	if len(a) != len(b) {
		t.Fatalf("%d vs %d issues", len(a), len(b))
	}
	for i := range a {
		if a[i].Fingerprint != b[i].Fingerprint {
			t.Errorf("%s: fingerprint changed with run ID, time, wording or line", a[i].CheckName)
		}
	}

	dup := &result.Run{ID: "r", Config: "argus.hcl", Jobs: []result.Job{
		{Name: "j", Subject: sdk.Subject{Type: "host", Identifier: "a"}, Results: []sdk.Result{
			{Title: "same", Status: sdk.StatusFail, Reason: "one"},
			{Title: "same", Status: sdk.StatusFail, Reason: "two"},
			{Title: "other", Status: sdk.StatusFail},
		}},
		{Name: "j", Subject: sdk.Subject{Type: "host", Identifier: "b"}, Results: []sdk.Result{{Title: "same", Status: sdk.StatusFail}}},
		{Name: "k", Subject: sdk.Subject{Type: "host", Identifier: "a"}, Results: []sdk.Result{{Title: "same", Status: sdk.StatusFail}}},
	}}
	got := fp(dup)
	if len(got) != 5 {
		t.Fatalf("got %d issues, want 5: %v", len(got), got)
	}
	seen := map[string]string{}
	for k, v := range got {
		if other, ok := seen[v]; ok {
			t.Errorf("%q and %q share fingerprint %s: GitLab would keep only one", k, other, v)
		}
		seen[v] = k
	}
}

func TestCodeQualityRedacts(t *testing.T) {
	run := &result.Run{ID: "r", Config: "argus.hcl", Jobs: []result.Job{{
		Name: "token-" + testSecret, Provider: "builtin/http",
		Results: []sdk.Result{{Title: "uses " + testSecret, Status: sdk.StatusFail, Reason: "sent " + testSecret + "\nagain " + testSecret}},
	}}}
	doc := string(render(t, "codequality", run, testOptions()))
	if strings.Contains(doc, testSecret) || !strings.Contains(doc, "***") {
		t.Errorf("secret not redacted:\n%s", doc)
	}
}
