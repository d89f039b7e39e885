// Package result is the in-memory record of one argus invocation: which jobs ran, what each
// provider reported, and the verdict a pipeline acts on. Reports, the outbox and the exit code
// are all computed from it.
//
// It is not responsible for running anything, rendering anything or delivering anything.
package result

import (
	"time"

	"github.com/compliance-framework/argus/sdk"
)

// Run is one `argus assess` invocation.
type Run struct {
	ID      string    `json:"id"` // UUID of the invocation, sent to providers as run_id
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	// Config is the path of the configuration the jobs came from, as the user gave it.
	Config string `json:"config"`
	Jobs   []Job  `json:"jobs"`
}

// Location is where a job is declared, so that reports can point at it.
type Location struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// Job is one execution of a job's provider and what it reported.
type Job struct {
	Name     string            `json:"name"`
	Provider string            `json:"provider"`
	Labels   map[string]string `json:"labels,omitempty"`
	Subject  sdk.Subject       `json:"subject"`
	Location Location          `json:"location"`
	Start    time.Time         `json:"start"`
	End      time.Time         `json:"end"`
	// Results holds at least one result: a provider that failed to answer is recorded as one
	// result with status "error" saying what happened.
	Results []sdk.Result `json:"results"`
	// Stderr is the bounded tail of the provider's stderr, kept when the job errored.
	Stderr string `json:"stderr,omitempty"`
	// NotDue marks a job that was not due in this run: its results are those of its last run
	// (Start, End), carried from the state directory so that the reports still cover it (a
	// SARIF upload would otherwise close its alerts). They count in no tally and no verdict.
	NotDue bool `json:"not_due,omitempty"`
}

// Status is the worst status among the job's results (error > fail > pass > skip).
func (j Job) Status() sdk.Status {
	worst := sdk.StatusSkip
	for _, r := range j.Results {
		if severity(r.Status) > severity(worst) {
			worst = r.Status
		}
	}
	return worst
}

func severity(s sdk.Status) int {
	switch s {
	case sdk.StatusError:
		return 3
	case sdk.StatusFail:
		return 2
	case sdk.StatusPass:
		return 1
	}
	return 0
}

// Tally counts results by status.
type Tally struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Error int `json:"error"`
	Skip  int `json:"skip"`
}

// Total is the number of results counted.
// NotDue counts the jobs whose results were carried from an earlier run (Job.NotDue).
func (r *Run) NotDue() int {
	n := 0
	for _, j := range r.Jobs {
		if j.NotDue {
			n++
		}
	}
	return n
}

func (t Tally) Total() int { return t.Pass + t.Fail + t.Error + t.Skip }

// Tally counts every result of every job.
func (r *Run) Tally() Tally {
	var t Tally
	for _, j := range r.Jobs {
		if j.NotDue {
			continue // carried from an earlier run: not this run's outcome
		}
		for _, res := range j.Results {
			switch res.Status {
			case sdk.StatusPass:
				t.Pass++
			case sdk.StatusFail:
				t.Fail++
			case sdk.StatusError:
				t.Error++
			case sdk.StatusSkip:
				t.Skip++
			}
		}
	}
	return t
}

// FailOn is the gate: which statuses fail the run.
type FailOn string

// The gates `--fail-on` accepts.
const (
	FailOnFail  FailOn = "fail"  // a fail result fails the gate; errors make the run incomplete
	FailOnError FailOn = "error" // fail and error results both fail the gate
	FailOnNever FailOn = "never" // report only: results never fail the run
)

// Verdict is what the results of a run mean for a pipeline.
type Verdict int

// Verdicts, from best to worst. The exit code is derived from them by the CLI.
const (
	VerdictPassed     Verdict = iota // nothing failed the gate
	VerdictIncomplete                // a provider errored and the gate counts errors as incomplete
	VerdictGateFailed                // a result failed the gate
)

// Verdict applies the gate to every result of the run.
func (r *Run) Verdict(gate FailOn) Verdict {
	t := r.Tally()
	switch gate {
	case FailOnNever:
		return VerdictPassed
	case FailOnError:
		if t.Fail > 0 || t.Error > 0 {
			return VerdictGateFailed
		}
	default:
		if t.Fail > 0 {
			return VerdictGateFailed
		}
		if t.Error > 0 {
			return VerdictIncomplete
		}
	}
	return VerdictPassed
}
