package builtin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/compliance-framework/argus/sdk"
)

// defaultMaxStdout bounds the stdout kept for expect_stdout/not_stdout; the rest is counted and
// discarded so that the command is never blocked on a full pipe.
const defaultMaxStdout = 1 << 20

// commandWaitDelay is how long a command has to exit after SIGTERM (sent when the job's deadline
// passes) before it is killed and its pipes are closed.
const commandWaitDelay = 2 * time.Second

// CommandOptions are the optional settings of builtin/command; a nil *CommandOptions means defaults.
type CommandOptions struct {
	// MaxStdoutBytes bounds the stdout searched by expect_stdout and not_stdout (default 1 MiB).
	MaxStdoutBytes int
}

// NewCommand returns the builtin/command handler: it runs one argv (no shell) and checks its exit
// code and stdout. The command inherits the provider's environment and working directory, which
// argus has already reduced to PATH, HOME, TMPDIR, LANG, the job's env_allow and a fresh temp dir.
//
// A command that cannot be started (not on PATH, not executable) is a result with status error,
// not fail: the check could not be made, and a user who typo'd the name must not read it as a
// finding about the host. A command that ran and exited with the wrong code, or was killed by a
// signal, is a fail. A command still running at the job's deadline gets SIGTERM, then SIGKILL,
// and the result is an error.
func NewCommand(opts *CommandOptions) sdk.Handler {
	p := commandProvider{maxStdout: defaultMaxStdout}
	if opts != nil && opts.MaxStdoutBytes > 0 {
		p.maxStdout = opts.MaxStdoutBytes
	}
	return p.handle
}

type commandProvider struct {
	maxStdout int
}

var commandKeys = []string{"command", "expect_exit", "expect_stdout", "not_stdout"}

type commandConfig struct {
	Command      []string `json:"command"`
	ExpectExit   *int     `json:"expect_exit"`
	ExpectStdout *string  `json:"expect_stdout"`
	NotStdout    *string  `json:"not_stdout"`
}

type commandChecks struct {
	argv         []string
	dir          string // the working directory: the configuration's, "" for the process's own
	expectExit   int
	expectStdout *regexp.Regexp
	notStdout    *regexp.Regexp
}

func parseCommandConfig(req sdk.Request) (commandChecks, error) {
	var cfg commandConfig
	if err := decodeConfig(req, &cfg, commandKeys); err != nil {
		return commandChecks{argv: cfg.Command}, err
	}
	c := commandChecks{argv: cfg.Command}
	var errs []error
	if len(cfg.Command) == 0 || cfg.Command[0] == "" {
		errs = append(errs, errors.New(`command is required: an argv list such as command = ["sshd", "-T"] (no shell; for one, use ["sh", "-c", "..."])`))
	}
	if cfg.ExpectExit != nil {
		if *cfg.ExpectExit < 0 || *cfg.ExpectExit > 255 {
			errs = append(errs, fmt.Errorf("expect_exit %d is not an exit code: want 0 to 255", *cfg.ExpectExit))
		}
		c.expectExit = *cfg.ExpectExit
	}
	var err error
	if c.expectStdout, err = compileRegexp("expect_stdout", cfg.ExpectStdout); err != nil {
		errs = append(errs, err)
	}
	if c.notStdout, err = compileRegexp("not_stdout", cfg.NotStdout); err != nil {
		errs = append(errs, err)
	}
	return c, joinErrors(errs)
}

// commandTitle renders argv as "command [sshd -T]", quoting arguments that would otherwise be
// ambiguous.
func commandTitle(argv []string) string {
	if len(argv) == 0 {
		return "command (no command configured)"
	}
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n\"'[]\\") {
			a = strconv.Quote(a)
		}
		parts[i] = a
	}
	return "command [" + strings.Join(parts, " ") + "]"
}

func (c commandChecks) describe() string {
	want := []string{fmt.Sprintf("exits with %d", c.expectExit)}
	if c.expectStdout != nil {
		want = append(want, fmt.Sprintf("stdout matches %q", c.expectStdout))
	}
	if c.notStdout != nil {
		want = append(want, fmt.Sprintf("stdout does not match %q", c.notStdout))
	}
	return "Runs the command and checks that it " + strings.Join(want, ", ") + "."
}

func (p commandProvider) handle(ctx context.Context, req sdk.Request) (sdk.Response, error) {
	c, err := parseCommandConfig(req)
	title := commandTitle(c.argv)
	if err != nil {
		return configError(req, CommandName, title, err), nil
	}
	// Relative arguments (["ls", "data/x"], ["./scripts/check.sh"]) mean what they mean in the
	// configuration's directory, not in the provider's empty working directory.
	c.dir = req.ConfigDir
	var v verdict
	ev := map[string]any{"argv": c.argv}
	p.check(ctx, c, &v, ev)
	obs := sdk.Observation{Title: title, Description: "What the command did when run.", Evidence: ev}
	return sdk.Response{Results: []sdk.Result{v.result(req, title, c.describe(), obs)}}, nil
}

func (p commandProvider) check(ctx context.Context, c commandChecks, v *verdict, ev map[string]any) {
	name := c.argv[0]
	if strings.ContainsRune(name, filepath.Separator) && !filepath.IsAbs(name) && c.dir != "" {
		name = filepath.Join(c.dir, name) // a path like ./check.sh, not a name to look up on PATH
	}
	path, err := exec.LookPath(name)
	if err != nil {
		// exec.ErrDot (found only in the working directory) is refused like a missing command:
		// the working directory is a temp dir, and running what happens to be in it is not intended.
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, exec.ErrDot) || errors.Is(err, os.ErrNotExist) {
			v.unchecked("command %q was not found on PATH (%s): install it, or give its absolute path in command[0]", c.argv[0], os.Getenv("PATH"))
		} else {
			v.unchecked("command %q cannot be run: %v", c.argv[0], err)
		}
		return
	}
	ev["path"] = path

	cmd := exec.CommandContext(ctx, path, c.argv[1:]...) //nolint:gosec // G204: running the configured command is what builtin/command is for
	cmd.Args[0] = c.argv[0]
	cmd.Dir = c.dir
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = commandWaitDelay
	stdout := &cappedBuffer{max: p.maxStdout}
	stderr := &cappedBuffer{max: excerptLimit}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	runErr := cmd.Run()

	ev["stdout"] = excerpt(stdout.buf)
	ev["stdout_bytes"] = stdout.total
	if stderr.total > 0 {
		ev["stderr"] = excerpt(stderr.buf)
	}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		v.unchecked("command did not finish before the job's deadline (%v): raise the job's timeout or make the command faster", context.Cause(ctx))
		return
	case runErr == nil:
	case errors.As(runErr, &exitErr):
	default:
		v.unchecked("run %s: %v", path, runErr)
		return
	}
	state := cmd.ProcessState
	code := state.ExitCode()
	ev["exit_code"] = code
	switch {
	case code < 0:
		// Killed by a signal that was not ours: the command's own behaviour, so a finding.
		ev["exit_status"] = state.String()
		v.fail("command was terminated (%s), want exit code %d", state.String(), c.expectExit)
	case code == c.expectExit:
		v.pass("exit code is %d", code)
	default:
		v.fail("exit code is %d, want %d", code, c.expectExit)
	}
	if stdout.truncated() {
		ev["stdout_truncated"] = fmt.Sprintf("only the first %d bytes of stdout were kept and searched", p.maxStdout)
	}
	if c.expectStdout != nil {
		if m := matchCheck(v, "stdout", "expect_stdout", c.expectStdout, true, stdout.buf, stdout.truncated()); m != "" {
			ev["expect_stdout_match"] = m
		}
	}
	if c.notStdout != nil {
		if m := matchCheck(v, "stdout", "not_stdout", c.notStdout, false, stdout.buf, stdout.truncated()); m != "" {
			ev["not_stdout_match"] = m
		}
	}
}
