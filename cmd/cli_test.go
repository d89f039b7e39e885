package cmd

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/compliance-framework/argus/internal/exitcode"
)

// A command line kong cannot build or parse is a usage error (issue 11: it used to exit 3).
func TestKongFailuresAreUsageErrors(t *testing.T) {
	// Two flags of one name: kong.New rejects the grammar.
	type broken struct {
		Globals
		A string `name:"same"`
		B string `name:"same"`
	}
	tests := []struct {
		name    string
		grammar func() (any, *Globals)
		args    []string
		want    string
	}{
		{"grammar kong cannot build", func() (any, *Globals) { var b broken; return &b, &b.Globals }, nil, "argus: error: build the command line: "},
		{"unknown flag", func() (any, *Globals) { var c CLI; return &c, &c.Globals }, []string{"assess", "--no-such-flag"}, "argus: error: unknown flag --no-such-flag"},
		{"bad enum", func() (any, *Globals) { var c CLI; return &c, &c.Globals }, []string{"--color", "sometimes", "version"}, "argus: error: --color must be one of"},
		{"missing command", func() (any, *Globals) { var c CLI; return &c, &c.Globals }, nil, "argus: error: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			grammar, g := tt.grammar()
			code := run(context.Background(), tt.args, IO{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) (string, bool) { return "", false }}, grammar, g)
			if code != int(exitcode.Usage) {
				t.Errorf("exit code %d, want %d (usage)\nstderr: %s", code, exitcode.Usage, &stderr)
			}
			if !strings.HasPrefix(stderr.String(), tt.want) || !strings.Contains(stderr.String(), "argus: hint: run \"argus --help\"") {
				t.Errorf("stderr = %q, want it to start %q and give the --help hint", &stderr, tt.want)
			}
		})
	}
}

type crashCmd struct{}

func (crashCmd) Run() error { panic("boom") }

// A crash in argus is the incomplete code with the panic and its stack, never Go's 2 (which
// the table keeps for "nothing ran because of how argus was called").
func TestCrashIsIncomplete(t *testing.T) {
	var cli struct {
		Globals
		Crash crashCmd `cmd:""`
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"crash"}, IO{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) (string, bool) { return "", false }}, &cli, &cli.Globals)
	if code != int(exitcode.Incomplete) {
		t.Errorf("exit code %d, want %d (incomplete)\nstderr: %s", code, exitcode.Incomplete, &stderr)
	}
	if !strings.Contains(stderr.String(), "internal error (a bug in argus") || !strings.Contains(stderr.String(), "panic: boom") || !strings.Contains(stderr.String(), "crashCmd.Run") {
		t.Errorf("stderr lacks the panic and its stack:\n%s", &stderr)
	}
}
