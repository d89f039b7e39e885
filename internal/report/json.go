package report

import (
	"encoding/json"
	"io"

	"github.com/compliance-framework/argus/internal/result"
	"github.com/compliance-framework/argus/internal/waiver"
	"github.com/compliance-framework/argus/sdk"
)

// JSONVersion is the version of argus's own JSON report. It changes only when a field is
// removed or changes meaning; new fields may appear within a version.
const JSONVersion = 1

// The JSON report (format "json"), version 1. testdata/json.golden is a complete example.
//
//	{
//	  "version": 1,                                 // JSONVersion
//	  "tool":  {"name": "argus", "version": "0.1.0"},
//	  "run":   {"id": "<uuid>", "started": "<RFC 3339, UTC>", "ended": "…",
//	            "duration_seconds": 1.5, "config": "<config path as given>"},
//	  "tally": {"total": 6, "pass": 2, "fail": 1, "waived": 1, "error": 1, "skip": 1},
//	  "jobs": [                                     // sorted by name
//	    {"name": "…", "provider": "…", "status": "pass|fail|error|skip",   // worst result
//	     "labels": {"k": "v"},                      // omitted when empty
//	     "subject": {"type": "…", "identifier": "…"},
//	     "location": {"file": "…", "line": 1, "column": 1},   // omitted when unknown
//	     "start": "…", "end": "…", "duration_seconds": 0.2,
//	     "results": [                               // sorted by title; protocol v1 results
//	       {"title": "…", "description": "…", "status": "…", "reason": "…", "labels": {},
//	        "observations": [{"title": "…", "description": "…", "evidence": {}}],
//	        "controls": ["ac-6"], "remarks": "…", "severity": "high",
//	        "waiver": {"name": "…", "job": "…", "reason": "…", "expires": "2027-03-31"}}],  // a waived failure
//	     "description": "…", "remediation": "…",    // the job block's texts
//	     "stderr": "…"}],                           // tail of the provider's stderr, on error
//	  "unused_waivers": [{"name": "…", …}]          // waivers that waived nothing of jobs that ran
//	}
//
// A waived failure keeps "status": "fail" (a waiver is a decision, not a pass), carries its
// "waiver", and is counted in the tally under "waived" rather than "fail".
//
// Secrets are replaced by "***". Optional strings and collections are omitted when empty.
// testdata/argus-report-v1.schema.json is the JSON Schema of this format; the tests hold
// every rendering to it.
type jsonReport struct {
	Version int       `json:"version"`
	Tool    jsonTool  `json:"tool"`
	Run     jsonRun   `json:"run"`
	Tally   jsonTally `json:"tally"`
	Jobs    []jsonJob `json:"jobs"`
	// UnusedWaivers are active waivers that covered a job that ran but waived nothing.
	UnusedWaivers []jsonWaiver `json:"unused_waivers,omitempty"`
}

// jsonWaiver is a waiver as the report shows it: the expiry as the date it was written as.
type jsonWaiver struct {
	Name       string `json:"name"`
	Job        string `json:"job"`
	Result     string `json:"result,omitempty"`
	Reason     string `json:"reason"`
	Expires    string `json:"expires"`
	ApprovedBy string `json:"approved_by,omitempty"`
	File       string `json:"file,omitempty"`
	Line       int    `json:"line,omitempty"`
}

func newJSONWaiver(w waiver.Waiver) *jsonWaiver {
	return &jsonWaiver{Name: w.Name, Job: w.Job, Result: w.Result, Reason: w.Reason, Expires: w.ExpiresText(), ApprovedBy: w.ApprovedBy, File: w.File, Line: w.Line}
}

// jsonResult is a protocol result with what argus decided about it.
type jsonResult struct {
	sdk.Result
	// Waiver is set on a failure a waiver accepts (its status stays "fail").
	Waiver *jsonWaiver `json:"waiver,omitempty"`
	// ExpiredWaiver is set on a failure that an expired waiver would have accepted.
	ExpiredWaiver *jsonWaiver `json:"expired_waiver,omitempty"`
}

type jsonTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type jsonRun struct {
	ID       string  `json:"id"`
	Started  string  `json:"started,omitempty"`
	Ended    string  `json:"ended,omitempty"`
	Duration float64 `json:"duration_seconds"`
	Config   string  `json:"config,omitempty"`
}

type jsonTally struct {
	Total  int `json:"total"`
	Pass   int `json:"pass"`
	Fail   int `json:"fail"`
	Waived int `json:"waived"`
	Error  int `json:"error"`
	Skip   int `json:"skip"`
}

type jsonJob struct {
	Name     string            `json:"name"`
	Provider string            `json:"provider"`
	Status   sdk.Status        `json:"status"`
	Labels   map[string]string `json:"labels,omitempty"`
	Subject  sdk.Subject       `json:"subject"`
	Location *result.Location  `json:"location,omitempty"`
	Start    string            `json:"start,omitempty"`
	End      string            `json:"end,omitempty"`
	Duration float64           `json:"duration_seconds"`
	Results  []jsonResult      `json:"results"`
	Stderr   string            `json:"stderr,omitempty"`

	Description string `json:"description,omitempty"`
	Remediation string `json:"remediation,omitempty"`
}

func writeJSON(w io.Writer, run *result.Run, opts Options) error {
	t := run.Tally()
	rep := jsonReport{
		Version: JSONVersion,
		Tool:    jsonTool{Name: opts.toolName(), Version: opts.toolVersion()},
		Run: jsonRun{
			ID:       run.ID,
			Started:  optTimestamp(run.Started),
			Ended:    optTimestamp(run.Ended),
			Duration: seconds(run.Started, run.Ended),
			Config:   run.Config,
		},
		Tally: jsonTally{Total: t.Total(), Pass: t.Pass, Fail: t.Fail, Waived: t.Waived, Error: t.Error, Skip: t.Skip},
		Jobs:  []jsonJob{}, // an empty run is "jobs": [], not null, so consumers can iterate
	}
	for _, j := range run.Jobs {
		jj := jsonJob{
			Name:     j.Name,
			Provider: j.Provider,
			Status:   j.Status(),
			Labels:   j.Labels,
			Subject:  j.Subject,
			Start:    optTimestamp(j.Start),
			End:      optTimestamp(j.End),
			Duration: seconds(j.Start, j.End),
			Results:  []jsonResult{},
			Stderr:   j.Stderr,

			Description: j.Description,
			Remediation: j.Remediation,
		}
		for _, r := range j.Results {
			jr := jsonResult{Result: r}
			if w, ok := j.Waiver(r); ok {
				jr.Waiver = newJSONWaiver(w)
			} else if w, ok := j.ExpiredWaiver(r); ok {
				jr.ExpiredWaiver = newJSONWaiver(w)
			}
			jj.Results = append(jj.Results, jr)
		}
		if len(jj.Labels) == 0 {
			jj.Labels = nil
		}
		if j.Location.File != "" {
			loc := j.Location
			jj.Location = &loc
		}
		rep.Jobs = append(rep.Jobs, jj)
	}
	for _, w := range run.UnusedWaivers {
		rep.UnusedWaivers = append(rep.UnusedWaivers, *newJSONWaiver(w))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Reasons and stderr are shown to people as they are; "<" need not become \u003c.
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}
