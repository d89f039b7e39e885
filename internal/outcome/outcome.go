// Package outcome is the vocabulary of how an invocation ends: the kinds of outcome a run can
// come to (passed, gate failed, incomplete, undelivered, interrupted) and the typed errors for
// usage and configuration errors. Handlers decide outcomes; package exitcode maps them to exit
// codes, messages and hints.
//
// It is not responsible for exit codes, messages or hints (package exitcode), nor for deciding
// any outcome (the handlers do). It imports nothing of argus, so that every package can use it.
package outcome

import "fmt"

// Kind is what a run came to.
type Kind int

// Kinds of outcome, from best to worst for the pipeline.
const (
	Passed      Kind = iota // every selected result passed the gate
	Undelivered             // the results stand, but some wait in the outbox
	Incomplete              // a provider errored, or a state or report write failed
	GateFailed              // a result failed --fail-on
	Interrupted             // a signal stopped the run
)

func (k Kind) String() string {
	switch k {
	case Passed:
		return "passed"
	case Undelivered:
		return "undelivered"
	case Incomplete:
		return "incomplete"
	case GateFailed:
		return "gate failed"
	case Interrupted:
		return "interrupted"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Outcome is how a run ended. It is an error so that it travels out of a command's Run like
// one; exitcode.Result drops a Passed outcome that has nothing to say.
type Outcome struct {
	Kind Kind
	// NotRun counts due jobs that did not run: stopped by the interrupt (Interrupted), or not
	// started after a state write failed (Incomplete).
	NotRun int
	// Kept says finished results are in the outbox, for the next run to deliver (Interrupted).
	Kept bool
	// Pending counts results left in the outbox after delivery.
	Pending int
	// Err is what went wrong with the run itself (a state or report write): shown to the user,
	// while the results stand.
	Err error
}

func (o *Outcome) Error() string {
	if o.Err != nil {
		return fmt.Sprintf("%v: %v", o.Kind, o.Err)
	}
	return o.Kind.String()
}

func (o *Outcome) Unwrap() error { return o.Err }

// Quiet reports whether the outcome has nothing to say: passed, nothing pending, no error,
// every due job run.
func (o *Outcome) Quiet() bool {
	return o.Kind == Passed && o.Pending == 0 && o.Err == nil && o.NotRun == 0
}

// UsageError is a command line that could not be parsed (or a command grammar that could not
// be built).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// ReportedError is an error the user has already been shown in full, such as configuration
// and lock file diagnostics printed with their source lines: it gets an exit code and nothing
// more is printed.
type ReportedError struct{ Err error }

func (e *ReportedError) Error() string { return e.Err.Error() }
func (e *ReportedError) Unwrap() error { return e.Err }
