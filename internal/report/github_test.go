package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// runnerCommands simulates how the Actions runner reads a log: a line (trimmed) that starts
// with "::" is a command unless ::stop-commands::TOKEN is in force, which only "::TOKEN::"
// ends. It returns the commands the runner would execute, as "name props::data".
func runnerCommands(t *testing.T, out string) []string {
	t.Helper()
	var cmds []string
	stopped := ""
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if stopped != "" {
			if line == "::"+stopped+"::" {
				stopped = ""
			}
			continue
		}
		if !strings.HasPrefix(line, "::") {
			continue
		}
		cmd, _, _ := strings.Cut(line[2:], "::")
		name, _, _ := strings.Cut(cmd, " ")
		if name == "stop-commands" {
			_, stopped, _ = strings.Cut(line[2:], "::")
			if stopped == "" {
				t.Fatalf("stop-commands without a token: %q", line)
			}
			continue
		}
		cmds = append(cmds, line)
	}
	if stopped != "" {
		t.Fatalf("stop-commands block %q is never closed: the rest of the step's log is inert", stopped)
	}
	return cmds
}

func TestGitHubAnnotate(t *testing.T) {
	var out bytes.Buffer
	g := &GitHub{W: &out, Opts: testOptions()}
	if err := g.Annotate(fixtureRun()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"::warning file=ci/argus.hcl,line=30,col=3,title=argus%3A broken-provider%3A provider run::The check could not be completed: provider exited with status 2 (token ***)%0Asee stderr",
		"::error file=ci/argus.hcl,line=20,col=1,title=argus%3A ssh-root-login%3A PermitRootLogin is no::sshd_config says | PermitRootLogin yes |%0Aand <Match> & friends%0A::error file=evil.go,line=1::pwned%0A::add-mask::x%0A::set-env name=EVIL::1",
		// tls-min-version's failure is waived: accepted, so not annotated as an error.
		"::group::argus: details of 2 annotated results",
		"::endgroup::",
	}
	if diff := cmp.Diff(want, runnerCommands(t, out.String())); diff != "" {
		t.Errorf("commands the runner would execute (-want +got):\n%s\noutput:\n%s", diff, out.String())
	}
	// The raw provider text is shown, inside the stop-commands block.
	for _, s := range []string{"  ::set-env name=EVIL::1", "  provider stderr (tail):", "  connecting with ***"} {
		if !strings.Contains(out.String(), s+"\n") {
			t.Errorf("details lack %q:\n%s", s, out.String())
		}
	}
	if strings.Contains(out.String(), testSecret) {
		t.Error("annotations contain the secret")
	}
}

func TestGitHubStopTokenIsRandom(t *testing.T) {
	tokenRE := regexp.MustCompile(`(?m)^::stop-commands::(\S+)$`)
	seen := map[string]bool{}
	for range 3 {
		var out bytes.Buffer
		if err := (&GitHub{W: &out}).Annotate(fixtureRun()); err != nil {
			t.Fatal(err)
		}
		m := tokenRE.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("no stop-commands line:\n%s", out.String())
		}
		if len(m[1]) < 32 || seen[m[1]] {
			t.Errorf("token %q is short or repeated", m[1])
		}
		seen[m[1]] = true
	}
}

func manyResults(fails, errs int) *result.Run {
	run := &result.Run{ID: "r", Started: t0, Ended: t0.Add(time.Second), Config: "argus.hcl"}
	add := func(n int, status sdk.Status) {
		for i := range n {
			run.Jobs = append(run.Jobs, result.Job{
				Name:     fmt.Sprintf("%s-%02d", status, i),
				Provider: "builtin/file",
				Location: result.Location{File: "argus.hcl", Line: i + 1},
				Results:  []sdk.Result{{Title: "check", Status: status, Reason: "reason"}},
			})
		}
	}
	add(fails, sdk.StatusFail)
	add(errs, sdk.StatusError)
	add(3, sdk.StatusPass)
	return run
}

func TestGitHubAnnotationCap(t *testing.T) {
	for _, tc := range []struct {
		fails, errs             int
		wantErrors, wantWarning int
		wantNotices             []string
	}{
		{fails: 10, errs: 10, wantErrors: 10, wantWarning: 10},
		{fails: 11, errs: 0, wantErrors: 10, wantNotices: []string{"::notice title=argus::1 more failures are in report.json"}},
		{fails: 13, errs: 12, wantErrors: 10, wantWarning: 10, wantNotices: []string{
			"::notice title=argus::3 more failures are in report.json",
			"::notice title=argus::2 more errors are in report.json",
		}},
		{fails: 0, errs: 0},
	} {
		t.Run(fmt.Sprintf("%d-fail-%d-error", tc.fails, tc.errs), func(t *testing.T) {
			var out bytes.Buffer
			opts := testOptions()
			opts.FullReport = "report.json"
			if err := (&GitHub{W: &out, Opts: opts}).Annotate(manyResults(tc.fails, tc.errs)); err != nil {
				t.Fatal(err)
			}
			var errors, warnings int
			var notices []string
			for _, c := range runnerCommands(t, out.String()) {
				switch {
				case strings.HasPrefix(c, "::error "):
					errors++
				case strings.HasPrefix(c, "::warning "):
					warnings++
				case strings.HasPrefix(c, "::notice "):
					notices = append(notices, c)
				}
			}
			if errors != tc.wantErrors || warnings != tc.wantWarning {
				t.Errorf("got %d errors and %d warnings, want %d and %d", errors, warnings, tc.wantErrors, tc.wantWarning)
			}
			if diff := cmp.Diff(tc.wantNotices, notices); diff != "" {
				t.Errorf("notices (-want +got):\n%s", diff)
			}
			if tc.fails+tc.errs == 0 && out.Len() != 0 {
				t.Errorf("a run without problems printed:\n%s", out.String())
			}
		})
	}
}

func TestGitHubMask(t *testing.T) {
	var out bytes.Buffer
	g := &GitHub{W: &out, Opts: Options{Secrets: []string{"zeta", "", "  ", "100%\ntoken-line-2\r\n", "zeta"}}}
	if err := g.Mask(); err != nil {
		t.Fatal(err)
	}
	want := "::add-mask::100%25\n::add-mask::token-line-2\n::add-mask::zeta\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("masks (-want +got):\n%s", diff)
	}
}

func TestGitHubReportMasksFirst(t *testing.T) {
	var out bytes.Buffer
	summary := filepath.Join(t.TempDir(), "summary.md")
	g := &GitHub{W: &out, SummaryPath: summary, Opts: testOptions()}
	if err := g.Report(fixtureRun()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if lines[0] != "::add-mask::"+testSecret {
		t.Errorf("first line is %q, want the mask", lines[0])
	}
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "::add-mask::") {
			t.Errorf("a mask comes after other output: %q", l)
		}
	}
	data, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "| ❌ fail | ssh-root-login |") {
		t.Errorf("summary lacks the failure:\n%s", data)
	}
}

func TestGitHubSummary(t *testing.T) {
	full := markdown(normalize(fixtureRun(), testOptions().Secrets), testOptions(), 0)
	for _, tc := range []struct {
		name     string
		existing string
		limit    int
		wantCut  bool
		// rows shown, inclusive range
		minRows, maxRows int
	}{
		{name: "fits", limit: 1 << 20, minRows: 6, maxRows: 6},
		{name: "cut", limit: len(full) - 10, wantCut: true, minRows: 1, maxRows: 5},
		// Room for the heading and the note only.
		{name: "no row fits", limit: strings.Index(full, "| ❌") + len(cutNote(0, 6, "the argus-reports artifact")) + 5, wantCut: true, minRows: 0, maxRows: 0},
		// Earlier writers in the same step use up part of the limit.
		{name: "shared", existing: strings.Repeat("x", 400) + "\n", limit: len(full) + 200, wantCut: true, minRows: 1, maxRows: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "summary.md")
			if tc.existing != "" {
				if err := os.WriteFile(path, []byte(tc.existing), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			opts := testOptions()
			opts.SummaryLimit = tc.limit
			opts.FullReport = "the argus-reports artifact"
			if err := (&GitHub{SummaryPath: path, Opts: opts}).Summary(fixtureRun()); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(data) > tc.limit {
				t.Errorf("summary is %d bytes, over the limit of %d", len(data), tc.limit)
			}
			if !strings.HasPrefix(string(data), tc.existing) {
				t.Error("earlier summary content was not kept")
			}
			cut := strings.Contains(string(data), "This summary was cut")
			if cut != tc.wantCut {
				t.Errorf("cut note present = %v, want %v:\n%s", cut, tc.wantCut, data)
			}
			if cut && !strings.Contains(string(data), "the argus-reports artifact") {
				t.Error("the cut note does not say where the full report is")
			}
			rows := strings.Count(string(data), "\n| ") - 2 // header and separator
			if strings.Contains(string(data), "### Waived") {
				rows -= 2 // the waived table's header and separator
			}
			if rows < tc.minRows || rows > tc.maxRows {
				t.Errorf("got %d rows, want %d to %d", rows, tc.minRows, tc.maxRows)
			}
			if cut && !strings.Contains(string(data), fmt.Sprintf("it shows %d of 6 results", rows)) {
				t.Errorf("the note miscounts the rows shown (%d):\n%s", rows, data)
			}
			if rows > 0 && !strings.Contains(string(data), "| ❌ fail | ssh-root-login |") {
				t.Error("the cut dropped a failure before the passes")
			}
		})
	}
}

func TestGitHubSummaryWithoutPath(t *testing.T) {
	if err := (&GitHub{}).Summary(fixtureRun()); err != nil {
		t.Errorf("no summary path: %v, want nothing done", err)
	}
}

func TestGitHubSummaryFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), 100), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := testOptions()
	opts.SummaryLimit = 100
	err := (&GitHub{SummaryPath: path, Opts: opts}).Summary(fixtureRun())
	if err == nil || !strings.Contains(err.Error(), "already 100 bytes") {
		t.Errorf("error = %v, want one saying the summary is full", err)
	}
}

func TestWorkflowEscaping(t *testing.T) {
	for _, tc := range []struct{ in, data, prop string }{
		{"plain", "plain", "plain"},
		{"100%", "100%25", "100%25"},
		{"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"k: v, w", "k: v, w", "k%3A v%2C w"},
		{"%0A", "%250A", "%250A"},
	} {
		if got := escapeData(tc.in); got != tc.data {
			t.Errorf("escapeData(%q) = %q, want %q", tc.in, got, tc.data)
		}
		if got := escapeProperty(tc.in); got != tc.prop {
			t.Errorf("escapeProperty(%q) = %q, want %q", tc.in, got, tc.prop)
		}
	}
}
