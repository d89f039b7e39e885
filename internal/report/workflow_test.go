package report

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/sdk"
)

// workflowCommands returns the lines of out that GitHub's runner would execute as workflow
// commands, parsing as it does (actions/runner ActionCommand.TryParseV2, then TryParse): a line
// is a command when, after leading white space, it starts with "::" and a name that ends at a
// space or the next "::"; failing that, when it holds "##[" anywhere, followed by a name that
// ends at a space or "]"; the name must be one the runner knows. After ::stop-commands::TOKEN
// only ::TOKEN:: (or ##[TOKEN]) counts.
func workflowCommands(out string) []string {
	var cmds []string
	stopped := ""
	known := func(name string) bool {
		if stopped != "" {
			return name == stopped
		}
		return registeredCommands[name]
	}
	for line := range strings.SplitSeq(out, "\n") {
		name, ok := v2Command(line)
		if !ok || !known(name) {
			if name, ok = v1Command(line); !ok || !known(name) {
				continue
			}
		}
		switch {
		case stopped != "":
			stopped = ""
		case name == "stop-commands":
			stopped = strings.TrimSpace(line[strings.LastIndex(line, "::")+2:])
		}
		cmds = append(cmds, line)
	}
	return cmds
}

// registeredCommands are the names the runner acts on (its ActionCommandExtensions).
var registeredCommands = map[string]bool{
	"add-mask": true, "add-matcher": true, "add-path": true, "debug": true, "echo": true, "endgroup": true,
	"error": true, "group": true, "notice": true, "remove-matcher": true, "save-state": true, "set-env": true,
	"set-output": true, "stop-commands": true, "warning": true,
}

func v2Command(line string) (string, bool) {
	s := strings.TrimLeft(line, " \t")
	if !strings.HasPrefix(s, "::") {
		return "", false
	}
	end := strings.Index(s[2:], "::")
	if end < 0 {
		return "", false
	}
	info := s[2 : 2+end]
	name, _, _ := strings.Cut(info, " ")
	return name, name != ""
}

func v1Command(line string) (string, bool) {
	i := strings.Index(line, "##[")
	if i < 0 {
		return "", false
	}
	rest := line[i+3:]
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return "", false
	}
	name, _, _ := strings.Cut(rest[:end], " ")
	return name, name != ""
}

// hostileRun is a run whose provider text tries every way into a workflow command.
func hostileRun() *result.Run {
	return &result.Run{Jobs: []result.Job{{
		Name: "hostile", Provider: "builtin/command",
		Location: result.Location{File: "main.argus.hcl", Line: 1, Column: 1},
		Stderr:   "::error::from stderr\n##[warning]from stderr, legacy\n",
		Results: []sdk.Result{
			{Title: "##[error]legacy in a title", Status: sdk.StatusFail, Reason: "::warning::in a reason\n  ::error::indented, line two"},
			{Title: "plain", Status: sdk.StatusError, Reason: "first line\n::add-mask::x\n    ##[set-env name=A]b\n::stop-commands::guess\n::argus-0000::"},
			{Title: "::notice::title at the start", Status: sdk.StatusPass},
		},
	}}}
}

// Under GitHub Actions, no provider text becomes a workflow command: not through the terminal
// view (reasons line by line, titles), nor the annotations, nor the log (issue 15, item 7).
func TestGitHubModeRunsNoProviderCommand(t *testing.T) {
	run := hostileRun()
	var out bytes.Buffer
	term := &Terminal{W: &out, GitHub: true}
	for _, j := range run.Jobs {
		if err := term.Job(j); err != nil {
			t.Fatal(err)
		}
	}
	if err := term.Tally(run); err != nil {
		t.Fatal(err)
	}
	if err := (&GitHub{W: &out, Opts: testOptions()}).Annotate(run); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(GitHubLogWriter(&out), nil))
	logger.Info("provider stderr", "line", "##[warning]from a log line")
	slog.New(slog.NewJSONHandler(GitHubLogWriter(&out), nil)).Info("provider stderr", "line", "##[error]json")

	for _, cmd := range workflowCommands(out.String()) {
		s := strings.TrimLeft(cmd, " \t")
		switch {
		case strings.HasPrefix(s, "::stop-commands::argus-"), strings.HasPrefix(s, "::argus-"):
		case strings.HasPrefix(s, "::error file="), strings.HasPrefix(s, "::warning file="):
		case s == "::endgroup::", strings.HasPrefix(s, "::group::argus: details"):
		default:
			t.Errorf("provider text became a workflow command: %q", cmd)
		}
	}
	if !strings.Contains(out.String(), "legacy in a title") || !strings.Contains(out.String(), "indented, line two") {
		t.Errorf("the provider's text is not shown at all:\n%s", out.String())
	}
}

// The simulator itself finds what it must: without stop-commands, a reason's line is a command.
func TestWorkflowCommandsFindsInjection(t *testing.T) {
	var out bytes.Buffer
	if err := (&Terminal{W: &out}).Job(hostileRun().Jobs[0]); err != nil {
		t.Fatal(err)
	}
	if cmds := workflowCommands(out.String()); len(cmds) == 0 {
		t.Errorf("no command found in the plain terminal view:\n%s", out.String())
	}
	var log bytes.Buffer
	slog.New(slog.NewTextHandler(&log, nil)).Info("x", "line", "##[warning]from a log line")
	if len(workflowCommands(log.String())) != 1 {
		t.Errorf("the legacy form in a plain log line is not found: %s", log.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestGitHubLogWriter(t *testing.T) {
	var b bytes.Buffer
	w := GitHubLogWriter(&b)
	for _, in := range []string{"plain line\n", "a ##[warning]b and ##[error]c\n"} {
		if n, err := w.Write([]byte(in)); n != len(in) || err != nil {
			t.Errorf("Write(%q) = %d, %v; want %d, nil", in, n, err, len(in))
		}
	}
	if want := "plain line\na ##[\u200bwarning]b and ##[\u200berror]c\n"; b.String() != want {
		t.Errorf("wrote %q, want %q", b.String(), want)
	}
	if _, err := GitHubLogWriter(failingWriter{}).Write([]byte("##[x]\n")); err == nil {
		t.Error("a failed write was not reported")
	}
	if _, err := GitHubLogWriter(failingWriter{}).Write([]byte("x\n")); err == nil {
		t.Error("a failed write was not reported")
	}
}

func TestTerminalGitHubWriteError(t *testing.T) {
	err := (&Terminal{W: failingWriter{}, GitHub: true}).Job(hostileRun().Jobs[0])
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Job = %v, want the write error", err)
	}
}
