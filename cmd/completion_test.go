package cmd

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
	"github.com/willabides/kongplete"

	"github.com/compliance-framework/argus/internal/exitcode"
)

// completionCLI is a command line with the completion command, for testing completion before
// and independently of its place in CLI.
type completionCLI struct {
	Globals
	Assess     AssessCmd     `cmd:""`
	Completion CompletionCmd `cmd:""`
	Builtin    BuiltinCmd    `cmd:"" name:"__builtin" hidden:""`
}

// TestCompletionAnswers drives kongplete's protocol as a shell does: COMP_LINE set, candidates
// one per line on stdout.
func TestCompletionAnswers(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"argus ", []string{"assess", "completion"}}, // the hidden __builtin is not offered
		{"argus ass", []string{"assess"}},
		{"argus completion ", []string{"bash", "fish", "zsh"}},
		{"argus assess --fail-on ", []string{"error", "error:critical", "error:high", "error:info", "error:low", "error:medium", "fail", "fail:critical", "fail:high", "fail:info", "fail:low", "fail:medium", "never"}},
		{"argus --log-format ", []string{"json", "text"}},
		{"argus assess --fail", []string{"--fail-on"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			var stdout bytes.Buffer
			var cli completionCLI
			parser, err := kong.New(&cli, kong.Name("argus"), kong.Writers(&stdout, &stdout), kong.Vars(exitcode.Vars()))
			if err != nil {
				t.Fatal(err)
			}
			t.Setenv("COMP_LINE", tt.line)
			t.Setenv("COMP_POINT", "")
			exited := -1
			kongplete.Complete(parser, kongplete.WithExitFunc(func(code int) { exited = code }))
			if exited != 0 {
				t.Fatalf("completion exited %d, want 0 (answered)", exited)
			}
			got := strings.Fields(stdout.String())
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("completions of %q = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
	t.Run("no COMP_LINE: not a completion request", func(t *testing.T) {
		var cli completionCLI
		parser, err := kong.New(&cli, kong.Name("argus"), kong.Vars(exitcode.Vars()))
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("COMP_LINE", "")
		if err := os.Unsetenv("COMP_LINE"); err != nil { // unset, not empty: no request at all
			t.Fatal(err)
		}
		kongplete.Complete(parser, kongplete.WithExitFunc(func(code int) { t.Errorf("exited %d", code) }))
	})
}

// TestCompletionScripts prints each script through the command and loads it in the real shell
// when that shell is installed (bash always is here; CI installs zsh and fish).
func TestCompletionScripts(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe, _ = filepath.Abs(exe)
	check := map[string][]string{
		// Registers the completer and shows it: the shell's own reading of the script.
		"bash": {"bash", "--norc", "-c", `source "$1" && complete -p argus`, "bash"},
		"zsh":  {"zsh", "-f", "-c", `source "$1" && complete -p argus`, "zsh"},
		"fish": {"fish", "--no-config", "-c", `source $argv[1]; and complete -c argus; and functions __complete_argus`},
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			var stdout bytes.Buffer
			c := &CompletionCmd{Shell: shell}
			if err := c.Run(&app{IO: IO{Stdout: &stdout}}); err != nil {
				t.Fatal(err)
			}
			script := filepath.Join(t.TempDir(), "argus."+shell)
			if err := os.WriteFile(script, stdout.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			argv := check[shell]
			if _, err := exec.LookPath(argv[0]); err != nil {
				// CI installs every shell and sets ARGUS_REQUIRE_SHELLS (.ci/steps/56-completion.sh).
				if os.Getenv("ARGUS_REQUIRE_SHELLS") != "" {
					t.Fatalf("%s is not installed", shell)
				}
				t.Logf("%s is not installed: its script is checked in CI (.ci/steps/56-completion.sh)", shell)
				return
			}
			out, err := exec.CommandContext(context.Background(), argv[0], append(argv[1:], script)...).CombinedOutput()
			if err != nil {
				t.Fatalf("%s rejected the script: %v\n%s\nscript:\n%s", shell, err, out, stdout.String())
			}
			if !strings.Contains(string(out), exe) {
				t.Errorf("%s registered a completer that does not run %s:\n%s", shell, exe, out)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	for _, s := range []string{"/usr/local/bin/argus", "/home/o'neil/my bin/argus", `C:\argus $x`} {
		got, err := exec.CommandContext(t.Context(), "bash", "-c", `printf %s `+shellQuote(s)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != s {
			t.Errorf("bash read %s as %q, want %q", shellQuote(s), got, s)
		}
	}
}
