package exitcode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"

	"github.com/compliance-framework/argus/internal/assess"
	"github.com/compliance-framework/argus/internal/flock"
	"github.com/compliance-framework/argus/internal/install"
	"github.com/compliance-framework/argus/internal/outbox"
	"github.com/compliance-framework/argus/internal/outcome"
	"github.com/compliance-framework/argus/internal/state"
)

// Code is a process exit code.
type Code int

// The exit codes of argus (README "Exit codes"; DESIGN.md). These are the only numbers.
const (
	OK          Code = 0   // every selected result passed the gate
	GateFailed  Code = 1   // a result failed --fail-on
	Usage       Code = 2   // usage or configuration error; nothing ran
	Incomplete  Code = 3   // a provider errored, a state or report write failed, or argus crashed
	Undelivered Code = 4   // results wait in the outbox for the control plane
	Interrupted Code = 130 // 128+SIGINT; a signal with a number n gives 128+n (SIGTERM 143)
)

// interruptedTERM is shown beside Interrupted in help texts.
const interruptedTERM Code = 128 + Code(syscall.SIGTERM)

// Vars are the codes by name, for help texts (kong's ${exit_…} interpolation), so that no
// other file writes them as numbers.
func Vars() map[string]string {
	return map[string]string{
		"exit_ok":          strconv.Itoa(int(OK)),
		"exit_gate":        strconv.Itoa(int(GateFailed)),
		"exit_usage":       strconv.Itoa(int(Usage)),
		"exit_incomplete":  strconv.Itoa(int(Incomplete)),
		"exit_undelivered": strconv.Itoa(int(Undelivered)),
		"exit_interrupted": fmt.Sprintf("%d/%d", Interrupted, interruptedTERM),
	}
}

// Kinded is a handler's outcome: it says how the run ended.
type Kinded interface{ ExitOutcome() *outcome.Outcome }

// Result turns a handler's outcome and error into the error a command returns: err when there
// is one, else the outcome when it has something to say, else nil.
func Result[T Kinded](o T, err error) error {
	if err != nil {
		return err
	}
	if out := o.ExitOutcome(); out != nil && !out.Quiet() {
		return out
	}
	return nil
}

// SilentError exits with Code and prints nothing: for `argus __builtin`, whose provider has
// already written its own protocol response and whose code is the provider's.
type SilentError struct{ Code Code }

func (e *SilentError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// SignalError is the cancellation cause of the command's context when argus is interrupted.
type SignalError struct{ Signal os.Signal }

func (e *SignalError) Error() string { return fmt.Sprintf("interrupted by %v", e.Signal) }

// Code is the conventional 128+n code for the signal.
func (e *SignalError) Code() Code {
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + Code(s)
	}
	return Interrupted
}

// CrashError is a panic recovered in the command's goroutine: a bug in argus.
type CrashError struct {
	Value any
	Stack []byte
}

func (e *CrashError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Decision is what argus prints and exits with.
type Decision struct {
	Code Code
	// Lines are printed on stderr in order, each after "argus: ".
	Lines []string
	// Hint, when set, is printed last after "argus: hint: ".
	Hint string
}

// Decide is the one place that maps an outcome or error to an exit code, message and hint.
// ctx is the invocation's context: its cause tells an interrupt from other cancellations.
func Decide(ctx context.Context, err error) Decision {
	if err == nil {
		return Decision{Code: OK}
	}
	var sig *SignalError
	interrupted := errors.As(context.Cause(ctx), &sig)

	var (
		silent   *SilentError
		crash    *CrashError
		out      *outcome.Outcome
		reported *outcome.ReportedError
		usage    *outcome.UsageError
	)
	switch {
	case errors.As(err, &silent):
		return Decision{Code: silent.Code}
	case errors.As(err, &crash):
		// Not Usage: something may have run. Incomplete is what the run came to.
		return Decision{Code: Incomplete, Lines: []string{"internal error (a bug in argus; please report it with what follows): " + crash.Error(), string(bytes.TrimSpace(crash.Stack))}}
	case errors.As(err, &out):
		return decideOutcome(out, sig)
	case errors.As(err, &reported):
		return Decision{Code: Usage}
	case errors.As(err, &usage):
		return Decision{Code: Usage, Lines: []string{"error: " + usage.Error()}, Hint: `run "argus --help" to see the commands and their flags`}
	case interrupted && errors.Is(err, context.Canceled):
		return Decision{Code: sig.Code(), Lines: []string{sig.Error()}}
	}
	return Decision{Code: Usage, Lines: []string{"error: " + WithInstallHints(err).Error()}, Hint: hint(err)}
}

// decideOutcome maps how a run ended. Any error that is not an outcome means nothing ran, or
// nothing changed, because of how argus was called or configured: Usage.
func decideOutcome(o *outcome.Outcome, sig *SignalError) Decision {
	var d Decision
	if o.Kind == outcome.Interrupted {
		if o.NotRun > 0 { // 0 when the signal came during the final delivery
			d.Lines = append(d.Lines, fmt.Sprintf("stopped: %d due job(s) did not run; they are due again on the next run", o.NotRun))
		}
		if o.Kept {
			d.Lines = append(d.Lines, "finished results are kept in the outbox; the next run delivers them")
		}
		d.Code = Interrupted
		if sig != nil {
			d.Lines = append(d.Lines, sig.Error())
			d.Code = sig.Code()
		}
		return d
	}
	if o.NotRun > 0 {
		// A state write that failed stops the jobs not yet started, as a signal does.
		d.Lines = append(d.Lines, fmt.Sprintf("%d due job(s) did not run; they are due again on the next run", o.NotRun))
	}
	if o.Pending > 0 {
		d.Lines = append(d.Lines, fmt.Sprintf(`%d result(s) could not be delivered to the control plane; they wait in the outbox (see "argus outbox list")`, o.Pending))
	}
	if o.Err != nil {
		// The results stand (a failed check still fails the gate), but the run did not
		// complete cleanly.
		d.Lines = append(d.Lines, "error: "+o.Err.Error())
	}
	switch o.Kind {
	case outcome.GateFailed:
		d.Code = GateFailed
	case outcome.Incomplete:
		d.Code = Incomplete
	case outcome.Undelivered:
		d.Code = Undelivered
	default:
		d.Code = OK
	}
	return d
}

// hint says what to do about an error, when argus knows. Every hint naming an argus command
// belongs here, not in the error text of an internal package.
func hint(err error) string {
	var (
		held       *flock.HeldError
		unknownJob *assess.UnknownJobError
		provider   *assess.ProviderError
		corrupt    *outbox.CorruptError
		notFound   *outbox.NotFoundError
		unverified *install.UnverifiedError
		owner      *state.OwnerError
	)
	switch {
	case errors.As(err, &held):
		return "another argus run on the same state is still going; wait for it, raise --lock-timeout, or use a different --state-dir"
	case errors.As(err, &unknownJob):
		return `run "argus plan --all" to list the jobs`
	case errors.As(err, &provider), errors.As(err, &unverified):
		return `run "argus init" to install and verify the providers the configuration names`
	case errors.As(err, &corrupt):
		return `inspect the file; once it is saved or known to be worthless, remove it with "argus outbox drop ID"`
	case errors.As(err, &owner):
		return `give each configuration its own --state-dir (or argus.state_dir); if the control plane really moved, deliver or drop what "argus outbox list" shows with the old configuration, then remove ` + state.OwnerFile + ` from the state directory`
	case errors.As(err, &notFound):
		return `run "argus outbox list" to see the IDs of the waiting results`
	}
	return configHint(err)
}

// configHint is the hook where errors of internal/config get their hints. Today config
// reports through hcl.Diagnostics (printed where they are found, and arriving here as an
// outcome.ReportedError), whose details say what to do. A typed or sentinel config error that
// drops the advice from its text is mapped here.
func configHint(error) string { return "" }

// Print writes the decision's lines and hint to w.
func (d Decision) Print(w io.Writer) {
	for _, l := range d.Lines {
		fmt.Fprintf(w, "argus: %s\n", l)
	}
	if d.Hint != "" {
		fmt.Fprintf(w, "argus: hint: %s\n", d.Hint)
	}
}

// Summary lists the codes for help texts.
func Summary() string {
	return fmt.Sprintf("%d all good, %d a result failed --fail-on, %d usage or configuration error, "+
		"%d incomplete (a provider errored, a report or state write failed, argus crashed), %d results wait in the outbox, %d/%d interrupted",
		OK, GateFailed, Usage, Incomplete, Undelivered, Interrupted, interruptedTERM)
}
