// Package cmd is argus's command line: one kong command per file, each turning flags into a
// typed request for one internal package. There is no policy here beyond wiring; the only
// exit-code mapping is in this file.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"syscall"

	"github.com/alecthomas/kong"
	"github.com/fatih/color"
	"github.com/willabides/kongplete"
	"golang.org/x/term"

	"github.com/compliance-framework/argus/internal/jsonlog"
	"github.com/compliance-framework/argus/internal/version"
)

// CLI is the whole command line.
type CLI struct {
	Globals

	Assess     AssessCmd     `cmd:"" help:"Run the jobs that are due now and report their results."`
	Plan       PlanCmd       `cmd:"" help:"Show which jobs are due and why, without running anything (same as assess --dry-run)."`
	Validate   ValidateCmd   `cmd:"" help:"Check the configuration for errors without running anything or using the network."`
	Init       InitCmd       `cmd:"" help:"Install the providers the configuration needs, verify them and pin them in argus.lock.hcl."`
	Providers  ProvidersCmd  `cmd:"" help:"List installed providers, lock more platforms, or write an offline mirror."`
	Outbox     OutboxCmd     `cmd:"" help:"List, deliver or drop results still waiting for the control plane."`
	Version    VersionCmd    `cmd:"" help:"Print argus's version, commit and build date."`
	Completion CompletionCmd `cmd:"" help:"Print a shell completion script for bash, zsh or fish."`
	Convert    ConvertCmd    `cmd:"" help:"Convert another tool's configuration to argus HCL (agent-config: the Compliance Framework agent's config.yaml)."`

	Builtin BuiltinCmd `cmd:"" name:"__builtin" hidden:"" help:"Run a built-in provider (argus runs this itself; not for people)."`
}

// Globals are the flags every command takes.
type Globals struct {
	LogLevel  string `enum:"debug,info,warn,error" default:"info" help:"How much argus logs to stderr: debug, info, warn or error."`
	LogFormat string `enum:"text,json" default:"text" help:"Log format on stderr: text for people, json for log collectors."`
	Color     string `enum:"auto,always,never" default:"auto" help:"Colour in terminal output: auto (when stdout is a terminal and NO_COLOR is unset), always or never."`

	ShowVersion kong.VersionFlag `name:"version" help:"Print argus's version and exit."`
}

// IO is what a command reads and writes; tests pass buffers.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv reads the environment (for CI detection, NO_COLOR, GITHUB_*); nil means os.LookupEnv.
	Getenv func(string) (string, bool)
}

// app is what commands need from their surroundings, built once in Main.
type app struct {
	IO
	logger    *slog.Logger
	logFormat string // "text" or "json": --log-format, for output that is not a log record
	color     bool
}

func (a *app) env(name string) string {
	v, _ := a.Getenv(name)
	return v
}

// exitError carries an exit code out of a command whose message, if any, was already printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// kongExit is how kong's own exits (--help, usage errors) reach Main without os.Exit.
type kongExit int

const description = `argus runs compliance assessments in CI and cron.

It reads jobs from HCL configuration, runs each due job's provider (a built-in check or an
installed plugin), reports the results on the terminal and in report files, and exits with a
code a pipeline can act on:
  0 all good, 1 a check failed, 2 usage or configuration error, 3 a provider errored,
  4 results are waiting in the outbox, 130/143 interrupted.

Every flag can also be set with an ARGUS_* environment variable (--fail-on is ARGUS_FAIL_ON).
Start with: argus assess --config examples/quickstart --all`

// Main runs argus with args (without the program name) and returns the process exit code.
// ctx is cancelled, with a *SignalError cause, when argus is interrupted.
func Main(ctx context.Context, args []string, stdio IO) (code int) {
	if stdio.Getenv == nil {
		stdio.Getenv = os.LookupEnv
	}
	a := &app{IO: stdio}
	var cli CLI
	parser, err := kong.New(&cli,
		kong.Name("argus"),
		kong.Description(description),
		kong.Writers(stdio.Stdout, stdio.Stderr),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
		kong.DefaultEnvars("ARGUS"),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: true}),
		kong.BindTo(ctx, (*context.Context)(nil)),
		kong.Bind(a),
		kong.Vars{"version": version.Get().String()},
	)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "argus: internal error: %v\n", err)
		return 3
	}
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			// kong exits 80 on its own errors; argus's contract says usage errors are 2.
			code = int(c)
			if code != 0 {
				code = 2
			}
		}
	}()
	// Answers a shell's completion request (COMP_LINE set) and exits through kong.Exit.
	kongplete.Complete(parser)
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "argus: error: %v\n", err)
		fmt.Fprintln(stdio.Stderr, "argus: hint: run \"argus --help\" to see the commands and their flags")
		return 2
	}
	a.color = cli.useColor(stdio)
	a.logger = cli.logger(stdio.Stderr)
	a.logFormat = cli.LogFormat
	if cli.LogFormat == "json" {
		// Every stderr line a log record: plain lines, diagnostics, the final error.
		jw := &jsonlog.Writer{Logger: a.logger}
		defer jw.Flush()
		a.Stderr = jw
	}
	err = kctx.Run()
	return exitCode(ctx, err, a.Stderr)
}

func (g Globals) useColor(stdio IO) bool {
	switch g.Color {
	case "always":
		return true
	case "never":
		return false
	}
	if _, ok := stdio.Getenv("NO_COLOR"); ok {
		return false
	}
	f, ok := stdio.Stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (g Globals) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(g.LogLevel)) // kong's enum has checked it
	opts := &slog.HandlerOptions{Level: level}
	if g.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// newColor returns a colour that is on or off for this invocation only: fatih/color's global
// switch is left alone so that nothing depends on process-wide state.
func newColor(on bool, attrs ...color.Attribute) *color.Color {
	c := color.New(attrs...)
	if on {
		c.EnableColor()
	} else {
		c.DisableColor()
	}
	return c
}

// SignalError is the cancellation cause of Main's context when argus is interrupted.
type SignalError struct{ Signal os.Signal }

func (e *SignalError) Error() string { return fmt.Sprintf("interrupted by %v", e.Signal) }

// ExitCode is the conventional 128+n code for the signal.
func (e *SignalError) ExitCode() int {
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}

// exitCode is the one place that turns an error into an exit code and a message with a hint.
func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var sig *SignalError
	if errors.As(context.Cause(ctx), &sig) && errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "argus: %v\n", sig)
		return sig.ExitCode()
	}
	fmt.Fprintf(stderr, "argus: error: %v\n", err)
	if h := hint(err); h != "" {
		fmt.Fprintf(stderr, "argus: hint: %s\n", h)
	}
	return 2
}
