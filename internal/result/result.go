// Package result is the in-memory record of one argus invocation: which jobs ran, what each
// provider reported, and the verdict a pipeline acts on. Reports, the outbox and the exit code
// are all computed from it.
//
// It is not responsible for running anything, rendering anything or delivering anything.
package result

import (
	"fmt"
	"strings"
	"time"

	"github.com/compliance-framework/argus/internal/waiver"
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
	// UnusedWaivers are the active waivers that cover a job that ran but waived no failure of
	// it: stale waivers that rot silently unless the run says so.
	UnusedWaivers []waiver.Waiver `json:"unused_waivers,omitempty"`
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
	// Description and Remediation are the job's own texts from its block ("" when unset).
	Description string `json:"description,omitempty"`
	Remediation string `json:"remediation,omitempty"`
	// Waivers are the waivers that accept failed results of this job, by result title.
	Waivers map[string]waiver.Waiver `json:"waivers,omitempty"`
	// Expired are waivers that would have accepted a failed result but have expired, by
	// result title: the run says why that failure counts again.
	Expired map[string]waiver.Waiver `json:"expired_waivers,omitempty"`

	// OwnStreams is set for a Compliance Framework plugin's job: its pass and fail results are
	// delivered as the plugin's own documents (Deliveries, in the plugin's streams) rather than
	// as argus evidence; its error results (failures, refused evidence) still go as argus
	// evidence in the job's stream.
	OwnStreams bool       `json:"-"`
	Deliveries []Delivery `json:"-"`
}

// Delivery is one document for the control plane, already encoded: an outbox item's kind and
// payload.
type Delivery struct {
	Kind    string
	Payload []byte
}

// Waiver returns the waiver that accepts r, a result of j: only a failure can be waived.
func (j Job) Waiver(r sdk.Result) (waiver.Waiver, bool) {
	if r.Status != sdk.StatusFail {
		return waiver.Waiver{}, false
	}
	w, ok := j.Waivers[r.Title]
	return w, ok
}

// ExpiredWaiver returns the expired waiver that would have accepted r, when no waiver does.
func (j Job) ExpiredWaiver(r sdk.Result) (waiver.Waiver, bool) {
	if r.Status != sdk.StatusFail {
		return waiver.Waiver{}, false
	}
	if _, ok := j.Waivers[r.Title]; ok {
		return waiver.Waiver{}, false
	}
	w, ok := j.Expired[r.Title]
	return w, ok
}

// Severity is r's severity: its own, else medium (argus fills in the job's when it runs).
func Severity(r sdk.Result) sdk.Severity {
	if r.Severity.Valid() {
		return r.Severity
	}
	return sdk.SeverityMedium
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

// Tally counts results by status. A waived failure is counted under Waived, not Fail, so the
// counts add up to Total.
type Tally struct {
	Pass   int `json:"pass"`
	Fail   int `json:"fail"`
	Waived int `json:"waived"`
	Error  int `json:"error"`
	Skip   int `json:"skip"`
}

// Total is the number of results counted.
func (t Tally) Total() int { return t.Pass + t.Fail + t.Waived + t.Error + t.Skip }

// Tally counts every result of every job.
func (r *Run) Tally() Tally {
	var t Tally
	for _, j := range r.Jobs {
		for _, res := range j.Results {
			switch res.Status {
			case sdk.StatusPass:
				t.Pass++
			case sdk.StatusFail:
				if _, waived := j.Waiver(res); waived {
					t.Waived++
				} else {
					t.Fail++
				}
			case sdk.StatusError:
				t.Error++
			case sdk.StatusSkip:
				t.Skip++
			}
		}
	}
	return t
}

// FailOn is the gate: which statuses fail the run, and from which severity up. It is written
// STATUS[:SEVERITY]: "fail", "error", "never", or with a threshold such as "fail:high" (only
// high and critical results count). It implements encoding.TextUnmarshaler, so a flag of this
// type is checked as it is parsed.
type FailOn string

// The gates `--fail-on` accepts, without a threshold.
const (
	FailOnFail  FailOn = "fail"  // a fail result fails the gate; errors make the run incomplete
	FailOnError FailOn = "error" // fail and error results both fail the gate
	FailOnNever FailOn = "never" // report only: results never fail the run
)

// ParseFailOn checks s and returns it as a FailOn.
func ParseFailOn(s string) (FailOn, error) {
	status, sev, hasSev := strings.Cut(strings.TrimSpace(s), ":")
	switch FailOn(status) {
	case FailOnFail, FailOnError:
	case FailOnNever:
		if hasSev {
			return "", fmt.Errorf("%q: never takes no severity (it never fails the run)", s)
		}
	default:
		return "", fmt.Errorf("%q: want fail, error or never, optionally with a severity threshold such as fail:high", s)
	}
	if hasSev && !sdk.Severity(sev).Valid() {
		return "", fmt.Errorf("%q: %q is not a severity: use one of info, low, medium, high, critical", s, sev)
	}
	return FailOn(strings.TrimSpace(s)), nil
}

// UnmarshalText is ParseFailOn, for flag parsers.
func (f *FailOn) UnmarshalText(b []byte) error {
	v, err := ParseFailOn(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// split returns the gate's status and threshold (info, which counts everything, when unset).
func (f FailOn) split() (FailOn, sdk.Severity) {
	status, sev, _ := strings.Cut(string(f), ":")
	if !sdk.Severity(sev).Valid() {
		sev = string(sdk.SeverityInfo)
	}
	switch FailOn(status) {
	case FailOnError, FailOnNever:
		return FailOn(status), sdk.Severity(sev)
	}
	return FailOnFail, sdk.Severity(sev)
}

// Verdict is what the results of a run mean for a pipeline.
type Verdict int

// Verdicts, from best to worst. The exit code is derived from them by the CLI.
const (
	VerdictPassed     Verdict = iota // nothing failed the gate
	VerdictIncomplete                // a provider errored and the gate counts errors as incomplete
	VerdictGateFailed                // a result failed the gate
)

// Verdict applies the gate to every result of the run. A waived failure never fails it, and
// the threshold applies alike to failures and errors: with fail:high, a low-severity check
// that could not run does not make the run incomplete either.
func (r *Run) Verdict(gate FailOn) Verdict {
	status, min := gate.split()
	if status == FailOnNever {
		return VerdictPassed
	}
	var fail, errs int
	for _, j := range r.Jobs {
		for _, res := range j.Results {
			if Severity(res).Rank() < min.Rank() {
				continue
			}
			switch res.Status {
			case sdk.StatusFail:
				if _, waived := j.Waiver(res); !waived {
					fail++
				}
			case sdk.StatusError:
				errs++
			}
		}
	}
	switch {
	case fail > 0, status == FailOnError && errs > 0:
		return VerdictGateFailed
	case errs > 0:
		return VerdictIncomplete
	}
	return VerdictPassed
}
