package builtin

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/compliance-framework/argus/sdk"
)

func TestCommand(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "not-executable")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		cfg  any
		opts *CommandOptions
		want check
	}{
		// expect_exit
		{"true", map[string]any{"command": []string{"true"}}, nil, check{status: sdk.StatusPass, title: "command [true]", reason: []string{"exit code is 0"},
			evidence: map[string]any{"argv": []string{"true"}, "exit_code": 0, "stdout": "", "stdout_bytes": 0}, noEvidence: []string{"stderr", "stdout_truncated"}}},
		{"false", map[string]any{"command": []string{"false"}}, nil, check{status: sdk.StatusFail, title: "command [false]", reason: []string{"exit code is 1, want 0"},
			evidence: map[string]any{"exit_code": 1}}},
		{"false expected", map[string]any{"command": []string{"false"}, "expect_exit": 1}, nil, check{status: sdk.StatusPass}},
		{"exit 3 expected", map[string]any{"command": []string{"sh", "-c", "echo hi; exit 3"}, "expect_exit": 3}, nil, check{status: sdk.StatusPass,
			title: `command [sh -c "echo hi; exit 3"]`, evidence: map[string]any{"exit_code": 3, "stdout": "hi\n", "stdout_bytes": 3}}},
		{"exit 3 unexpected", map[string]any{"command": []string{"sh", "-c", "echo hi; exit 3"}}, nil, check{status: sdk.StatusFail, reason: []string{"exit code is 3, want 0"}}},
		{"killed by a signal", map[string]any{"command": []string{"sh", "-c", "kill -KILL $$"}}, nil, check{status: sdk.StatusFail,
			reason: []string{"command was terminated (signal: killed), want exit code 0"}, evidence: map[string]any{"exit_code": -1, "exit_status": "signal: killed"}}},

		// expect_stdout and not_stdout
		{"expect_stdout holds", map[string]any{"command": []string{"sh", "-c", "echo PermitRootLogin no"}, "expect_stdout": "(?m)^PermitRootLogin no$"}, nil, check{status: sdk.StatusPass,
			evidence: map[string]any{"expect_stdout_match": "PermitRootLogin no"}}},
		{"expect_stdout misses", map[string]any{"command": []string{"sh", "-c", "echo PermitRootLogin yes"}, "expect_stdout": "(?m)^PermitRootLogin no$"}, nil, check{status: sdk.StatusFail,
			reason: []string{`stdout does not match expect_stdout "(?m)^PermitRootLogin no$"`}}},
		{"not_stdout holds", map[string]any{"command": []string{"sh", "-c", "echo ok"}, "not_stdout": "error"}, nil, check{status: sdk.StatusPass, noEvidence: []string{"not_stdout_match"}}},
		{"not_stdout matches", map[string]any{"command": []string{"sh", "-c", "echo 'x error: disk full'"}, "not_stdout": "error: .*"}, nil, check{status: sdk.StatusFail,
			reason: []string{`stdout matches not_stdout "error: .*" (found "error: disk full")`}, evidence: map[string]any{"not_stdout_match": "error: disk full"}}},
		{"stderr is evidence, not stdout", map[string]any{"command": []string{"sh", "-c", "echo oops >&2"}, "not_stdout": "oops"}, nil, check{status: sdk.StatusPass,
			evidence: map[string]any{"stderr": "oops\n", "stdout": ""}}},
		{"every failure named", map[string]any{"command": []string{"sh", "-c", "echo bad; exit 2"}, "expect_stdout": "good", "not_stdout": "bad"}, nil, check{status: sdk.StatusFail,
			reason: []string{`exit code is 2, want 0; stdout does not match expect_stdout "good"; stdout matches not_stdout "bad" (found "bad")`}}},

		// stdout beyond the bound
		{"match before the bound", map[string]any{"command": []string{"sh", "-c", "echo aaaaaaaa; echo needle"}, "expect_stdout": "aaa"}, &CommandOptions{MaxStdoutBytes: 4}, check{status: sdk.StatusPass,
			evidence: map[string]any{"stdout": "aaaa", "stdout_bytes": 16, "stdout_truncated": "only the first 4 bytes of stdout were kept and searched"}}},
		{"no match before the bound", map[string]any{"command": []string{"sh", "-c", "echo aaaaaaaa; echo needle"}, "expect_stdout": "needle"}, &CommandOptions{MaxStdoutBytes: 4}, check{status: sdk.StatusError,
			reason: []string{`could not check: expect_stdout "needle": no match in the first 4 bytes of stdout and the rest was not read`}}},
		{"not_stdout beyond the bound", map[string]any{"command": []string{"sh", "-c", "echo aaaaaaaa; echo needle"}, "not_stdout": "needle"}, &CommandOptions{MaxStdoutBytes: 4}, check{status: sdk.StatusError}},
		{"exit failure wins over the bound", map[string]any{"command": []string{"sh", "-c", "echo aaaaaaaa; exit 1"}, "expect_stdout": "needle"}, &CommandOptions{MaxStdoutBytes: 4}, check{status: sdk.StatusFail,
			reason: []string{"exit code is 1, want 0; could not check: expect_stdout"}}},

		// commands that cannot be run: the check was not performed
		{"not on PATH", map[string]any{"command": []string{"argus-no-such-command"}}, nil, check{status: sdk.StatusError, title: "command [argus-no-such-command]",
			reason: []string{`command "argus-no-such-command" was not found on PATH (`, "install it, or give its absolute path"}}},
		{"absolute path missing", map[string]any{"command": []string{filepath.Join(dir, "missing")}}, nil, check{status: sdk.StatusError, reason: []string{"was not found"}}},
		{"not executable", map[string]any{"command": []string{notExec}}, nil, check{status: sdk.StatusError, reason: []string{"cannot be run", "permission denied"}}},

		// misconfiguration
		{"no command", map[string]any{}, nil, check{status: sdk.StatusError, title: "command (no command configured)",
			reason: []string{`invalid config for builtin/command in job "test": command is required: an argv list`}}},
		{"empty argv", map[string]any{"command": []string{}}, nil, check{status: sdk.StatusError, reason: []string{"command is required"}}},
		{"empty program", map[string]any{"command": []string{"", "-x"}}, nil, check{status: sdk.StatusError, reason: []string{"command is required"}}},
		{"command as a string", map[string]any{"command": "sshd -T"}, nil, check{status: sdk.StatusError, reason: []string{"decode job config", "command"}}},
		{"expect_exit too large", map[string]any{"command": []string{"true"}, "expect_exit": 256}, nil, check{status: sdk.StatusError, reason: []string{"expect_exit 256 is not an exit code: want 0 to 255"}}},
		{"expect_exit negative", map[string]any{"command": []string{"true"}, "expect_exit": -1}, nil, check{status: sdk.StatusError, reason: []string{"expect_exit -1 is not an exit code"}}},
		{"bad expect_stdout", map[string]any{"command": []string{"true"}, "expect_stdout": "a{2,1}"}, nil, check{status: sdk.StatusError, reason: []string{"expect_stdout is not a valid regular expression"}}},
		{"bad not_stdout", map[string]any{"command": []string{"true"}, "not_stdout": "(?<"}, nil, check{status: sdk.StatusError, reason: []string{"not_stdout is not a valid regular expression"}}},
		{"unknown key", map[string]any{"command": []string{"true"}, "shell": true}, nil, check{status: sdk.StatusError, title: "command [true]",
			reason: []string{`unknown field "shell"`, "valid keys: command, expect_exit, expect_stdout, not_stdout"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runOne(t, t.Context(), NewCommand(tc.opts), request(t, tc.cfg, nil))
			tc.want.verify(t, res)
		})
	}
}

// TestCommandDeadline checks that a command still running at the job's deadline is stopped and
// reported as an error, not left behind.
func TestCommandDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	res := runOne(t, ctx, NewCommand(nil), request(t, map[string]any{"command": []string{"sleep", "60"}}, nil))
	check{status: sdk.StatusError, reason: []string{"command did not finish before the job's deadline", "raise the job's timeout"}}.verify(t, res)
}

func TestCommandTitle(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"sshd", "-T"}, "command [sshd -T]"},
		{[]string{"echo", ""}, `command [echo ""]`},
		{[]string{"sh", "-c", `echo "a b"`}, `command [sh -c "echo \"a b\""]`},
		{nil, "command (no command configured)"},
	} {
		if got := commandTitle(tc.argv); got != tc.want {
			t.Errorf("commandTitle(%q) = %q, want %q", tc.argv, got, tc.want)
		}
	}
}
