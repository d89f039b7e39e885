// Package cmd is argus's command line: one kong command per file, each turning flags into a
// typed request for one internal package. There is no policy here beyond wiring: the exit
// codes, messages and hints are internal/exitcode's, and what a command works on
// (configuration, state, cache, session) is built lazily, once, by internal/workspace.
package cmd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/alecthomas/kong"
	"github.com/willabides/kongplete"
	"golang.org/x/term"

	"github.com/compliance-framework/argus/internal/exitcode"
	"github.com/compliance-framework/argus/internal/outcome"
	"github.com/compliance-framework/argus/internal/report"
	"github.com/compliance-framework/argus/internal/workspace"
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

// kongExit is how kong's own exits (--help, usage errors) reach Main without os.Exit.
type kongExit int

const description = `argus runs compliance assessments in CI and cron.

It reads jobs from HCL configuration, runs each due job's provider (a built-in check or an
installed plugin), reports the results on the terminal and in report files, and exits with a
code a pipeline can act on: %s.

Every flag can also be set with an ARGUS_* environment variable (--fail-on is ARGUS_FAIL_ON).
Start with: argus assess --config examples/quickstart --all`

// Main runs argus with args (without the program name) and returns the process exit code.
// ctx is cancelled, with an *exitcode.SignalError cause, when argus is interrupted.
func Main(ctx context.Context, args []string, stdio IO) int {
	var cli CLI
	return run(ctx, args, stdio, &cli, &cli.Globals)
}

// run is Main for a grammar: the CLI, or in tests one kong cannot build. g is the grammar's
// global flags.
func run(ctx context.Context, args []string, stdio IO, grammar any, g *Globals) (code int) {
	if stdio.Getenv == nil {
		stdio.Getenv = os.LookupEnv
	}
	a := &app{IO: stdio}
	parser, err := newParser(ctx, grammar, a)
	if err != nil {
		return finish(ctx, &outcome.UsageError{Err: fmt.Errorf("build the command line: %w", err)}, stdio.Stderr)
	}
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(kongExit)
			if !ok {
				// A crash is argus's bug, not the caller's: the table gives it the code of a
				// run that did not complete, never 2 (Go's own exit status for a panic).
				code = finish(ctx, &exitcode.CrashError{Value: r, Stack: debug.Stack()}, stdio.Stderr)
				return
			}
			// kong has printed its help, or its own usage error: the table gives the code.
			var err error
			if c != 0 {
				err = &outcome.ReportedError{Err: fmt.Errorf("kong exited with status %d", int(c))}
			}
			code = finish(ctx, err, stdio.Stderr)
		}
	}()
	// Answers a shell's completion request (COMP_LINE set) and exits through kong.Exit.
	kongplete.Complete(parser)
	kctx, err := parser.Parse(args)
	if err != nil {
		return finish(ctx, &outcome.UsageError{Err: err}, stdio.Stderr)
	}
	a.color = g.useColor(stdio)
	a.logger = g.logger(stdio.Stderr)
	if a.env("GITHUB_ACTIONS") == "true" {
		a.logger = g.logger(report.GitHubLogWriter(stdio.Stderr)) // log lines can quote provider stderr
	}
	a.logFormat = g.LogFormat

	// The workspace is built once, here, from the flag groups the command embeds; its parts
	// are built when the command first asks for them.
	ws := &workspace.Workspace{
		Holder: "argus " + commandName(kctx),
		Getenv: stdio.Getenv,
		Stderr: stdio.Stderr,
		Color:  a.color,
		Logger: a.logger,
	}
	if sel := kctx.Selected(); sel != nil && sel.Target.CanAddr() {
		applyFlags(sel.Target.Addr().Interface(), ws)
	}
	defer ws.Close()
	kctx.Bind(ws)
	return finish(ctx, kctx.Run(), stdio.Stderr)
}

func newParser(ctx context.Context, cli any, a *app) (*kong.Kong, error) {
	return kong.New(cli,
		kong.Name("argus"),
		kong.Description(fmt.Sprintf(description, exitcode.Summary())),
		kong.Writers(a.Stdout, a.Stderr),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
		kong.DefaultEnvars("ARGUS"),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: true}),
		kong.Vars(exitcode.Vars()),
		kong.BindTo(ctx, (*context.Context)(nil)),
		kong.Bind(a),
	)
}

// finish prints what the exit-code table says about err and returns the code.
func finish(ctx context.Context, err error, stderr io.Writer) int {
	d := exitcode.Decide(ctx, err)
	d.Print(stderr)
	return int(d.Code)
}

// commandName is the selected command's words ("outbox flush"), for the state lock's holder.
func commandName(kctx *kong.Context) string {
	var words []string
	for _, w := range strings.Fields(kctx.Command()) {
		if !strings.HasPrefix(w, "<") {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
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
