package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func render(t *testing.T, format string, run *result.Run, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, run, opts); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return buf.Bytes()
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got; run go test -update if the change is intended):\n%s", name, diff)
	}
}

func TestGolden(t *testing.T) {
	for _, format := range Formats() {
		for _, tc := range []struct {
			name string
			run  func() *result.Run
		}{
			{"", fixtureRun},
			{"empty-", emptyRun},
		} {
			t.Run(tc.name+format, func(t *testing.T) {
				got := render(t, format, tc.run(), testOptions())
				golden(t, tc.name+format+".golden", got)
			})
		}
	}
}

// TestDeterministic renders the fixture twice, the second time with jobs and results in
// reverse order, and expects identical bytes: no map order and no input order may leak.
func TestDeterministic(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			first := render(t, format, fixtureRun(), testOptions())
			run := fixtureRun()
			for i, j := 0, len(run.Jobs)-1; i < j; i, j = i+1, j-1 {
				run.Jobs[i], run.Jobs[j] = run.Jobs[j], run.Jobs[i]
			}
			for _, j := range run.Jobs {
				for a, b := 0, len(j.Results)-1; a < b; a, b = a+1, b-1 {
					j.Results[a], j.Results[b] = j.Results[b], j.Results[a]
				}
			}
			second := render(t, format, run, testOptions())
			if diff := cmp.Diff(string(first), string(second)); diff != "" {
				t.Errorf("output depends on input order (-first +second):\n%s", diff)
			}
		})
	}
}

func TestSecretsNeverRendered(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			got := render(t, format, fixtureRun(), testOptions())
			if bytes.Contains(got, []byte(testSecret)) {
				t.Errorf("%s report contains the secret", format)
			}
			// codequality lists failed checks only, and the fixture's secret is in an errored
			// one: TestCodeQualityRedacts puts one in a failure.
			if !bytes.Contains(got, []byte("***")) && format != "codequality" {
				t.Errorf("%s report does not show where the secret was redacted", format)
			}
		})
	}
}

func TestWriteDoesNotModifyRun(t *testing.T) {
	run := fixtureRun()
	for _, format := range Formats() {
		render(t, format, run, testOptions())
	}
	if diff := cmp.Diff(fixtureRun(), run); diff != "" {
		t.Errorf("rendering modified the run (-want +got):\n%s", diff)
	}
}

func schema(t *testing.T, file string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	// The OSCAL patterns (\p{L}, \p{N}, \S) all compile with Go's regexp, the library's
	// default engine; a pattern that did not would fail here.
	sch, err := c.Compile(file)
	if err != nil {
		t.Fatalf("compile schema %s: %v", file, err)
	}
	return sch
}

func validate(sch *jsonschema.Schema, doc []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

var (
	oscalSchema = filepath.Join("..", "..", "testdata", "schemas", "oscal_complete_schema-1-1-3.json")
	sarifSchema = filepath.Join("..", "..", "testdata", "schemas", "sarif-schema-2.1.0.json")
	// argus's own JSON report documents itself with a schema kept beside its golden file.
	jsonSchema = filepath.Join("testdata", "argus-report-v1.schema.json")
)

func TestSchemaValid(t *testing.T) {
	for _, tc := range []struct {
		format, schema string
	}{
		{"oscal", oscalSchema},
		{"sarif", sarifSchema},
		{"json", jsonSchema},
	} {
		sch := schema(t, tc.schema)
		for name, run := range map[string]func() *result.Run{"fixture": fixtureRun, "empty": emptyRun} {
			t.Run(tc.format+"/"+name, func(t *testing.T) {
				if err := validate(sch, render(t, tc.format, run(), testOptions())); err != nil {
					t.Errorf("%s report of the %s run is not valid: %v", tc.format, name, err)
				}
			})
		}
	}
}

// TestSchemaCatches makes sure the validation above can fail: each mutation breaks a rule the
// renderer has to respect, and the schema must reject it.
func TestSchemaCatches(t *testing.T) {
	schemas := map[string]*jsonschema.Schema{"oscal": schema(t, oscalSchema), "sarif": schema(t, sarifSchema), "json": schema(t, jsonSchema)}
	docs := map[string]string{}
	for f := range schemas {
		docs[f] = string(render(t, f, fixtureRun(), testOptions()))
	}
	for name, mutate := range map[string]func(string) string{
		"json: unknown status": func(s string) string {
			return strings.Replace(s, `"status": "error"`, `"status": "broken"`, 1)
		},
		"json: unknown field": func(s string) string {
			return strings.Replace(s, `"version": 1,`, `"version": 1, "extra": true,`, 1)
		},
		"sarif: unknown level": func(s string) string {
			return strings.Replace(s, `"level": "warning"`, `"level": "fatal"`, 1)
		},
		"sarif: line 0": func(s string) string {
			return strings.Replace(s, `"startLine": 30`, `"startLine": 0`, 1)
		},
		"oscal: CIS id as control-id": func(s string) string {
			return strings.Replace(s, `"control-id": "ac-17"`, `"control-id": "3.3.1"`, 1)
		},
		"oscal: timestamp without zone": func(s string) string {
			return strings.Replace(s, `"2026-11-24T20:00:01.5Z"`, `"2026-11-24T20:00:01.5"`, 1)
		},
		"oscal: empty array": func(s string) string {
			return strings.Replace(s, `"methods": [`, `"links": [], "methods": [`, 1)
		},
		"oscal: UUID version 7": func(s string) string {
			i := strings.Index(s, `"uuid": "`) + len(`"uuid": "`) + 14
			return s[:i] + "7" + s[i+1:]
		},
	} {
		t.Run(name, func(t *testing.T) {
			format, _, _ := strings.Cut(name, ":")
			doc := docs[format]
			mutated := mutate(doc)
			if mutated == doc {
				t.Fatal("mutation did not apply: the golden output changed shape")
			}
			if err := validate(schemas[format], []byte(mutated)); err == nil {
				t.Error("schema accepted the mutated document")
			}
		})
	}
}

func TestOSCALContent(t *testing.T) {
	var doc struct {
		AR oscalAR `json:"assessment-results"`
	}
	if err := json.Unmarshal(render(t, "oscal", fixtureRun(), testOptions()), &doc); err != nil {
		t.Fatal(err)
	}
	res := doc.AR.Results[0]
	var ids []string
	for _, c := range res.ReviewedControls.ControlSelections[0].IncludeControls {
		ids = append(ids, c.ControlID)
	}
	if diff := cmp.Diff([]string{"ac-17", "ac-6", "sc-8"}, ids); diff != "" {
		t.Errorf("include-controls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]oscalProp{{Name: "control", NS: oscalNS, Value: "3.3.1"}}, res.ReviewedControls.ControlSelections[0].Props); diff != "" {
		t.Errorf("non-token control kept as a prop (-want +got):\n%s", diff)
	}
	// 6 results, one observation each; findings: per token control of pass/fail/error results
	// (ssh fail: ac-17, ac-6; ssh pass: ac-17; etc pass: ac-6; tls fail: sc-8; broken: job
	// name), none for the skip.
	if len(res.Observations) != 6 {
		t.Errorf("got %d observations, want 6", len(res.Observations))
	}
	states := map[string]int{}
	obs := map[string]bool{}
	for _, o := range res.Observations {
		obs[o.UUID] = true
	}
	for _, f := range res.Findings {
		states[f.Target.TargetID+"="+f.Target.Status.State]++
		if !obs[f.RelatedObservations[0].ObservationUUID] {
			t.Errorf("finding %q refers to an unknown observation", f.Title)
		}
	}
	want := map[string]int{"ac-17=not-satisfied": 1, "ac-6=not-satisfied": 1, "ac-17=satisfied": 1, "ac-6=satisfied": 1, "sc-8=not-satisfied": 1, "broken-provider=not-satisfied": 1}
	if diff := cmp.Diff(want, states); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestOSCALNoControls(t *testing.T) {
	run := fixtureRun()
	for i := range run.Jobs {
		delete(run.Jobs[i].Labels, "control")
		for k := range run.Jobs[i].Results {
			run.Jobs[i].Results[k].Controls = nil
		}
	}
	out := render(t, "oscal", run, testOptions())
	if err := validate(schema(t, oscalSchema), out); err != nil {
		t.Fatalf("invalid: %v", err)
	}
	if !bytes.Contains(out, []byte(`"include-all": {}`)) {
		t.Error("a run without controls does not review include-all")
	}
}

func TestTokenize(t *testing.T) {
	for in, want := range map[string]string{ //nolint:gosec // G101: job names that look like secret names, not secrets
		"etc-passwd-perms": "etc-passwd-perms",
		"3.3.1":            "_3.3.1",
		"my job/with:odd":  "my-job-with-odd",
		"":                 "_",
	} {
		if got := tokenize(in); got != want || !isToken(got) {
			t.Errorf("tokenize(%q) = %q, want %q (a token)", in, got, want)
		}
	}
}

func TestStableUUID(t *testing.T) {
	a := stableUUID("run", "job", "title")
	if a != stableUUID("run", "job", "title") {
		t.Error("same inputs give different UUIDs")
	}
	if a == stableUUID("run", "jobt", "itle") {
		t.Error("parts are not separated: shifted inputs collide")
	}
	if a[14] != '4' || !strings.ContainsRune("89ab", rune(a[19])) {
		t.Errorf("%s is not shaped like a version 4 UUID", a)
	}
}

func TestSARIF(t *testing.T) {
	var log sarifLog
	if err := json.Unmarshal(render(t, "sarif", fixtureRun(), testOptions()), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if run.AutomationDetails.ID != "argus/" {
		t.Errorf("category = %q, want the default argus/", run.AutomationDetails.ID)
	}
	type row struct {
		Rule, Level, URI, Base string
		Line, Col              int
	}
	var got []row
	for _, r := range run.Results {
		loc := r.Locations[0].PhysicalLocation
		got = append(got, row{r.RuleID, r.Level, loc.ArtifactLocation.URI, loc.ArtifactLocation.URIBaseID, loc.Region.StartLine, loc.Region.StartColumn})
		if r.PartialFingerprints[fingerprintKey] == "" {
			t.Errorf("result of %s has no fingerprint", r.RuleID)
		}
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("ruleIndex %d of %s points at %s", r.RuleIndex, r.RuleID, run.Tool.Driver.Rules[r.RuleIndex].ID)
		}
	}
	want := []row{
		{"broken-provider", "warning", "ci/argus.hcl", "%SRCROOT%", 30, 3},
		{"ssh-root-login", "error", "ci/argus.hcl", "%SRCROOT%", 20, 1},
		// No location: the config file, line 1.
		{"tls-min-version", "error", "ci/argus.hcl", "%SRCROOT%", 1, 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

func TestSARIFBaseDirAndCategory(t *testing.T) {
	dir := t.TempDir()
	run := fixtureRun()
	for i := range run.Jobs {
		if run.Jobs[i].Location.File != "" {
			run.Jobs[i].Location.File = filepath.Join(dir, "conf", "my jobs.argus.hcl")
		}
	}
	opts := testOptions()
	opts.BaseDir = dir
	opts.Category = "argus/nightly"
	out := render(t, "sarif", run, opts)
	if err := validate(schema(t, sarifSchema), out); err != nil {
		t.Fatalf("invalid: %v", err)
	}
	if !bytes.Contains(out, []byte(`"uri": "conf/my%20jobs.argus.hcl"`)) {
		t.Errorf("location not relative to BaseDir with an escaped URI:\n%s", out)
	}
	if !bytes.Contains(out, []byte(`"id": "argus/nightly"`)) {
		t.Error("category option ignored")
	}
}

func TestJUnitWellFormed(t *testing.T) {
	out := render(t, "junit", fixtureRun(), testOptions())
	dec := xml.NewDecoder(bytes.NewReader(out))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("JUnit report is not well-formed XML: %v", err)
		}
	}
	var suites junitSuites
	if err := xml.Unmarshal(out, &suites); err != nil {
		t.Fatal(err)
	}
	// The waived failure is skipped, with the waiver as its message.
	if got := [4]int{suites.Tests, suites.Failures, suites.Errors, suites.Skipped}; got != [4]int{6, 1, 1, 2} {
		t.Errorf("tests, failures, errors, skipped = %v, want [6 1 1 2]", got)
	}
	waived := false
	for _, s := range suites.Suites {
		for _, c := range s.Cases {
			if c.Skipped != nil && c.Skipped.Type == "waived" && strings.Contains(c.Skipped.Message, `waived by "legacy-tls" until 2027-03-31: Old <load balancer>`) {
				waived = true
				if c.Properties == nil || !slices.Contains(c.Properties.Property, junitProperty{"severity", "critical"}) || !slices.Contains(c.Properties.Property, junitProperty{"waiver", "legacy-tls"}) {
					t.Errorf("waived testcase properties = %+v", c.Properties)
				}
			}
		}
	}
	if !waived {
		t.Error("no skipped testcase carries the waiver")
	}
	if bytes.ContainsAny(out, "\x1b\x00") {
		t.Error("characters XML 1.0 forbids were written")
	}
	var errCase *junitCase
	for _, s := range suites.Suites {
		for i, c := range s.Cases {
			if c.Error != nil {
				errCase = &s.Cases[i]
			}
		}
	}
	if errCase == nil || !strings.Contains(errCase.Error.Body, "provider stderr") || !strings.Contains(errCase.Error.Body, "::set-env") {
		t.Errorf("error testcase does not carry the provider's stderr: %+v", errCase)
	}
}

func TestXMLClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain <&> text":        "plain <&> text",
		"esc\x1b[31m nul\x00":   "esc[31m nul",
		"tab\tnl\ncr\r":         "tab\tnl\ncr\r",
		"bad utf8 \xff here":    "bad utf8  here",
		"replacement \uFFFD ok": "replacement \uFFFD ok",
		"nonchar \uFFFE":        "nonchar ",
	} {
		if got := xmlClean(in); got != want {
			t.Errorf("xmlClean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownCell(t *testing.T) {
	for in, want := range map[string]string{
		"a | b":           `a \| b`,
		"line1\nline2":    "line1<br>line2",
		"<script>&":       "&lt;script&gt;&amp;",
		`back\|slash`:     `back\\\|slash`,
		"  trimmed  ":     "trimmed",
		"crlf\r\nnext\r.": "crlf<br>next<br>.",
	} {
		if got := mdCell(in); got != want {
			t.Errorf("mdCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownFailuresFirst(t *testing.T) {
	out := string(render(t, "markdown", fixtureRun(), testOptions()))
	var order []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "| ") && !strings.HasPrefix(l, "| Status") && !strings.HasPrefix(l, "| ---") {
			order = append(order, strings.Fields(l)[2])
		}
	}
	// The waived failure is in its own section, after the summary table.
	want := []string{"fail", "error", "skip", "pass", "pass"}
	if diff := cmp.Diff(want, order[:5]); diff != "" {
		t.Errorf("row order (-want +got):\n%s", diff)
	}
	if !strings.Contains(out, "### Waived") || !strings.Contains(out, "| tls-min-version | TLS 1.2 or later | critical |") {
		t.Errorf("no Waived section with the waived failure:\n%s", out)
	}
	if !strings.Contains(out, "- `ssh-root-login`: Root cannot log in over SSH. Set PermitRootLogin no in /etc/ssh/sshd_config.") {
		t.Errorf("the job's description and remediation are not in the markdown:\n%s", out)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, "json", fixtureRun(), testOptions()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := render(t, "json", fixtureRun(), testOptions()); !bytes.Equal(got, want) {
		t.Error("file content differs from Write's output")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	// An unknown format fails before the file is touched.
	err = WriteFile(path, "yaml", fixtureRun(), testOptions())
	if err == nil || !strings.Contains(err.Error(), "json, oscal, sarif, junit, markdown") {
		t.Errorf("unknown format error = %v, want one listing the formats", err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, got) {
		t.Error("a failed write changed the file")
	}

	var stdout bytes.Buffer
	opts := testOptions()
	opts.Stdout = &stdout
	if err := WriteFile("-", "markdown", fixtureRun(), opts); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdout.Bytes(), render(t, "markdown", fixtureRun(), testOptions())) {
		t.Error("- did not write the report to Options.Stdout")
	}
	if err := WriteFile("-", "markdown", fixtureRun(), testOptions()); err == nil {
		t.Error("- without a stdout writer did not fail")
	}
	nested := filepath.Join(dir, "missing", "r.json")
	if err := WriteFile(nested, "json", fixtureRun(), testOptions()); err != nil {
		t.Errorf("writing into a missing directory: %v (it should be created)", err)
	} else if !bytes.Equal(readFile(t, nested), render(t, "json", fixtureRun(), testOptions())) {
		t.Error("report in a created directory differs from the rendered report")
	}
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(blocker, "r.json"), "json", fixtureRun(), testOptions()); err == nil {
		t.Error("writing under a regular file did not fail")
	}
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Target
		wantErr string
	}{
		{in: "sarif=out/argus.sarif", want: Target{Format: "sarif", Path: "out/argus.sarif"}},
		{in: "json=-", want: Target{Format: "json", Path: "-"}},
		{in: "markdown=a=b.md", want: Target{Format: "markdown", Path: "a=b.md"}},
		{in: "sarif", wantErr: "want FORMAT=PATH"},
		{in: "=x", wantErr: "want FORMAT=PATH"},
		{in: "html=x", wantErr: `unknown report format "html"`},
	} {
		got, err := ParseTarget(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseTarget(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// TestHostileInputStaysValid feeds the schema-bound formats the text providers and configs
// can produce at their worst; the documents must stay valid.
func TestHostileInputStaysValid(t *testing.T) {
	run := fixtureRun()
	run.ID = ""
	run.Config = " dir with space/ä.hcl "
	run.Jobs = append(run.Jobs, result.Job{
		Name:     " 1 job\nwith: odd,name ",
		Provider: "\t",
		Labels:   map[string]string{"control": " , AC-6 ,3.3.1,ac 6,\n", "multi\nline": " value \n"},
		Subject:  sdk.Subject{Type: "two words", Identifier: "\n host\n"},
		Location: result.Location{File: "../outside/x.hcl", Line: -3, Column: -1},
		Results: []sdk.Result{
			{Title: "\n", Status: sdk.StatusFail, Reason: "  ", Controls: []string{"", " "}},
			{Title: "obs", Status: sdk.StatusPass, Observations: []sdk.Observation{{Title: " ", Evidence: map[string]any{"<k>": "&v"}}}},
		},
	})
	for _, tc := range []struct{ format, schema string }{{"oscal", oscalSchema}, {"sarif", sarifSchema}, {"json", jsonSchema}} {
		if err := validate(schema(t, tc.schema), render(t, tc.format, run, testOptions())); err != nil {
			t.Errorf("%s: %v", tc.format, err)
		}
	}
}

func TestMarkdownCellLimit(t *testing.T) {
	got := mdCell(strings.Repeat("é", 2*markdownCellLimit))
	if n := len([]rune(got)); n != markdownCellLimit+1 || !strings.HasSuffix(got, "…") {
		t.Errorf("cell of %d runes, want %d ending in …", n, markdownCellLimit+1)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
