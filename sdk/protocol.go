// Package sdk is what a provider author needs to write an argus assessment provider in Go.
//
// A provider is an executable that speaks argus provider protocol v1: argus starts it with a
// sanitized environment and a fresh temporary working directory, writes one JSON [Request] to
// its stdin, and reads one JSON [Response] from its stdout. Stderr is the provider's log.
// [Serve] implements that protocol around a [Handler]:
//
//	func main() {
//		sdk.Serve(func(ctx context.Context, req sdk.Request) (sdk.Response, error) {
//			var cfg struct{ Path string `json:"path"` }
//			if err := req.DecodeConfig(&cfg); err != nil {
//				return sdk.Response{}, err
//			}
//			return sdk.Response{Results: []sdk.Result{{Title: "checked " + cfg.Path, Status: sdk.StatusPass}}}, nil
//		})
//	}
//
// The package is not responsible for scheduling, delivery or reporting: argus does those with
// whatever the provider returns.
package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ProtocolVersion is the version of the provider protocol this package speaks.
const ProtocolVersion = 1

// Status is the outcome of one check.
type Status string

// The statuses a result may carry.
const (
	StatusPass  Status = "pass"
	StatusFail  Status = "fail"
	StatusError Status = "error"
	StatusSkip  Status = "skip"
)

// Valid reports whether s is one of the four statuses of protocol v1.
func (s Status) Valid() bool {
	switch s {
	case StatusPass, StatusFail, StatusError, StatusSkip:
		return true
	}
	return false
}

// Severity is how much a failed check matters. A result that does not set one takes its job's
// severity (default SeverityMedium).
type Severity string

// The severities, from least to most severe.
const (
	SeverityInfo     Severity = "info"
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Severities lists every severity from least to most severe.
func Severities() []Severity {
	return []Severity{SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}
}

// Rank orders severities: info is 1, critical 5; an unknown severity (and "") is 0.
func (s Severity) Rank() int {
	for i, v := range Severities() {
		if s == v {
			return i + 1
		}
	}
	return 0
}

// Valid reports whether s is one of the five severities.
func (s Severity) Valid() bool { return s.Rank() > 0 }

// Request is the JSON document argus writes to a provider's stdin.
type Request struct {
	Protocol int     `json:"protocol"`
	RunID    string  `json:"run_id"`
	Job      Job     `json:"job"`
	Subject  Subject `json:"subject"`
	// Config is the job's `config` attribute, as JSON. Decode it with [Request.DecodeConfig].
	Config json.RawMessage `json:"config,omitempty"`
	// Deadline is when argus stops waiting; [Serve] turns it into the handler's context deadline.
	Deadline time.Time `json:"deadline"`
}

// Job identifies the job a request is for.
type Job struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Subject is what is being assessed, as the job names it.
type Subject struct {
	Type       string `json:"type"`
	Identifier string `json:"identifier"`
}

// DecodeConfig decodes the job's config into v, rejecting keys that v does not declare so that
// a misspelt key in a job's config is an error rather than a silently skipped check.
func (r Request) DecodeConfig(v any) error {
	raw := r.Config
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode job config: %w", err)
	}
	return nil
}

// Response is the JSON document a provider writes to stdout.
type Response struct {
	Results []Result `json:"results"`
}

// Result is the outcome of one check of one subject.
type Result struct {
	Title        string            `json:"title"`
	Description  string            `json:"description,omitempty"`
	Status       Status            `json:"status"`
	Reason       string            `json:"reason,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Observations []Observation     `json:"observations,omitempty"`
	Controls     []string          `json:"controls,omitempty"`
	Remarks      string            `json:"remarks,omitempty"`
	// Severity is optional: info, low, medium, high or critical. argus fills in the job's
	// severity when a provider leaves it out.
	Severity Severity `json:"severity,omitempty"`
}

// Observation is something the provider saw while checking, with its evidence.
type Observation struct {
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Evidence    map[string]any `json:"evidence,omitempty"`
}

// Validate checks what protocol v1 requires of a response: at least one result, each with a
// title and a known status. It returns every problem found, joined.
func (r Response) Validate() error {
	if len(r.Results) == 0 {
		return errors.New(`response has no results: a provider must report at least one (use status "skip" when nothing applies)`)
	}
	var errs []error
	for i, res := range r.Results {
		if strings.TrimSpace(res.Title) == "" {
			errs = append(errs, fmt.Errorf("results[%d]: title is empty", i))
		}
		if !res.Status.Valid() {
			errs = append(errs, fmt.Errorf("results[%d]: status %q is not one of pass, fail, error, skip", i, res.Status))
		}
		if res.Severity != "" && !res.Severity.Valid() {
			errs = append(errs, fmt.Errorf("results[%d]: severity %q is not one of info, low, medium, high, critical", i, res.Severity))
		}
		for j, o := range res.Observations {
			if strings.TrimSpace(o.Title) == "" {
				errs = append(errs, fmt.Errorf("results[%d].observations[%d]: title is empty", i, j))
			}
		}
	}
	return errors.Join(errs...)
}

// DecodeResponse decodes exactly one JSON response document from data and validates it.
// Trailing data after the document, unknown fields and invalid results are errors: a provider
// that prints anything else on stdout is broken, and its output must not be half-trusted.
func DecodeResponse(data []byte) (Response, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var resp Response
	if err := dec.Decode(&resp); err != nil {
		return Response{}, fmt.Errorf("decode provider output: %w", err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err == nil {
		return Response{}, errors.New("decode provider output: more than one JSON document on stdout")
	} else if !errors.Is(err, io.EOF) {
		return Response{}, fmt.Errorf("decode provider output: trailing data after the JSON document: %w", err)
	}
	if err := resp.Validate(); err != nil {
		return Response{}, fmt.Errorf("invalid provider output: %w", err)
	}
	return resp, nil
}
