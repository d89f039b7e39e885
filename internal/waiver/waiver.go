package waiver

import (
	"fmt"
	"time"
)

// DateLayout is how an expiry is written: a calendar date, read in UTC.
const DateLayout = "2006-01-02"

// SoonWindow is how close to its expiry a waiver gets a warning on every run.
const SoonWindow = 14 * 24 * time.Hour

// DefaultMaxAhead is how far ahead an expiry may be when the configuration sets no maximum.
const DefaultMaxAhead = 365 * 24 * time.Hour

// Waiver accepts the failed results of the jobs matching Job (a glob) whose title matches
// Result (when set), until the end of Expires.
type Waiver struct {
	Name       string    `json:"name"`
	Job        string    `json:"job"`
	Result     string    `json:"result,omitempty"`
	Reason     string    `json:"reason"`
	Expires    time.Time `json:"expires"` // midnight UTC of the last day the waiver applies
	ApprovedBy string    `json:"approved_by,omitempty"`
	// File and Line are where the waiver is declared, so that every warning can point at it.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

// State is where a waiver stands at a given time.
type State int

// States of a waiver.
const (
	Active  State = iota // applies
	Soon                 // applies, but expires within SoonWindow
	Expired              // no longer applies
)

// End is the first instant the waiver no longer applies: the day after Expires, at midnight
// UTC.
func (w Waiver) End() time.Time { return w.Expires.UTC().AddDate(0, 0, 1) }

// State says whether w applies at now.
func (w Waiver) State(now time.Time) State {
	left := w.End().Sub(now)
	switch {
	case left <= 0:
		return Expired
	case left <= SoonWindow:
		return Soon
	}
	return Active
}

// ExpiresText is the expiry as written in the configuration.
func (w Waiver) ExpiresText() string { return w.Expires.UTC().Format(DateLayout) }

// Where is file:line of the declaration, or "" when unknown.
func (w Waiver) Where() string {
	if w.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", w.File, w.Line)
}

// MatchesJob reports whether the waiver covers the job named name.
func (w Waiver) MatchesJob(name string) bool { return Match(w.Job, name) }

// Matches reports whether the waiver covers the result titled title of the job named job. A
// Result that holds no wildcard must equal the title; one that does is a glob.
func (w Waiver) Matches(job, title string) bool {
	if !w.MatchesJob(job) {
		return false
	}
	return w.Result == "" || w.Result == title || (IsGlob(w.Result) && Match(w.Result, title))
}

// ParseExpires reads an expiry date (YYYY-MM-DD) and checks it against now: maxAhead bounds
// how far ahead it may be (a waiver that never comes up for review is a hole in the gate).
// An expiry in the past is not an error here: the caller warns and the waiver does not apply.
func ParseExpires(s string, now time.Time, maxAhead time.Duration) (time.Time, error) {
	d, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date: write it as YYYY-MM-DD, like %q", s, now.UTC().AddDate(0, 3, 0).Format(DateLayout))
	}
	if maxAhead <= 0 {
		maxAhead = DefaultMaxAhead
	}
	// The latest date allowed is the calendar day (UTC) maxAhead from now.
	if latest := now.Add(maxAhead).UTC().Truncate(24 * time.Hour); d.After(latest) {
		return time.Time{}, fmt.Errorf("%s is more than %s ahead (the latest allowed today is %s): a waiver must come up for review; set an earlier date, or raise argus.waiver_max_days", s, days(maxAhead), latest.Format(DateLayout))
	}
	return d, nil
}

func days(d time.Duration) string {
	n := int(d / (24 * time.Hour))
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// Lookup is what the waivers say about one failed result.
type Lookup struct {
	// Applied is the waiver that accepts the failure, if any.
	Applied *Waiver
	// Expired is an expired waiver that would have accepted it, set only when none applies,
	// so that the run can say why the failure counts again.
	Expired *Waiver
}

// Find returns what ws say about the failed result titled title of job at now. The first
// waiver in ws that applies wins; callers keep ws in a stable order (by name).
func Find(ws []Waiver, job, title string, now time.Time) Lookup {
	var l Lookup
	for i := range ws {
		w := &ws[i]
		if !w.Matches(job, title) {
			continue
		}
		if w.State(now) == Expired {
			if l.Expired == nil {
				l.Expired = w
			}
			continue
		}
		return Lookup{Applied: w}
	}
	return l
}
