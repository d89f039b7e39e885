package runner

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// NotStartedError reports a task that was never started because its context was done first
// (argus is shutting down). No process was created for it.
type NotStartedError struct {
	Cause error // context.Cause of the task's context
}

func (e *NotStartedError) Error() string {
	return fmt.Sprintf("provider not started: argus was interrupted before the job could run (%v)", e.Cause)
}

func (e *NotStartedError) Unwrap() error { return e.Cause }

// StartError reports a provider executable that could not be started: it is missing, not
// executable, or not a program for this platform. What to do about it is Runner.Hint's.
type StartError struct {
	Path string
	Err  error
}

func (e *StartError) Error() string {
	return fmt.Sprintf("start provider %q: %v", e.Path, e.Err)
}

func (e *StartError) Unwrap() error { return e.Err }

// TimeoutError reports a provider that was still running when the job's timeout expired.
type TimeoutError struct {
	Timeout time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("provider timed out after %s (raise the job's timeout if it needs longer)", e.Timeout)
}

// InterruptedError reports a provider that was stopped because the run's context was cancelled
// while it ran (argus received SIGINT or SIGTERM).
type InterruptedError struct {
	Cause error // context.Cause of the task's context
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("provider interrupted: argus is shutting down (%v)", e.Cause)
}

func (e *InterruptedError) Unwrap() error { return e.Cause }

// ExitError reports a provider that did not exit with status 0: either it exited with Code, or
// it was killed by Signal (then Code is -1).
type ExitError struct {
	Code   int
	Signal string // e.g. "SIGSEGV"; empty when the provider exited by itself
}

func (e *ExitError) Error() string {
	if e.Signal != "" {
		return fmt.Sprintf("provider killed by signal %s", e.Signal)
	}
	return fmt.Sprintf("provider exited with status %d", e.Code)
}

// OutputError reports provider stdout that argus cannot accept: more than Limit bytes
// (Exceeded), or not one valid protocol v1 response (Err).
type OutputError struct {
	Limit    int64
	Exceeded bool
	Err      error
}

func (e *OutputError) Error() string {
	if e.Exceeded {
		return fmt.Sprintf("provider output exceeds %s: a provider must print one JSON response on stdout and log to stderr", formatBytes(e.Limit))
	}
	return fmt.Sprintf("%v (a provider must print exactly one protocol v1 JSON response on stdout, and log to stderr)", e.Err)
}

func (e *OutputError) Unwrap() error { return e.Err }

// EscapedError reports a provider that left processes behind outside its process group (they
// called setsid) that outlived it: on Linux argus found and killed them; elsewhere it noticed
// them holding the provider's stdout or stderr open and stopped reading.
type EscapedError struct {
	Killed int // processes argus killed; 0 when it could only notice them
}

func (e *EscapedError) Error() string {
	what := "a process started by the provider left its process group and outlived the provider"
	if e.Killed > 0 {
		what = fmt.Sprintf("%d process(es) started by the provider left its process group and outlived the provider; argus killed them", e.Killed)
	}
	return what + " (a provider must not leave processes behind: wait for what it starts)"
}

// ResultsError reports a valid response whose results argus cannot all deliver: more than
// Limit of them (Returned says how many), or several sharing a title (Duplicates, sorted).
type ResultsError struct {
	Returned, Limit int // Returned is 0 when the count was within the limit
	Duplicates      []string
}

func (e *ResultsError) Error() string {
	var parts []string
	if e.Returned > 0 {
		parts = append(parts, fmt.Sprintf("provider returned %d results, more than the %d argus keeps of one job", e.Returned, e.Limit))
	}
	if len(e.Duplicates) > 0 {
		quoted := make([]string, len(e.Duplicates))
		for i, d := range e.Duplicates {
			quoted[i] = strconv.Quote(d)
		}
		parts = append(parts, "provider returned several results titled "+strings.Join(quoted, ", ")+" (titles must be unique within a job)")
	}
	return strings.Join(parts, "; ")
}

// formatBytes prints n in the largest binary unit that divides it, so limits read as "16 MiB".
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
